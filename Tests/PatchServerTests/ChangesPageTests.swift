import ChangeControl
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import PatchServer
import PatchStore
import Testing

@Suite struct ChangesPageTests {
    /// Tier 0, one service, production, a critical fix: score 7, high risk, two approvals needed.
    static let production = ChangeImpact(
        environments: [.init(environment: "production", hosts: 3)],
        hostCount: 3,
        mostCriticalTier: 0,
        services: ["billing"],
        highestSeverity: "critical"
    )
    /// Nothing risky: low risk, one approval needed.
    static let staging = ChangeImpact(environments: [.init(environment: "staging", hosts: 2)], hostCount: 2)
    static let window = "Weekly database window"

    static func content(windows: [String] = [], packages: [String] = ["openssl"]) -> ChangeContent {
        ChangeContent(
            packages: packages.map { .init(name: $0, version: "3.0.15-1~deb12u1") },
            environments: ["production"],
            windows: windows,
            addresses: ["DSA-5000-1"],
            rollbackPlan: "reinstall the previous openssl from the local mirror"
        )
    }

    func user(_ harness: Harness, _ role: Role) async throws -> UserRecord {
        try #require(try await harness.storage.user(named: role.name + "-user"))
    }

    func create(
        _ harness: Harness,
        _ title: String,
        by requester: UserRecord,
        kind: ChangeKind = .normal,
        content: ChangeContent = ChangesPageTests.content()
    ) async throws -> String {
        let now = harness.clock.now()
        let requesterID = requester.id
        let username = requester.username
        let justification = kind == .emergency ? "actively exploited in the wild" : ""
        return try await harness.storage.createChange(
            { number in
                ChangeRequest(
                    id: "CHG-\(number)",
                    title: title,
                    kind: kind,
                    requesterID: requesterID,
                    requester: username,
                    content: content,
                    justification: justification,
                    now: now
                )
            },
            actor: "user:\(username)"
        ).id
    }

    func submit(_ harness: Harness, _ id: String, impact: ChangeImpact) async throws {
        let now = harness.clock.now()
        _ = try await harness.storage.updateChange(id: id, actor: "user:operator-user", action: "submitted") {
            change in
            try change.submit(impact: impact, template: nil, holds: [], policy: ApprovalPolicy(), now: now)
            return ["risk": change.risk?.level.rawValue ?? ""]
        }
    }

    func approve(
        _ harness: Harness,
        _ id: String,
        by approver: UserRecord,
        environment: String,
        elevationID: String? = nil
    ) async throws {
        let now = harness.clock.now()
        let approverID = approver.id
        let username = approver.username
        _ = try await harness.storage.updateChange(id: id, actor: "user:\(username)", action: "approval") {
            change in
            try change.decide(
                .approve,
                userID: approverID,
                username: username,
                environments: [environment],
                comment: "looks fine",
                elevationID: elevationID,
                policy: ApprovalPolicy(),
                now: now
            )
            return ["environments": environment]
        }
    }

    func schedule(_ harness: Harness, _ id: String, start: Date, inWindow: Bool) async throws {
        let now = harness.clock.now()
        _ = try await harness.storage.updateChange(id: id, actor: "user:operator-user", action: "scheduled") {
            change in
            try change.schedule(
                start: start,
                fitsWindow: inWindow,
                outsideWindowReason: inWindow ? nil : "exploit in the wild, cannot wait for Tuesday",
                now: now
            )
            return [:]
        }
    }

    func get(_ client: some TestClientProtocol, _ path: String, as headers: HTTPFields) async throws -> TestResponse {
        try await client.execute(uri: path, method: .get, headers: headers)
    }

    @Test func anonymousIsSentToLoginAndTheQueueNeedsApprovalRights() async throws {
        let harness = try await Harness.make()
        try await harness.application().test(.router) { client in
            for path in ["/changes", "/changes/queue", "/changes/calendar", "/changes/CHG-1"] {
                let response = try await client.execute(uri: path, method: .get)
                #expect(response.status == .seeOther, "\(path)")
                #expect(response.headers[.location] == "/login", "\(path)")
            }
            let queue = try await get(client, "/changes/queue", as: harness.bearer(.viewer))
            #expect(queue.status == .forbidden)
            let requesterQueue = try await get(client, "/changes/queue", as: harness.bearer(.operator))
            #expect(requesterQueue.status == .forbidden, "operators request changes but do not approve them")
            let list = try await get(client, "/changes", as: harness.bearer(.viewer))
            #expect(list.status == .ok)
            #expect(list.text.contains(#"<a href="/changes" class="active">Changes</a>"#))
            #expect(!list.text.contains("My approval queue"), "the queue is only offered to approvers")
            #expect(list.text.contains("No change requests."))
            let missing = try await get(client, "/changes/CHG-404", as: harness.bearer(.viewer))
            #expect(missing.status == .notFound)
        }
    }

