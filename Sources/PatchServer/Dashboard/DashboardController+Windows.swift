import ChangeControl
import Foundation
import Hummingbird
import HummingbirdCore
import Mustache
import PatchPolicy
import PatchStore

extension DashboardController {
    /// Upcoming windows and freezes of the policy's calendars, and the exceptions and holds.
    @Sendable func windowsPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let identity = context.identity else { return redirectToLogin() }
        guard identity.has(.fleetRead) else {
            throw Problem.forbidden("\(identity.username) cannot read the fleet")
        }
        let zoneName = request.uri.queryParameters["tz"].map(String.init).flatMap { $0.isEmpty ? nil : $0 } ?? "UTC"
        guard let zone = TimeZone(identifier: zoneName) else {
            throw Problem.badRequest("query parameter 'tz' names no known time zone: '\(zoneName)'")
        }
        let now = clock.now()
        let days = 14
        let horizon = now.addingTimeInterval(TimeInterval(days * 86400))
        let current = try await storage.currentPolicy()
        let policy = try current.map { try LoadedPolicy.load($0.files) }
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = zone
        formatter.formatOptions = [.withFullDate, .withTime, .withColonSeparatorInTime, .withSpaceBetweenDateAndTime]
        var rows: [(Date, [String: Any])] = []
        for (name, calendar) in policy?.calendars ?? [] {
            for event in calendar.events {
                let window = MaintenanceWindow(event: event)
                let schedule = MaintenanceSchedule(windows: [window], freezes: [], hostTimeZone: zone)
                for slot in try schedule.nextOccurrences(after: now, count: 64, includeOpen: true)
                where slot.start < horizon {
                    rows.append(
                        (
                            slot.start,
                            [
                                "start": formatter.string(from: slot.start), "end": formatter.string(from: slot.end),
                                "kind": window.isFreeze ? "freeze" : "window",
                                "kindClass": window.isFreeze ? "reboot" : "online", "name": window.name,
                                "calendar": name,
                                "cutoff": window.isFreeze ? "" : formatter.string(from: slot.usableEnd),
                                "openNow": slot.start <= now && now < slot.end,
                            ]
                        )
                    )
                }
            }
        }
        let register = policy?.document.register ?? ExceptionRegister()
        var data = page(identity, title: "Windows")
        data["navWindows"] = true
        data["tz"] = zone.identifier
        data["days"] = days
        data["policyVersion"] = current.map { String($0.version) } ?? "none"
        data["occurrences"] = rows.sorted { $0.0 < $1.0 }.map(\.1)
        data["exceptions"] = register.exceptions.sorted { $0.expires < $1.expires }.map { exception -> [String: Any] in
            [
                "id": exception.id, "scope": exception.scope.description, "owner": exception.owner,
                "approver": exception.approver, "expires": formatter.string(from: exception.expires),
                "expired": !exception.isActive(at: now) && exception.expires <= now, "reason": exception.reason,
                "control": exception.compensatingControl,
            ]
        }
        data["holds"] = register.holds.sorted { $0.starts < $1.starts }.map { hold -> [String: Any] in
            [
                "name": hold.name, "scope": hold.scope.description, "starts": formatter.string(from: hold.starts),
                "ends": formatter.string(from: hold.ends), "reason": hold.reason,
            ]
        }
        return html(library.render(data, withTemplate: "windows"))
    }
}
