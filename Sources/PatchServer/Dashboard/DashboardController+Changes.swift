import ChangeControl
import Foundation
import Hummingbird
import HummingbirdCore
import Mustache
import PatchStore

/// Read-only change-control pages: change requests by state, the signed-in user's approval queue,
/// the CAB calendar and one change with its approvals and audit timeline. Actions go through the API.
extension DashboardController {
    func addChangeRoutes(to authenticated: RouterGroup<AppRequestContext>) {
        authenticated.get("changes", use: changesPage)
        authenticated.get("changes/queue", use: changeQueuePage)
        authenticated.get("changes/calendar", use: cabCalendarPage)
        authenticated.get("changes/:id", use: changePage)
    }

    /// Change requests, newest first, optionally in one state, with a count per state.
    @Sendable func changesPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let identity = context.identity else { return redirectToLogin() }
        guard identity.has(.changesRead) else {
            throw Problem.forbidden("\(identity.username) cannot read change requests")
        }
        let parameters = request.uri.queryParameters
        let (limit, offset) = try Paging.parse(parameters, defaultLimit: 50, maxLimit: 500)
        var state: ChangeState?
        if let text = parameters["state"], !text.isEmpty {
            guard let known = ChangeState(rawValue: String(text)) else {
                throw Problem.badRequest(
                    "query parameter 'state': unknown state '\(text)'; known: \(ChangeState.allCases.map(\.rawValue).joined(separator: ", "))"
                )
            }
            state = known
        }
        let page = try await storage.changes(states: state.map { [$0] }, limit: limit, offset: offset)
        var counts: [ChangeState: Int] = [:]
        for candidate in ChangeState.allCases {
            counts[candidate] = try await storage.changes(states: [candidate], limit: 1, offset: 0).total
        }
        let formatter = Self.changeTimeFormatter(TimeZone(identifier: "UTC")!)
        var data = self.page(identity, title: "Changes")
        data["navChanges"] = true
        data["subnavList"] = true
        data["canApprove"] = identity.has(.changesApprove)
        data["canRequest"] = identity.has(.changesRequest)
        data["kinds"] = ChangeKind.allCases.map { ["kind": $0.rawValue, "selected": $0 == .normal] }
        // "Fix these" from an advisory or a findings list: the new-change form comes filled in.
        var prefill: [String: String] = [:]
        for (key, limit) in [("title", 200), ("packages", 8000), ("hosts", 20000), ("addresses", 4000)] {
            guard let value = parameters[Substring("fix.\(key)")], !value.isEmpty else { continue }
            guard value.count <= limit else {
                throw Problem.badRequest("query parameter 'fix.\(key)' must be at most \(limit) characters")
            }
            prefill[key] = String(value)
        }
        if !prefill.isEmpty { data["prefill"] = prefill }
        data["total"] = page.total
        data["filtered"] = state != nil
        data["stateName"] = state?.rawValue ?? ""
        let all: [String: Any] = [
            "label": "all", "href": "/changes", "count": counts.values.reduce(0, +), "active": state == nil,
        ]
        data["tabs"] =
            [all]
            + ChangeState.allCases.map { candidate -> [String: Any] in
                [
                    "label": candidate.rawValue, "href": "/changes?state=\(candidate.rawValue)",
                    "count": counts[candidate] ?? 0, "active": candidate == state,
                ]
            }
        data["changes"] = page.changes.map { changeRow($0, formatter: formatter) }
        data["from"] = page.total == 0 ? 0 : offset + 1
        data["to"] = offset + page.changes.count
        if offset > 0 {
            data["prev"] = Self.link("/changes", parameters, ["offset": String(max(0, offset - limit))])
        }
        if offset + page.changes.count < page.total {
            data["next"] = Self.link("/changes", parameters, ["offset": String(offset + limit)])
        }
        return html(library.render(data, withTemplate: "changes"))
    }

    /// Submitted changes the signed-in user may still decide on: the rule of `GET /api/v1/changes/queue`
    /// (not their own, not decided on by them for the current content, approvable in an environment).
    @Sendable func changeQueuePage(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let identity = context.identity else { return redirectToLogin() }
        guard identity.has(.changesApprove) else {
            throw Problem.forbidden("\(identity.username) cannot approve change requests")
        }
        let submitted = try await storage.changes(states: [.submitted], limit: 500, offset: 0)
        let formatter = Self.changeTimeFormatter(TimeZone(identifier: "UTC")!)
        var rows: [[String: Any]] = []
        for change in submitted.changes
        where change.requesterID != identity.userID
            && !change.currentApprovals.contains(where: { $0.userID == identity.userID })
        {
            let environments = changes.approvableEnvironments(change, identity: identity)
            guard !environments.isEmpty else { continue }
            var row = changeRow(change, formatter: formatter)
            row["environments"] = environments.joined(separator: ", ")
            row["updated"] = formatter.string(from: change.updatedAt)
            rows.append(row)
        }
        var data = page(identity, title: "Approval queue")
        data["navChanges"] = true
        data["subnavQueue"] = true
        data["canApprove"] = true
        data["count"] = rows.count
        data["changes"] = rows
        return html(library.render(data, withTemplate: "change_queue"))
    }

    /// Window occurrences of the next 14 days with the changes planned into each, and the emergency
    /// changes planned outside every window.
    @Sendable func cabCalendarPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let identity = context.identity else { return redirectToLogin() }
        guard identity.has(.changesRead) else {
            throw Problem.forbidden("\(identity.username) cannot read change requests")
        }
        let zoneName = request.uri.queryParameters["tz"].map(String.init).flatMap { $0.isEmpty ? nil : $0 } ?? "UTC"
        guard let zone = TimeZone(identifier: zoneName) else {
            throw Problem.badRequest("query parameter 'tz' names no known time zone: '\(zoneName)'")
        }
        let days = 14
        let (slots, outside) = try await changes.calendar(days: days, now: clock.now())
        let formatter = Self.changeTimeFormatter(zone)
        func entry(_ entry: ChangeService.CalendarSlot.Entry) -> [String: Any] {
            [
                "id": entry.id, "title": entry.title, "state": entry.state,
                "stateClass": ChangeState(rawValue: entry.state).map(Self.stateClass) ?? "",
                "kind": entry.kind, "risk": entry.risk ?? "—", "riskClass": entry.risk.map { "sev-\($0)" } ?? "",
                "plannedStart": entry.plannedStart.map { formatter.string(from: $0) }
                    ?? "not scheduled yet (first eligible window)",
            ]
        }
        var data = page(identity, title: "CAB calendar")
        data["navChanges"] = true
        data["subnavCalendar"] = true
        data["canApprove"] = identity.has(.changesApprove)
        // The name asked for: Foundation on Linux calls UTC "GMT".
        data["tz"] = zoneName
        data["days"] = days
        data["slots"] = slots.map { slot -> [String: Any] in
            [
                "window": slot.window, "calendar": slot.calendar, "start": formatter.string(from: slot.start),
                "end": formatter.string(from: slot.end), "count": slot.changes.count,
                "changes": slot.changes.map(entry),
            ]
        }
        data["outside"] = outside.map(entry)
        return html(library.render(data, withTemplate: "cab_calendar"))
    }

    /// One change: content, risk and its reasons, tally, approvals (voided ones marked), comments,
    /// emergency review and the audit timeline of `change:<id>`.
    @Sendable func changePage(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let identity = context.identity else { return redirectToLogin() }
        guard identity.has(.changesRead) else {
            throw Problem.forbidden("\(identity.username) cannot read change requests")
        }
        let id = try context.parameters.requireDecoded("id")
        guard let change = try await storage.change(id: id) else {
            throw Problem.notFound("no change request '\(id)'")
        }
        let events = try await storage.auditEvents(afterID: 0, since: nil, target: "change:\(change.id)", limit: 1000)
        let now = clock.now()
        let formatter = Self.changeTimeFormatter(TimeZone(identifier: "UTC")!)
        let digest = change.content.digest
        let content = change.content
        func list(_ values: [String]) -> String { values.isEmpty ? "—" : values.joined(separator: ", ") }
        var data = page(identity, title: "\(change.id) \(change.title)")
        data["navChanges"] = true
        data["canApprove"] = identity.has(.changesApprove)
        data["change"] =
            [
                "id": change.id, "title": change.title, "kind": change.kind.rawValue, "state": change.state.rawValue,
                "stateClass": Self.stateClass(change.state), "requester": change.requester,
                "template": change.template ?? "—", "revision": change.revision, "digest": digest,
                "created": formatter.string(from: change.createdAt),
                "updated": formatter.string(from: change.updatedAt),
                "plannedStart": change.plannedStart.map { formatter.string(from: $0) } ?? "not scheduled",
                "justification": change.justification.isEmpty ? "—" : change.justification,
                "outsideWindowReason": change.outsideWindowReason ?? "—",
                "emergency": change.kind == .emergency,
            ] as [String: Any]
        if let risk = change.risk {
            data["risk"] =
                [
                    "level": risk.level.rawValue, "class": "sev-\(risk.level.rawValue)", "score": risk.score,
                    "reasons": risk.reasons,
                ] as [String: Any]
        }
        if let impact = change.impact {
            data["impact"] =
                [
                    "hosts": impact.hostCount,
                    "environments": list(impact.environments.map { "\($0.environment) (\($0.hosts))" }),
                    "tier": impact.mostCriticalTier.map { String($0) } ?? "none", "services": list(impact.services),
                    "severity": impact.highestSeverity, "knownExploited": impact.addressesKnownExploited,
                    "baselineApproved": impact.baselineApproved,
                ] as [String: Any]
        }
        data["content"] =
            [
                "allApprovedByBaseline": content.allApprovedByBaseline,
                "packages": content.packages.map { package -> [String: Any] in
                    ["name": package.name, "version": package.version ?? "newest approved by the baseline"]
                },
                "hosts": list(content.hosts), "groups": list(content.groups),
                "environments": list(content.environments), "windows": list(content.windows),
                "addresses": list(content.addresses),
                "rollbackPlan": content.rollbackPlan.isEmpty ? "—" : content.rollbackPlan,
            ] as [String: Any]
        let own = change.requesterID == identity.userID || identity.has(.usersManage)
        let decided = change.currentApprovals.contains { $0.userID == identity.userID }
        data["actions"] =
            [
                "id": change.id, "digest": digest,
                "canSubmit": change.state == .draft && own && identity.has(.changesRequest),
                "canDecide": change.state == .submitted && change.requesterID != identity.userID && !decided
                    && !changes.approvableEnvironments(change, identity: identity).isEmpty,
                "canRoll": [.approved, .scheduled].contains(change.state) && identity.has(.changesRun),
                "canComment": identity.has(.changesComment),
            ] as [String: Any]
        let tally = ApprovalTally(change: change, policy: changes.approvalPolicy)
        data["tallyMet"] = tally.isMet
        data["tally"] = tally.lines.map { line -> [String: Any] in
            [
                "environment": line.environment, "approvals": line.approvals, "needed": line.needed,
                "approvers": list(line.approvers), "met": line.approvals >= line.needed,
            ]
        }
        data["approvals"] = change.approvals.map { approval -> [String: Any] in
            var row: [String: Any] = [
                "username": approval.username, "decision": approval.decision.rawValue,
                "decisionClass": approval.decision == .approve ? "online" : "reboot",
                "environments": list(approval.environments), "at": formatter.string(from: approval.at),
                "comment": approval.comment, "digest": String(approval.contentDigest.prefix(12)),
                "voided": approval.contentDigest != digest || approval.voidedReason != nil,
            ]
            if let elevation = approval.elevationID { row["elevationID"] = elevation }
            return row
        }
        data["comments"] = change.comments.map { comment -> [String: Any] in
            ["author": comment.author, "at": formatter.string(from: comment.at), "text": comment.text]
        }
        if let due = change.reviewDueAt {
            var review: [String: Any] = [
                "due": formatter.string(from: due), "overdue": change.isReviewOverdue(at: now),
            ]
            if let done = change.review {
                review["done"] =
                    ["reviewer": done.reviewer, "at": formatter.string(from: done.at), "comment": done.comment]
            }
            data["review"] = review
        }
        data["timeline"] = events.map { event -> [String: Any] in
            var row: [String: Any] = [
                "at": formatter.string(from: event.at), "actor": event.actor, "action": event.action,
                "details": Self.eventDetails(event.details), "requestID": event.requestID ?? "—",
            ]
            if let transition = Self.transition(event.details) { row["transition"] = transition }
            if let elevation = event.elevationID { row["elevationID"] = elevation }
            return row
        }
        data["timelineCapped"] = events.count >= 1000
        return html(library.render(data, withTemplate: "change"))
    }

    // MARK: Change helpers

    /// One row of a change table.
    func changeRow(_ change: ChangeRequest, formatter: ISO8601DateFormatter) -> [String: Any] {
        let tally = ApprovalTally(change: change, policy: changes.approvalPolicy)
        let needed = tally.lines.reduce(0) { $0 + $1.needed }
        // An environment counts at most its quorum, so x/y reaches y exactly when the quorum is met.
        let given = tally.lines.reduce(0) { $0 + min($1.approvals, $1.needed) }
        return [
            "id": change.id, "title": change.title, "kind": change.kind.rawValue, "state": change.state.rawValue,
            "stateClass": Self.stateClass(change.state), "risk": change.risk?.level.rawValue ?? "—",
            "riskClass": change.risk.map { "sev-\($0.level.rawValue)" } ?? "", "requester": change.requester,
            "plannedStart": change.plannedStart.map { formatter.string(from: $0) } ?? "—",
            "approvals": tally.lines.isEmpty ? "—" : "\(given)/\(needed)",
            "approvalsDetail": tally.lines.map { "\($0.environment) \($0.approvals)/\($0.needed)" }.joined(
                separator: ", "
            ),
        ]
    }

    /// The badge class of a state: green when on track, amber when waiting, red when it went wrong.
    static func stateClass(_ state: ChangeState) -> String {
        switch state {
        case .submitted, .inProgress: "stale"
        case .approved, .scheduled, .completed: "online"
        case .rejected, .failed, .rolledBack: "reboot"
        case .draft, .closed: ""
        }
    }

    /// `2027-01-19 21:00:00` in `zone`.
    static func changeTimeFormatter(_ zone: TimeZone) -> ISO8601DateFormatter {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = zone
        formatter.formatOptions = [.withFullDate, .withTime, .withColonSeparatorInTime, .withSpaceBetweenDateAndTime]
        return formatter
    }

    /// An event's details as `key=value` pairs (the state transition is shown apart); the raw text
    /// when they are not a flat JSON object of strings.
    static func eventDetails(_ text: String) -> String {
        guard let object = try? JSONDecoder().decode([String: String].self, from: Data(text.utf8)) else {
            return text
        }
        return object.filter { !$0.value.isEmpty && $0.key != "before" && $0.key != "after" }
            .sorted { $0.key < $1.key }
            .map { "\($0.key)=\($0.value)" }
            .joined(separator: " · ")
    }

    /// `draft → submitted` when the details record a state change.
    static func transition(_ text: String) -> String? {
        guard let object = try? JSONDecoder().decode([String: String].self, from: Data(text.utf8)),
            let after = object["after"]
        else { return nil }
        guard let before = object["before"] else { return after }
        return before == after ? nil : "\(before) → \(after)"
    }
}
