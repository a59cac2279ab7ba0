import ChangeControl
import Foundation
import Hummingbird
import Mustache
import PatchAPI
import PatchStore

extension DashboardController {
    func addAuditRoutes(to authenticated: RouterGroup<AppRequestContext>) {
        authenticated.get("audit", use: auditPage)
    }

    /// `/audit`: the audit log, newest first, filtered by actor, action, target and time (a filter
    /// ending in `*` is a prefix); `verify=true` checks the whole chain and its signed checkpoints
    /// and shows the verdict; `format=csv` exports every match.
    @Sendable func auditPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let identity = context.identity else { return redirectToLogin() }
        guard identity.has(.auditRead) else {
            throw Problem.forbidden("\(identity.username) cannot read the audit log")
        }
        let parameters = request.uri.queryParameters
        let values = QueryParameters(parameters.map { (String($0.key), String($0.value)) })
        var query = AuditEventQuery()
        for name in ["actor", "action", "target"] {
            guard let value = values.nonEmpty(name) else { continue }
            guard value.count <= 200 else {
                throw Problem.badRequest("query parameter '\(name)' must be at most 200 characters")
            }
            switch name {
            case "actor": query.actor = value
            case "action": query.action = value
            default: query.target = value
            }
        }
        query.from = try Self.auditTime(values.nonEmpty("from"), name: "from")
        query.to = try Self.auditTime(values.nonEmpty("to"), name: "to", endOfDay: true)
        (query.limit, query.offset) = try values.paging(defaultLimit: 100, maxLimit: 1000)
        let stamp = ISO8601DateFormatter()
        if parameters["format"] == "csv" {
            var table = CSVTable(header: [
                "id", "at", "actor", "action", "target", "details", "request_id", "elevation_id", "hash",
            ])
            let base = query
            try await table.appendPages(
                fetch: { offset, limit in
                    var page = base
                    (page.offset, page.limit) = (offset, limit)
                    return try await storage.auditEvents(page).events
                },
                row: { event in
                    [
                        String(event.id), stamp.string(from: event.at), event.actor, event.action, event.target,
                        event.details, event.requestID ?? "", event.elevationID ?? "", event.hash,
                    ]
                }
            )
            return table.response(filename: "audit.csv")
        }
        let (events, total) = try await storage.auditEvents(query)
        var data = page(identity, title: "Audit log")
        data["navAudit"] = true
        data["total"] = total
        data["actor"] = query.actor ?? ""
        data["action"] = query.action ?? ""
        data["target"] = query.target ?? ""
        data["fromValue"] = values.nonEmpty("from") ?? ""
        data["toValue"] = values.nonEmpty("to") ?? ""
        data["events"] = events.map { event -> [String: Any] in
            [
                "id": event.id, "at": stamp.string(from: event.at), "actor": event.actor, "action": event.action,
                "target": event.target,
                "details": event.details.count > 400
                    ? String(event.details.prefix(400)) + "…" : event.details,
                "elevation": event.elevationID ?? "",
            ]
        }
        if try values.boolean("verify") == true {
            let verdict = try await audit.verify()
            var shown: [String: Any] = [
                "intact": verdict.isIntact, "events": verdict.events, "checkpoints": verdict.checkpoints,
                "unsealed": verdict.unsealed,
                "problems": verdict.problems.prefix(20).map { ["text": $0.description] },
            ]
            if let since = verdict.unsealedSince { shown["unsealedSince"] = stamp.string(from: since) }
            data["verification"] = shown
        }
        data["verifyLink"] = Self.link("/audit", parameters, ["verify": "true"])
        data["from"] = total == 0 ? 0 : query.offset + 1
        data["to"] = query.offset + events.count
        if query.offset > 0 {
            data["prev"] = Self.link("/audit", parameters, ["offset": String(max(0, query.offset - query.limit))])
        }
        if query.offset + events.count < total {
            data["next"] = Self.link("/audit", parameters, ["offset": String(query.offset + query.limit)])
        }
        data["csv"] = Self.link("/audit", parameters, ["format": "csv", "offset": "", "verify": ""])
        return html(library.render(data, withTemplate: "audit"))
    }

    /// A time filter: `YYYY-MM-DD` (UTC; as an upper bound, the end of that day) or RFC 3339.
    static func auditTime(_ text: String?, name: String, endOfDay: Bool = false) throws -> Date? {
        guard let text else { return nil }
        if text.count == 10 {
            let day = ISO8601DateFormatter()
            day.formatOptions = [.withFullDate]
            if let date = day.date(from: text) { return endOfDay ? date.addingTimeInterval(86_400) : date }
        } else if text.count <= 40, let date = ISO8601DateFormatter().date(from: text) {
            return date
        }
        throw Problem.badRequest(
            "query parameter '\(name)' must be a date (2026-12-01) or an RFC 3339 time, got '\(text.prefix(40))'"
        )
    }
}