    @Test func listShowsChangesWithStateRiskAndTallyAndFiltersByState() async throws {
        let harness = try await Harness.make()
        let operatorUser = try await user(harness, .operator)
        let draft = try await create(harness, "Try <script>alert(1)</script> & more", by: operatorUser)
        let submitted = try await create(harness, "Patch openssl on billing", by: operatorUser)
        try await submit(harness, submitted, impact: Self.production)
        try await harness.application().test(.router) { client in
            let list = try await get(client, "/changes", as: harness.bearer(.viewer))
            #expect(list.status == .ok)
            let text = list.text
            #expect(text.contains(#"href="/changes/\#(draft)""#))
            #expect(text.contains(#"href="/changes/\#(submitted)""#))
            #expect(text.contains("Patch openssl on billing"))
            #expect(text.contains(#"<span class="badge stale">submitted</span>"#))
            #expect(text.contains(#"<span class="badge ">draft</span>"#))
            #expect(text.contains(#"<span class="badge sev-high">high</span>"#))
            #expect(text.contains(#"title="production 0/2">0/2</td>"#), "two approvals needed for high risk")
            #expect(text.contains("operator-user"))
            #expect(text.contains("Try &lt;script&gt;alert(1)&lt;/script&gt; &amp; more"))
            #expect(!text.contains("<script>"), "titles are escaped")
            #expect(text.contains(#"submitted <span class="count">1</span>"#))
            #expect(text.contains(#"draft <span class="count">1</span>"#))
            #expect(text.contains(#"all <span class="count">2</span>"#))

            let filtered = try await get(client, "/changes?state=submitted", as: harness.bearer(.viewer))
            #expect(filtered.status == .ok)
            #expect(filtered.text.contains(#"href="/changes/\#(submitted)""#))
            #expect(!filtered.text.contains(#"href="/changes/\#(draft)""#), "the filter hides other states")
            #expect(filtered.text.contains(#"<a href="/changes?state=submitted" class="active">"#))

            let empty = try await get(client, "/changes?state=completed", as: harness.bearer(.viewer))
            #expect(empty.text.contains("No change requests in state completed."))
            let bogus = try await get(client, "/changes?state=finished", as: harness.bearer(.viewer))
            #expect(bogus.status == .badRequest)
        }
    }

    @Test func queueShowsSubmittedChangesToApproversUntilTheyDecide() async throws {
        let harness = try await Harness.make()
        let operatorUser = try await user(harness, .operator)
        let admin = try await user(harness, .admin)
        let approver = try await user(harness, .approver)
        let byOperator = try await create(harness, "Operator's openssl change", by: operatorUser)
        try await submit(harness, byOperator, impact: Self.production)
        let byAdmin = try await create(harness, "Admin's openssl change", by: admin)
        try await submit(harness, byAdmin, impact: Self.production)
        let draft = try await create(harness, "Not submitted yet", by: operatorUser)
        try await harness.application().test(.router) { client in
            let approverQueue = try await get(client, "/changes/queue", as: harness.bearer(.approver))
            #expect(approverQueue.status == .ok)
            #expect(approverQueue.text.contains(#"href="/changes/\#(byOperator)""#))
            #expect(approverQueue.text.contains(#"href="/changes/\#(byAdmin)""#))
            #expect(!approverQueue.text.contains(#"href="/changes/\#(draft)""#), "drafts wait for submission")
            #expect(approverQueue.text.contains("<td>production</td>"), "the environments the approver covers")
            #expect(approverQueue.text.contains("My approval queue <span class=\"muted\">(2)</span>"))

            let adminQueue = try await get(client, "/changes/queue", as: harness.bearer(.admin))
            #expect(adminQueue.text.contains(#"href="/changes/\#(byOperator)""#))
            #expect(!adminQueue.text.contains(#"href="/changes/\#(byAdmin)""#), "nobody approves their own change")

            try await approve(harness, byOperator, by: approver, environment: "production")
            let afterDecision = try await get(client, "/changes/queue", as: harness.bearer(.approver))
            #expect(!afterDecision.text.contains(#"href="/changes/\#(byOperator)""#), "decided once")
            #expect(afterDecision.text.contains(#"href="/changes/\#(byAdmin)""#))
            let stillSubmitted = try #require(try await harness.storage.change(id: byOperator))
            #expect(stillSubmitted.state == .submitted, "high risk needs a second approval")
            let adminAfter = try await get(client, "/changes/queue", as: harness.bearer(.admin))
            #expect(adminAfter.text.contains(#"href="/changes/\#(byOperator)""#), "the second approver still sees it")
            #expect(adminAfter.text.contains(#"title="production 1/2">1/2</td>"#))
        }
    }

