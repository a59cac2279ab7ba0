import AgentProtocol
import ChangeControl
import FleetModel
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import PatchAPI
import PatchServer
import PatchStore
import Testing

@Suite struct APITests {
    @Test func healthzNeedsNoAuthentication() async throws {
        let harness = try await Harness.make()
        try await harness.application().test(.router) { client in
            let response = try await client.execute(uri: "/healthz", method: .get)
            #expect(response.status == .ok)
            #expect(response.text == "ok\n")
        }
    }

    /// Readiness needs no credentials and answers 200 while the database answers (the lost
    /// database case, 503 with Retry-After, is the PostgreSQL engine's `unavailable` mapping).
    @Test func readyzAnswersWhileTheDatabaseDoes() async throws {
        let harness = try await Harness.make()
        try await harness.application().test(.router) { client in
            let response = try await client.execute(uri: "/readyz", method: .get)
            #expect(response.status == .ok)
            #expect(response.text == "ready\n")
        }
    }

    /// Every secured route × every role (and no credentials): 401 without credentials, 403 when
    /// the role lacks the route's declared permission, anything else when it holds it.
    @Test func permissionMatrixCoversEveryRoute() async throws {
        let harness = try await Harness.make()
        let built = try await buildRouter(
            configuration: harness.configuration,
            dependencies: ServerDependencies(
                storage: harness.storage,
                clock: harness.clock,
                logger: Harness.logger
            )
        )
        let routes = built.routes.routes
        #expect(routes.count >= 10)
        let app = Application(router: built.router)
        try await app.test(.router) { client in
            for route in routes {
                let uri = route.path.replacingOccurrences(
                    of: #"\{[a-z]+\}"#,
                    with: "nonexistent",
                    options: .regularExpression
                )
                let method = HTTPRequest.Method(route.method)!
                let anonymous = try await client.execute(uri: uri, method: method, body: ByteBuffer(string: "{}"))
                #expect(anonymous.status == .unauthorized, "\(route.method) \(route.path) without credentials")
                for role in Role.builtIn {
                    let response = try await client.execute(
                        uri: uri,
                        method: method,
                        headers: harness.bearer(role),
                        body: ByteBuffer(string: "{}")
                    )
                    if role.permissions.contains(route.permission) {
                        #expect(
                            response.status != .unauthorized && response.status != .forbidden,
                            "\(role) on \(route.method) \(route.path) got \(response.status)"
                        )
                    } else {
                        #expect(
                            response.status == .forbidden,
                            "\(role) on \(route.method) \(route.path) got \(response.status)"
                        )
                    }
                }
            }
        }
    }

    @Test(arguments: ["Bearer ppt_unknown_secret", "Bearer nonsense", "Basic YWRtaW46YWRtaW4="])
    func invalidBearerIsUnauthorized(header: String) async throws {
        let harness = try await Harness.make()
        try await harness.application().test(.router) { client in
            let response = try await client.execute(
                uri: "/api/v1/hosts",
                method: .get,
                headers: [.authorization: header]
            )
            #expect(response.status == .unauthorized)
        }
    }

    @Test func expiredAPITokenIsUnauthorized() async throws {
        let harness = try await Harness.make()
        let user = try #require(try await harness.storage.user(named: "admin-user"))
        let token = try await harness.identities.createAPIToken(
            userID: user.id,
            name: "short",
            expiresIn: 60,
            actor: "test"
        ).text
        harness.clock.advance(61)
        try await harness.application().test(.router) { client in
            let response = try await client.execute(
                uri: "/api/v1/hosts",
                method: .get,
                headers: [.authorization: "Bearer \(token)"]
            )
            #expect(response.status == .unauthorized)
        }
    }

    @Test func hostListFiltersSortsAndPages() async throws {
        let harness = try await Harness.make()
        let token = try await harness.enrollmentToken(uses: 10)
        try await harness.application().test(.router) { client in
            for index in 0..<5 {
                var agent = TestAgent(hostname: "db-\(index)")
                if index % 2 == 0 {
                    agent.facts.os = OSRelease(id: "ubuntu", versionID: "22.04", versionCodename: "jammy")
                }
                agent.facts.rebootRequired = index == 3
                try await client.enroll(&agent, token: token)
            }
            let ubuntu = try await client.execute(
                uri: "/api/v1/hosts?os=ubuntu",
                method: .get,
                headers: harness.bearer(.viewer)
            )
            .json(HostPage.self)
            #expect(ubuntu.total == 3)
            #expect(ubuntu.hosts.map(\.hostname) == ["db-0", "db-2", "db-4"])
            let reboot = try await client.execute(
                uri: "/api/v1/hosts?reboot=true",
                method: .get,
                headers: harness.bearer(.viewer)
            )
            .json(HostPage.self)
            #expect(reboot.hosts.map(\.hostname) == ["db-3"])
            let paged = try await client.execute(
                uri: "/api/v1/hosts?sort=hostname&order=desc&limit=2&offset=1",
                method: .get,
                headers: harness.bearer(.viewer)
            ).json(HostPage.self)
            #expect(paged.total == 5)
            #expect(paged.hosts.map(\.hostname) == ["db-3", "db-2"])
            #expect(paged.hosts.allSatisfy { $0.state == "online" })
            // Keyset pages: follow nextCursor to the end, the same hosts in the same order.
            var walked: [String] = []
            var uri = "/api/v1/hosts?sort=hostname&order=desc&limit=2"
            for _ in 0..<5 {
                let page = try await client.execute(uri: uri, method: .get, headers: harness.bearer(.viewer))
                    .json(HostPage.self)
                #expect(page.total == 5)
                walked += page.hosts.map(\.hostname)
                guard let next = page.nextCursor else { break }
                uri = "/api/v1/hosts?sort=hostname&order=desc&limit=2&cursor=\(next)"
            }
            #expect(walked == ["db-4", "db-3", "db-2", "db-1", "db-0"])
            let first = try await client.execute(
                uri: "/api/v1/hosts?limit=2",
                method: .get,
                headers: harness.bearer(.viewer)
            ).json(HostPage.self)
            let cursor = try #require(first.nextCursor)
            for (query, complaint) in [
                ("cursor=\(cursor)&sort=last_seen", "sort=hostname&order=asc"),
                ("cursor=\(cursor)&offset=2", "exclude each other"),
                ("cursor=bm90LWEtY3Vyc29y", "not a host-list cursor"),
            ] {
                let refused = try await client.execute(
                    uri: "/api/v1/hosts?\(query)",
                    method: .get,
                    headers: harness.bearer(.viewer)
                )
                #expect(refused.status == .badRequest, "\(query)")
                #expect(refused.text.contains(complaint), "\(refused.text)")
            }
            harness.clock.advance(Double(harness.configuration.checkInIntervalSeconds * 4))
            let stale = try await client.execute(
                uri: "/api/v1/hosts?state=stale",
                method: .get,
                headers: harness.bearer(.viewer)
            )
            .json(HostPage.self)
            #expect(stale.total == 5)
            let bad = try await client.execute(
                uri: "/api/v1/hosts?sort=color",
                method: .get,
                headers: harness.bearer(.viewer)
            )
            #expect(bad.status == .badRequest)
            #expect(bad.text.contains("'sort'"))
            let badLimit = try await client.execute(
                uri: "/api/v1/hosts?limit=0",
                method: .get,
                headers: harness.bearer(.viewer)
            )
            #expect(badLimit.status == .badRequest)
            let missing = try await client.execute(
                uri: "/api/v1/hosts/hst_missing",
                method: .get,
                headers: harness.bearer(.viewer)
            )
            #expect(missing.status == .notFound)
            #expect(missing.headers[.contentType] == "application/problem+json")
        }
    }

    @Test func eventsAndInventoryHistoryPageWithTheirTotals() async throws {
        let harness = try await Harness.make()
        let token = try await harness.enrollmentToken(uses: 10)
        try await harness.application().test(.router) { client in
            var agent = TestAgent(hostname: "hist-1")
            try await client.enroll(&agent, token: token)
            for round in 0..<3 {
                agent.packages = (0..<(round + 2)).map {
                    InstalledPackage(name: "p\($0)", architecture: "amd64", version: "1.\(round)", manager: .dpkg)
                }
                let upload = try await client.signedPost(
                    "/api/v1/agent/inventory",
                    InventoryUpload.full(agent.packages),
                    agent: agent,
                    clock: harness.clock
                )
                #expect(upload.status == .ok || upload.status == .accepted, "\(upload.text)")
            }
            let get = { (uri: String, role: Role) in
                try await client.execute(uri: uri, method: .get, headers: harness.bearer(role))
            }
            // Events: keyset pages back in time cover exactly what one big page shows.
            let all = try await get("/api/v1/events?limit=1000", .auditor).json(EventList.self)
            #expect(all.total == all.events.count && all.total > 5)
            var walked: [Int64] = []
            var uri = "/api/v1/events?limit=3"
            for _ in 0..<100 {
                let page = try await get(uri, .auditor).json(EventList.self)
                #expect(page.total == all.total)
                walked += page.events.map(\.id)
                guard let before = page.nextBefore else { break }
                uri = "/api/v1/events?limit=3&before=\(before)"
            }
            #expect(walked == all.events.map(\.id))
            let skipped = try await get("/api/v1/events?limit=2&offset=1", .auditor).json(EventList.self)
            #expect(skipped.events.map(\.id) == Array(all.events.map(\.id)[1...2]))
            for bad in ["before=3&offset=1", "before=0", "before=99999999999999999999", "before=x"] {
                #expect(try await get("/api/v1/events?\(bad)", .auditor).status == .badRequest, "\(bad)")
            }
            // Inventory history: the host's total with every page.
            let history = try await get("/api/v1/hosts/\(agent.hostID)/inventory-history?limit=2", .viewer)
                .json(InventoryHistory.self)
            let everything = try await get("/api/v1/hosts/\(agent.hostID)/inventory-history?limit=5000", .viewer)
                .json(InventoryHistory.self)
            #expect(history.changes.count == 2)
            #expect(history.total == everything.changes.count)
            #expect(everything.total == everything.changes.count && everything.total >= 4)
        }
    }

    @Test func enrollmentTokenCreationAndValidation() async throws {
        let harness = try await Harness.make()
        try await harness.application().test(.router) { client in
            let created = try await client.execute(
                uri: "/api/v1/enrollment-tokens",
                method: .post,
                headers: harness.bearer(.operator),
                body: ByteBuffer(string: #"{"uses":3,"expiresInSeconds":600}"#)
            )
            #expect(created.status == .created)
            #expect(created.text.contains("ppe_"))
            let invalid = try await client.execute(
                uri: "/api/v1/enrollment-tokens",
                method: .post,
                headers: harness.bearer(.operator),
                body: ByteBuffer(string: #"{"uses":0}"#)
            )
            #expect(invalid.status == .badRequest)
            #expect(invalid.text.contains("uses"))
        }
    }

    @Test func metricsExposeRequestCountsAndHostGauges() async throws {
        let harness = try await Harness.make()
        let token = try await harness.enrollmentToken()
        try await harness.application().test(.router) { client in
            var agent = TestAgent()
            agent.facts.rebootRequired = true
            try await client.enroll(&agent, token: token)
            _ = try await client.execute(uri: "/api/v1/hosts", method: .get, headers: harness.bearer(.viewer))
            let metrics = try await client.execute(uri: "/metrics", method: .get, headers: harness.bearer(.viewer))
            #expect(metrics.status == .ok)
            #expect(metrics.text.contains("patchpilot_hosts_total 1"))
            #expect(metrics.text.contains(#"patchpilot_hosts{state="reboot_pending"} 1"#))
            #expect(
                metrics.text.contains(
                    #"patchpilot_http_requests_total{method="GET",route="/api/v1/hosts",status="200"} 1"#
                )
            )
            #expect(metrics.text.contains("patchpilot_http_request_duration_seconds_bucket"))
            let anonymous = try await client.execute(uri: "/metrics", method: .get)
            #expect(anonymous.status == .unauthorized)
        }
    }

    @Test func stateChangesAreRecordedAsEvents() async throws {
        let harness = try await Harness.make()
        let token = try await harness.enrollmentToken()
        try await harness.application().test(.router) { client in
            var agent = TestAgent()
            try await client.enroll(&agent, token: token)
            _ = try await client.signedPost(
                "/api/v1/agent/inventory",
                InventoryUpload.full(agent.packages),
                agent: agent,
                clock: harness.clock
            )
            _ = try await client.execute(
                uri: "/api/v1/agents/\(agent.agentID)/revoke",
                method: .post,
                headers: harness.bearer(.admin)
            )
        }
        let actions = try await harness.storage.events(limit: 100).map(\.action)
        for expected in [
            "user.created", "api_token.created", "enrollment_token.created", "agent.enrolled", "inventory.updated",
            "agent.revoked",
        ] {
            #expect(actions.contains(expected), "missing event \(expected)")
        }
    }
}
