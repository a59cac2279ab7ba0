import AgentProtocol
import ChangeControl
import FleetModel
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import PatchAPI
import PatchServer
import PatchStore
import Testing

/// Change requests, separation of duties, elevation and the audit trail through the real router
/// and a real SQLite store.
@Suite struct ChangeControlAPITests {
    /// The API's change answer, as the CLI reads it too.
    typealias View = ChangeView

    static func policy(hold: String = "") -> String {
        """
        environments: [dev, prod]
        groups:
          - name: dev-web
            labels: {env: dev}
            tier: staging
            environment: dev
          - name: prod-db
            labels: {env: prod}
            tier: production-databases
            environment: prod
        services:
          - name: billing
            groups: [prod-db]
        \(hold)
        """
    }

    /// A harness with the policy, one enrolled dev host and one prod host, and extra users.
    struct Fleet: Sendable {
        var harness: Harness
        var tokens: [String: String] = [:]

        func bearer(_ user: String) -> HTTPFields {
            [.authorization: "Bearer \(tokens[user]!)", .contentType: "application/json"]
        }
    }

    static func fleet(hold: String = "") async throws -> (Fleet, BuiltRouter) {
        let harness = try await Harness.make()
        _ = try await harness.storage.applyPolicy(
            files: [PolicyFile(name: "policy.yaml", text: policy(hold: hold))],
            actor: "test",
            reason: "test",
            changes: [],
            now: harness.clock.now()
        )
        let built = try await harness.routerWithFindings()
        var fleet = Fleet(harness: harness)
        for role in Role.builtIn {
            fleet.tokens[role.name] = harness.tokens[role]
        }
        // A second global approver and an approver for dev only.
        for (name, role) in [("ann", "approver"), ("dora", "viewer")] {
            let user = try await harness.identities.createUser(
                username: name,
                password: "correct horse battery staple",
                role: role,
                actor: "test"
            )
            fleet.tokens[name] = try await harness.identities.createAPIToken(
                userID: user.id,
                name: "t",
                expiresIn: nil,
                actor: "test"
            ).text
        }
        let dora = try #require(try await harness.storage.user(named: "dora"))
        try await harness.storage.addGrant(
            userID: dora.id,
            grant: RoleGrant(role: "approver", scope: .environment("dev")),
            actor: "test",
            now: harness.clock.now()
        )
        let token = try await harness.enrollmentToken()
        try await Application(router: built.router).test(.router) { client in
            for (name, env) in [("web-dev-1", "dev"), ("db-prod-1", "prod")] {
                var agent = TestAgent(hostname: name)
                try await client.enroll(&agent, token: token)
                let labelled = try await client.execute(
                    uri: "/api/v1/hosts/\(agent.hostID)/labels",
                    method: .put,
                    headers: harness.bearer(.admin),
                    body: ByteBuffer(string: #"{"labels":{"env":"\#(env)"},"tags":[]}"#)
                )
                #expect(labelled.status == .ok)
            }
        }
        return (fleet, built)
    }

    static let createBody = #"""
        {"title":"openssl 3.0.15","kind":"normal","content":{"packages":[{"name":"openssl","version":"3.0.15-1~deb12u1"}],
         "allApprovedByBaseline":false,"hosts":[],"groups":[],"environments":["dev","prod"],"windows":["sunday"],
         "addresses":["DSA-5800-1"],"rollbackPlan":"reinstall 3.0.11 from the agent cache"}}
        """#

    @Test func normalChangeNeedsApproversOfEveryEnvironmentAndEachCountsOnce() async throws {
        let (fleet, built) = try await Self.fleet()
        try await Application(router: built.router).test(.router) { client in
            func post(_ path: String, as user: String, _ body: String = "{}") async throws -> TestResponse {
                try await client.execute(
                    uri: path,
                    method: .post,
                    headers: fleet.bearer(user),
                    body: ByteBuffer(string: body)
                )
            }
            let created = try await post("/api/v1/changes", as: "operator", Self.createBody)
            #expect(created.status == .created)
            let id = try created.json(View.self).change.id
            #expect(id == "CHG-1")

            let submitted = try await post("/api/v1/changes/\(id)/submit", as: "operator")
            #expect(submitted.status == .ok, "\(submitted.text)")
            let view = try submitted.json(View.self)
            #expect(view.change.state == .submitted)
            #expect(view.change.impact?.environments.map(\.environment) == ["dev", "prod"])
            #expect(view.change.impact?.mostCriticalTier == 0)
            #expect(view.change.impact?.services == ["billing"])
            // tier 0 (+4), 2 hosts (+0), 1 service (+1), prod (+1) → 6: high → 2 approvals per environment.
            #expect(view.change.risk?.level == .high)
            #expect(view.change.risk?.reasons.contains { $0.contains("tier 0") } == true)
            #expect(view.tally.lines.map(\.needed) == [2, 2])

            // The operator may not approve at all; the attempt is recorded.
            #expect(try await post("/api/v1/changes/\(id)/approve", as: "operator").status == .forbidden)
            // Dora approves for dev only; a second vote from her does not count.
            let dora = try await post("/api/v1/changes/\(id)/approve", as: "dora", #"{"comment":"dev ok"}"#)
            #expect(dora.status == .ok, "\(dora.text)")
            #expect(try dora.json(View.self).tally.lines.map(\.approvals) == [1, 0])
            let again = try await post("/api/v1/changes/\(id)/approve", as: "dora")
            #expect(again.status == .forbidden)
            #expect(again.text.contains("counts once"))
            #expect(
                try await post("/api/v1/changes/\(id)/approve", as: "approver").json(View.self).change.state
                    == .submitted
            )
            let approved = try await post("/api/v1/changes/\(id)/approve", as: "ann").json(View.self)
            // Dora counts for dev, the two global approvers for both.
            #expect(approved.tally.lines.map(\.approvals) == [3, 2])
            #expect(approved.change.state == .approved)

            // Editing the content after approval voids the approvals and sends it back.
            let edited = try await client.execute(
                uri: "/api/v1/changes/\(id)",
                method: .put,
                headers: fleet.bearer("operator"),
                body: ByteBuffer(
                    string: Self.createBody.replacingOccurrences(of: "3.0.15-1~deb12u1", with: "3.0.16-1~deb12u1")
                )
            )
            #expect(edited.status == .ok, "\(edited.text)")
            let afterEdit = try edited.json(View.self)
            #expect(afterEdit.change.state == .submitted)
            #expect(afterEdit.tally.lines.map(\.approvals) == [0, 0])
            #expect(afterEdit.change.approvals.count == 3)

            // Illegal transition: starting a submitted change.
            let start = try await post("/api/v1/changes/\(id)/start", as: "operator")
            #expect(start.status == .conflict)
            #expect(start.text.contains("cannot start a change that is submitted"))

            let detail = try await client.execute(
                uri: "/api/v1/changes/\(id)",
                method: .get,
                headers: fleet.bearer("viewer")
            )
            .json(View.self)
            let actions = detail.timeline?.map(\.action) ?? []
            #expect(
                actions == [
                    "change.created", "change.submitted", "change.approval", "change.approval", "change.approval",
                    "change.edited",
                ]
            )
            #expect(detail.timeline?.last?.details.contains("voidedApprovals") == true)
        }
        let denied = try await fleet.harness.storage.auditEvents(afterID: 0, since: nil, target: nil, limit: 1000)
            .filter { $0.action == "access.denied" }
        #expect(denied.contains { $0.actor == "user:operator-user" && $0.details.contains("changes.approve") })
    }

    @Test func requesterCannotApproveTheirOwnChange() async throws {
        let (fleet, built) = try await Self.fleet()
        try await Application(router: built.router).test(.router) { client in
            let created = try await client.execute(
                uri: "/api/v1/changes",
                method: .post,
                headers: fleet.bearer("admin"),
                body: ByteBuffer(string: Self.createBody)
            )
            let id = try created.json(View.self).change.id
            _ = try await client.execute(
                uri: "/api/v1/changes/\(id)/submit",
                method: .post,
                headers: fleet.bearer("admin")
            )
            let own = try await client.execute(
                uri: "/api/v1/changes/\(id)/approve",
                method: .post,
                headers: fleet.bearer("admin")
            )
            #expect(own.status == .forbidden)
            #expect(own.text.contains("admin-user requested CHG-1 and cannot approve it"))
        }
    }

    @Test func complianceHoldBlocksSubmission() async throws {
        let (fleet, built) = try await Self.fleet(
            hold: """
                holds:
                  - name: pci-assessment
                    scope: {group: prod-db}
                    reason: assessor on site
                    starts: 2026-01-01T00:00:00Z
                    ends: 2027-12-31T00:00:00Z
                """
        )
        try await Application(router: built.router).test(.router) { client in
            let id = try await client.execute(
                uri: "/api/v1/changes",
                method: .post,
                headers: fleet.bearer("operator"),
                body: ByteBuffer(string: Self.createBody)
            ).json(View.self).change.id
            let refused = try await client.execute(
                uri: "/api/v1/changes/\(id)/submit",
                method: .post,
                headers: fleet.bearer("operator")
            )
            #expect(refused.status == .conflict)
            #expect(refused.text.contains("pci-assessment"))
            let still = try await client.execute(
                uri: "/api/v1/changes/\(id)",
                method: .get,
                headers: fleet.bearer("viewer")
            )
            #expect(try still.json(View.self).change.state == .draft)
        }
    }

    @Test func emergencyChangeOwesAReviewThatBecomesOverdue() async throws {
        let (fleet, built) = try await Self.fleet()
        try await Application(router: built.router).test(.router) { client in
            let body = Self.createBody.replacingOccurrences(
                of: #""kind":"normal""#,
                with: #""kind":"emergency","justification":"exploited in the wild""#
            )
            let id = try await client.execute(
                uri: "/api/v1/changes",
                method: .post,
                headers: fleet.bearer("operator"),
                body: ByteBuffer(string: body)
            )
            .json(View.self).change.id
            let submitted = try await client.execute(
                uri: "/api/v1/changes/\(id)/submit",
                method: .post,
                headers: fleet.bearer("operator")
            )
            .json(View.self)
            #expect(submitted.tally.lines.map(\.needed) == [1, 1])
            let approved = try await client.execute(
                uri: "/api/v1/changes/\(id)/approve",
                method: .post,
                headers: fleet.bearer("ann")
            )
            .json(View.self)
            #expect(approved.change.state == .approved)
            #expect(approved.change.reviewDueAt == fleet.harness.clock.now().addingTimeInterval(72 * 3600))
            // No window named "sunday" exists: only with a reason may it run outside.
            let start = ISO8601DateFormatter().string(from: fleet.harness.clock.now().addingTimeInterval(600))
            let noReason = try await client.execute(
                uri: "/api/v1/changes/\(id)/schedule",
                method: .post,
                headers: fleet.bearer("operator"),
                body: ByteBuffer(string: #"{"start":"\#(start)"}"#)
            )
            #expect(noReason.status == .badRequest)
            #expect(noReason.text.contains("outsideWindowReason"))
            let scheduled = try await client.execute(
                uri: "/api/v1/changes/\(id)/schedule",
                method: .post,
                headers: fleet.bearer("operator"),
                body: ByteBuffer(string: #"{"start":"\#(start)","outsideWindowReason":"ransomware campaign"}"#)
            )
            #expect(try scheduled.json(View.self).change.state == .scheduled)

            fleet.harness.clock.advance(72 * 3600)
            let overdue = try await client.execute(
                uri: "/api/v1/changes/\(id)",
                method: .get,
                headers: fleet.bearer("viewer")
            )
            #expect(try overdue.json(View.self).reviewOverdue)
            let reviewed = try await client.execute(
                uri: "/api/v1/changes/\(id)/review",
                method: .post,
                headers: fleet.bearer("approver"),
                body: ByteBuffer(string: #"{"comment":"went fine; add a canary next time"}"#)
            )
            #expect(reviewed.status == .ok, "\(reviewed.text)")
            #expect(try reviewed.json(View.self).reviewOverdue == false)
        }
    }

    @Test func requestIDsAreEchoedAndStampedOnEvents() async throws {
        let (fleet, built) = try await Self.fleet()
        try await Application(router: built.router).test(.router) { client in
            var headers = fleet.bearer("operator")
            headers[.init("X-Request-ID")!] = "req-42.a"
            let created = try await client.execute(
                uri: "/api/v1/changes",
                method: .post,
                headers: headers,
                body: ByteBuffer(string: Self.createBody)
            )
            #expect(created.headers[.init("X-Request-ID")!] == "req-42.a")
            // Problem answers carry it too; a malformed id is replaced by a fresh one.
            var viewer = fleet.bearer("viewer")
            viewer[.init("X-Request-ID")!] = "bad id with spaces"
            let refused = try await client.execute(
                uri: "/api/v1/changes",
                method: .post,
                headers: viewer,
                body: ByteBuffer(string: Self.createBody)
            )
            #expect(refused.status == .forbidden)
            let fresh = try #require(refused.headers[.init("X-Request-ID")!])
            #expect(fresh != "bad id with spaces" && !fresh.isEmpty)
        }
        let events = try await fleet.harness.storage.auditEvents(
            afterID: 0,
            since: nil,
            target: "change:CHG-1",
            limit: 10
        )
        #expect(events.map(\.requestID) == ["req-42.a"])
    }

    @Test func justInTimeElevationIsApprovedMarkedAndExpiresAcrossARestart() async throws {
        let (fleet, built) = try await Self.fleet()
        let harness = fleet.harness
        let elevationID = try await Application(router: built.router).test(.router) { client in
            #expect(
                try await client.execute(uri: "/api/v1/audit/events", method: .get, headers: fleet.bearer("viewer"))
                    .status == .forbidden
            )
            let requested = try await client.execute(
                uri: "/api/v1/elevations",
                method: .post,
                headers: fleet.bearer("viewer"),
                body: ByteBuffer(string: #"{"role":"admin","durationMinutes":60,"reason":"INC-7 disk full"}"#)
            )
            #expect(requested.status == .created)
            let elevationID = try requested.json(ElevationView.self).elevation.id
            // Not yet approved: nothing changes.
            #expect(
                try await client.execute(uri: "/api/v1/audit/events", method: .get, headers: fleet.bearer("viewer"))
                    .status == .forbidden
            )
            // Break-glass needs its own permission, which viewers lack.
            let glass = try await client.execute(
                uri: "/api/v1/elevations",
                method: .post,
                headers: fleet.bearer("viewer"),
                body: ByteBuffer(string: #"{"role":"admin","durationMinutes":60,"reason":"x","breakGlass":true}"#)
            )
            #expect(glass.status == .forbidden)
            let approved = try await client.execute(
                uri: "/api/v1/elevations/\(elevationID)/approve",
                method: .post,
                headers: fleet.bearer("admin")
            )
            #expect(try approved.json(ElevationView.self).elevation.state == .active)
            #expect(
                try await client.execute(uri: "/api/v1/audit/events", method: .get, headers: fleet.bearer("viewer"))
                    .status == .ok
            )
            let role = try await client.execute(
                uri: "/api/v1/roles/patch-runner",
                method: .put,
                headers: fleet.bearer("viewer"),
                body: ByteBuffer(string: #"{"permissions":["fleet.read","changes.run"]}"#)
            )
            #expect(role.status == .ok, "\(role.text)")
            return elevationID
        }
        let marked = try await harness.storage.auditEvents(
            afterID: 0,
            since: nil,
            target: "role:patch-runner",
            limit: 10
        )
        #expect(marked.map(\.elevationID) == [elevationID])

        // The server is down when the hour ends; a new process on the same file starts later.
        harness.clock.advance(2 * 3600)
        let reopened = try await harness.reopen()
        let restarted = try await buildRouter(
            configuration: harness.configuration,
            dependencies: ServerDependencies(storage: reopened, clock: harness.clock, logger: Harness.logger)
        )
        try await Application(router: restarted.router).test(.router) { client in
            // The grant no longer counts even before anything revoked it.
            let response = try await client.execute(
                uri: "/api/v1/audit/events",
                method: .get,
                headers: fleet.bearer("viewer")
            )
            #expect(response.status == .forbidden)
        }
        try await restarted.audit.sweep()
        let expired = try await reopened.auditEvents(
            afterID: 0,
            since: nil,
            target: "elevation:\(elevationID)",
            limit: 10
        )
        #expect(expired.map(\.action) == ["elevation.requested", "elevation.approved", "elevation.expired"])
        #expect(try await reopened.elevations(userID: nil, limit: 10).first?.state == .expired)
        #expect(try await restarted.audit.verify().isIntact)
    }

    @Test func breakGlassActivatesAtOnceAndForcesAReviewByAnother() async throws {
        let (fleet, built) = try await Self.fleet()
        try await Application(router: built.router).test(.router) { client in
            let glass = try await client.execute(
                uri: "/api/v1/elevations",
                method: .post,
                headers: fleet.bearer("operator"),
                body: ByteBuffer(
                    string: #"{"role":"admin","durationMinutes":30,"reason":"INC-9 outage","breakGlass":true}"#
                )
            )
            let elevation = try glass.json(ElevationView.self).elevation
            #expect(elevation.state == .active)
            #expect(elevation.reviewDueAt != nil)
            // Admin powers, but not above the break-glass ceiling: no users, grants, roles or tokens.
            #expect(
                try await client.execute(uri: "/api/v1/audit/events", method: .get, headers: fleet.bearer("operator"))
                    .status
                    == .ok
            )
            #expect(
                try await client.execute(uri: "/api/v1/users", method: .get, headers: fleet.bearer("operator")).status
                    == .forbidden
            )
            let selfReview = try await client.execute(
                uri: "/api/v1/elevations/\(elevation.id)/review",
                method: .post,
                headers: fleet.bearer("operator")
            )
            #expect(selfReview.status == .forbidden)
            let review = try await client.execute(
                uri: "/api/v1/elevations/\(elevation.id)/review",
                method: .post,
                headers: fleet.bearer("admin")
            )
            #expect(try review.json(ElevationView.self).elevation.reviewedBy == "admin-user")
        }
    }

    @Test func tokensCarryASubsetOfTheirOwnersPermissions() async throws {
        let (fleet, built) = try await Self.fleet()
        try await Application(router: built.router).test(.router) { client in
            let tooMuch = try await client.execute(
                uri: "/api/v1/tokens",
                method: .post,
                headers: fleet.bearer("viewer"),
                body: ByteBuffer(string: #"{"name":"ci","permissions":["changes.approve"]}"#)
            )
            #expect(tooMuch.status == .badRequest)
            #expect(tooMuch.text.contains("permissions[0]"))
            let narrow = try await client.execute(
                uri: "/api/v1/tokens",
                method: .post,
                headers: fleet.bearer("operator"),
                body: ByteBuffer(string: #"{"name":"ci","expiresInSeconds":3600,"permissions":["fleet.read"]}"#)
            ).json(IssuedSecret.self).token
            let headers: HTTPFields = [.authorization: "Bearer \(narrow)"]
            #expect(try await client.execute(uri: "/api/v1/hosts", method: .get, headers: headers).status == .ok)
            #expect(
                try await client.execute(uri: "/api/v1/changes", method: .get, headers: headers).status == .forbidden
            )
        }
    }

    @Test func scopedGrantsAndCustomRoles() async throws {
        let (fleet, built) = try await Self.fleet()
        try await Application(router: built.router).test(.router) { client in
            let role = try await client.execute(
                uri: "/api/v1/roles/dev-runner",
                method: .put,
                headers: fleet.bearer("admin"),
                body: ByteBuffer(string: #"{"permissions":["changes.run","changes.read"]}"#)
            )
            #expect(role.status == .ok)
            let bad = try await client.execute(
                uri: "/api/v1/users/dora/grants",
                method: .post,
                headers: fleet.bearer("admin"),
                body: ByteBuffer(string: #"{"role":"dev-runner","scope":"planet:mars"}"#)
            )
            #expect(bad.status == .badRequest)
            let granted = try await client.execute(
                uri: "/api/v1/users/dora/grants",
                method: .post,
                headers: fleet.bearer("admin"),
                body: ByteBuffer(string: #"{"role":"dev-runner","scope":"environment:dev"}"#)
            )
            #expect(granted.status == .created)
            let me = try await client.execute(uri: "/api/v1/me", method: .get, headers: fleet.bearer("dora")).json(
                MeView.self
            )
            #expect(me.grants.map(\.scope).contains("environment:dev"))
            #expect(me.permissions.contains("changes.run"))
            let revoked = try await client.execute(
                uri: "/api/v1/users/dora/grants/revoke",
                method: .post,
                headers: fleet.bearer("admin"),
                body: ByteBuffer(string: #"{"role":"dev-runner","scope":"environment:dev"}"#)
            )
            #expect(revoked.status == .noContent)
        }
    }
}