    @Test func detailShowsRiskReasonsVoidedApprovalsAndTheTimeline() async throws {
        let harness = try await Harness.make()
        let operatorUser = try await user(harness, .operator)
        let approver = try await user(harness, .approver)
        let id = try await create(harness, "Patch openssl on billing", by: operatorUser)
        try await submit(harness, id, impact: Self.production)
        try await AuditContext.$current.withValue(AuditContext(requestID: "req-approve-7", elevationID: "ELV-3")) {
            try await approve(harness, id, by: approver, environment: "production", elevationID: "ELV-3")
        }
        try await harness.application().test(.router) { client in
            let before = try await get(client, "/changes/\(id)", as: harness.bearer(.viewer))
            #expect(before.status == .ok)
            let text = before.text
            #expect(text.contains("<h1>\(id) Patch openssl on billing"))
            #expect(text.contains(#"<span class="badge sev-high">high</span>"#))
            #expect(text.contains("<li>tier 0 (mission critical) hosts touched: +4</li>"))
            #expect(text.contains("<li>production environment production: +1</li>"))
            #expect(text.contains(#"<span class="mono">openssl</span> → <span class="mono">3.0.15-1~deb12u1</span>"#))
            #expect(text.contains("reinstall the previous openssl from the local mirror"))
            #expect(text.contains("DSA-5000-1"))
            #expect(text.contains(#"<td>production</td><td><span class="badge stale">1</span></td><td>2</td>"#))
            #expect(text.contains("approver-user"))
            #expect(!text.contains(#"class="voided""#), "the approval counts for the current content")
            #expect(text.contains("change.created"))
            #expect(text.contains("change.submitted"))
            #expect(text.contains("draft → submitted"))
            #expect(text.contains("change.approval"))
            #expect(text.contains("req-approve-7"), "the request id of the event")
            #expect(text.contains(#"title="elevation ELV-3">elevated</span>"#))
        }

        let now = harness.clock.now()
        _ = try await harness.storage.updateChange(id: id, actor: "user:operator-user", action: "edited") { change in
            let voided = try change.edit(
                title: nil,
                content: Self.content(packages: ["openssl", "libssl3"]),
                impact: Self.production,
                now: now
            )
            try change.addComment(author: "operator-user", text: "added libssl3 <b>too</b>", now: now)
            return ["voidedApprovals": voided.map(\.username).joined(separator: ",")]
        }
        try await harness.application().test(.router) { client in
            let after = try await get(client, "/changes/\(id)", as: harness.bearer(.viewer))
            let text = after.text
            #expect(text.contains(#"<tr class="voided">"#), "the approval of the old content is marked")
            #expect(text.contains(">voided</span>"))
            #expect(text.contains(#"<td>production</td><td><span class="badge stale">0</span></td><td>2</td>"#))
            #expect(text.contains("change.edited"))
            #expect(text.contains("voidedApprovals=approver-user"))
            #expect(text.contains("added libssl3 &lt;b&gt;too&lt;/b&gt;"))
            #expect(text.contains(#"<span class="mono">libssl3</span>"#))
            let queue = try await get(client, "/changes/queue", as: harness.bearer(.approver))
            #expect(queue.text.contains(#"href="/changes/\#(id)""#), "the edit puts it back in the approver's queue")
        }
    }

    @Test func calendarPlacesChangesInTheirWindowOccurrenceAndListsTheRestOutside() async throws {
        let harness = try await Harness.make()
        _ = try await harness.storage.applyPolicy(
            files: [PolicyFile(name: "maintenance.ics", text: WindowsPageTests.calendar)],
            actor: "test",
            reason: "windows",
            changes: [],
            now: harness.clock.now()
        )
        let operatorUser = try await user(harness, .operator)
        let approver = try await user(harness, .approver)
        // The clock reads Friday 2027-01-15 08:00 UTC; the window opens Tuesdays 22:00 Berlin (21:00 UTC).
        let scheduled = try await create(
            harness,
            "Second Tuesday openssl",
            by: operatorUser,
            content: Self.content(windows: [Self.window])
        )
        try await submit(harness, scheduled, impact: Self.staging)
        try await approve(harness, scheduled, by: approver, environment: "staging")
        try await schedule(
            harness,
            scheduled,
            start: Date(timeIntervalSince1970: 1_800_000_000 + 11 * 86400 + 13 * 3600 + 1800),
            inWindow: true
        )
        let approved = try await create(
            harness,
            "Next window openssl",
            by: operatorUser,
            content: Self.content(windows: [Self.window])
        )
        try await submit(harness, approved, impact: Self.staging)
        try await approve(harness, approved, by: approver, environment: "staging")
        let emergency = try await create(harness, "Emergency openssl", by: operatorUser, kind: .emergency)
        try await submit(harness, emergency, impact: Self.staging)
        try await approve(harness, emergency, by: approver, environment: "staging")
        try await schedule(
            harness,
            emergency,
            start: Date(timeIntervalSince1970: 1_800_000_000 + 86400),
            inWindow: false
        )
        let waiting = try await create(harness, "Still waiting for CAB", by: operatorUser)
        try await submit(harness, waiting, impact: Self.staging)

        try await harness.application().test(.router) { client in
            let page = try await get(client, "/changes/calendar", as: harness.bearer(.viewer))
            #expect(page.status == .ok)
            #expect(page.text.contains("<th>Start (UTC)</th>"))
            let parts = page.text.components(separatedBy: "Outside windows")
            try #require(parts.count == 2)
            let slots = parts[0].components(separatedBy: #"<tbody class="slot">"#).dropFirst()
            let first = try #require(slots.first { $0.contains("<td>2027-01-19 21:00:00</td>") })
            let second = try #require(slots.first { $0.contains("<td>2027-01-26 21:00:00</td>") })
            #expect(first.contains(Self.window))
            #expect(first.contains(#"href="/changes/\#(approved)""#), "unscheduled: its first eligible occurrence")
            #expect(!first.contains(#"href="/changes/\#(scheduled)""#))
            #expect(second.contains(#"href="/changes/\#(scheduled)""#), "scheduled into the second occurrence")
            #expect(second.contains("start 2027-01-26 21:30:00"))
            #expect(!second.contains(#"href="/changes/\#(approved)""#))
            #expect(!parts[0].contains(#"href="/changes/\#(emergency)""#))
            #expect(parts[1].contains(#"href="/changes/\#(emergency)""#), "an emergency change outside its windows")
            #expect(parts[1].contains("2027-01-16 08:00:00"))
            #expect(!page.text.contains(#"href="/changes/\#(waiting)""#), "only approved or scheduled changes")

            let berlin = try await get(client, "/changes/calendar?tz=Europe/Berlin", as: harness.bearer(.viewer))
            #expect(berlin.text.contains("<td>2027-01-19 22:00:00</td>"))
            let badZone = try await get(client, "/changes/calendar?tz=Mars/Olympus", as: harness.bearer(.viewer))
            #expect(badZone.status == .badRequest)

            let detail = try await get(client, "/changes/\(emergency)", as: harness.bearer(.viewer))
            #expect(detail.text.contains("Emergency review due by"))
            #expect(detail.text.contains("actively exploited in the wild"))
            #expect(detail.text.contains("exploit in the wild, cannot wait for Tuesday"))
        }
        harness.clock.advance(73 * 3600)
        try await harness.application().test(.router) { client in
            let detail = try await get(client, "/changes/\(emergency)", as: harness.bearer(.viewer))
            #expect(detail.text.contains("Emergency review overdue"))
        }
    }
}
