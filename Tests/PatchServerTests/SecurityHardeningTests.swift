import AgentProtocol
import ChangeControl
import Crypto
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

/// The classes of the security probe, re-run as tests through the real router and a real SQLite
/// store: inputs that used to trap, object scopes, token subsets, agents speaking for other hosts,
/// enrollment takeover, pre-authentication buffering, the break-glass ceiling.
@Suite struct SecurityHardeningTests {
    static let heartbeatPath = "/api/v1/agent/heartbeat"

    static func heartbeat(_ agent: TestAgent) -> HeartbeatRequest {
        HeartbeatRequest(facts: agent.facts, inventoryFingerprint: "none")
    }

    // MARK: 1. No input crashes the process

    /// Each of these trapped the server before: now a 4xx problem document and the process lives on.
    @Test(arguments: [
        ("POST", "/api/v1/tokens", #"{"name":"x","expiresInSeconds":9223372036854775807}"#, 400),
        ("POST", "/api/v1/tokens", #"{"name":"x","expiresInSeconds":-9223372036854775808}"#, 400),
        ("POST", "/api/v1/elevations", #"{"role":"admin","durationMinutes":9223372036854775807,"reason":"x"}"#, 400),
        ("POST", "/api/v1/elevations", #"{"role":"admin","durationMinutes":-9223372036854775807,"reason":"x"}"#, 400),
        ("POST", "/api/v1/enrollment-tokens", #"{"uses":1,"expiresInSeconds":9223372036854775807}"#, 400),
        ("GET", "/api/v1/hosts?offset=9223372036854775807", "", 400),
        ("GET", "/api/v1/hosts?limit=99999999999999999999999", "", 400),
        ("GET", "/api/v1/findings?offset=9223372036854775807", "", 400),
        ("GET", "/api/v1/changes?offset=9223372036854775807", "", 400),
        ("GET", "/hosts?offset=9223372036854775807", "", 400),
        ("GET", "/findings?offset=9223372036854775807", "", 400),
        ("GET", "/changes?offset=9223372036854775807", "", 400),
    ])
    func numbersFromOutsideAreRangeChecked(method: String, path: String, body: String, status: Int) async throws {
        let harness = try await Harness.make()
        try await harness.application().test(.router) { client in
            var headers = harness.bearer(.admin)
            headers[.contentType] = "application/json"
            let response = try await client.execute(
                uri: path,
                method: HTTPRequest.Method(method)!,
                headers: headers,
                body: body.isEmpty ? nil : ByteBuffer(string: body)
            )
            #expect(response.status.code == status, "\(response.text)")
            if !path.hasPrefix("/api/") { return }
            #expect(response.headers[.contentType] == "application/problem+json")
            #expect(response.text.contains("\"detail\""))
        }
    }

    @Test(arguments: ["-9223372036854775808", "9223372036854775807", "99999999999999999999999", "12a"])
    func absurdSignatureTimestampsAreRefusedBeforeAnything(timestamp: String) async throws {
        let harness = try await Harness.make()
        let token = try await harness.enrollmentToken()
        try await harness.application().test(.router) { client in
            var agent = TestAgent()
            try await client.enroll(&agent, token: token)
            let bytes = Array(try JSONEncoder().encode(Self.heartbeat(agent)))
            var headers = try agent.signedHeaders(path: Self.heartbeatPath, body: bytes, time: harness.clock.now())
            headers[HTTPField.Name(SignatureHeader.timestamp)!] = timestamp
            let response = try await client.execute(
                uri: Self.heartbeatPath,
                method: .post,
                headers: headers,
                body: ByteBuffer(bytes: bytes)
            )
            #expect(response.status == .unauthorized)
            // The same request without credentials at all: also 401, never a trap.
            let anonymous = try await client.execute(
                uri: Self.heartbeatPath,
                method: .post,
                headers: [HTTPField.Name(SignatureHeader.timestamp)!: timestamp],
                body: ByteBuffer(bytes: bytes)
            )
            #expect(anonymous.status == .unauthorized)
        }
    }

    @Test func absurdHostFactsAreRefusedAndNeverReachTheDashboard() async throws {
        let harness = try await Harness.make()
        let token = try await harness.enrollmentToken()
        try await harness.application().test(.router) { client in
            var agent = TestAgent()
            try await client.enroll(&agent, token: token)
            for uptime in [1e300, -1, Double.greatestFiniteMagnitude] {
                agent.facts.uptimeSeconds = uptime
                let response = try await client.signedPost(
                    Self.heartbeatPath,
                    Self.heartbeat(agent),
                    agent: agent,
                    clock: harness.clock
                )
                #expect(response.status == .badRequest)
                #expect(response.text.contains("facts.uptimeSeconds"))
            }
            let page = try await client.execute(
                uri: "/hosts/\(agent.hostID)",
                method: .get,
                headers: harness.bearer(.viewer)
            )
            #expect(page.status == .ok)
        }
    }

    // MARK: 9. Methods and path parameters

    @Test func headIsAnsweredLikeGetAndTraceIsRefused() async throws {
        let harness = try await Harness.make()
        try await harness.application().test(.router) { client in
            let head = try await client.execute(uri: "/api/v1/hosts", method: .head, headers: harness.bearer(.viewer))
            #expect(head.status == .ok)
            #expect(head.body.readableBytes == 0)
            let anonymous = try await client.execute(uri: "/api/v1/hosts", method: .head)
            #expect(anonymous.status == .unauthorized)
            #expect(try await client.execute(uri: "/healthz", method: .head).status == .ok)
            for method in [HTTPRequest.Method.trace, .connect] {
                let refused = try await client.execute(uri: "/api/v1/hosts", method: method)
                #expect(refused.status == .methodNotAllowed)
                #expect(refused.headers[.allow]?.contains("GET") == true)
            }
            // Plain HTTP: no HSTS header (it is only meaningful over HTTPS).
            #expect(head.headers[.strictTransportSecurity] == nil)
        }
    }

    @Test func pathParametersArePercentDecoded() async throws {
        let harness = try await Harness.make()
        try await harness.application().test(.router) { client in
            var headers = harness.bearer(.admin)
            headers[.contentType] = "application/json"
            // `viewer%2Duser` is `viewer-user`.
            let granted = try await client.execute(
                uri: "/api/v1/users/viewer%2Duser/grants",
                method: .post,
                headers: headers,
                body: ByteBuffer(string: #"{"role":"approver","scope":"environment:dev"}"#)
            )
            #expect(granted.status == .created, "\(granted.text)")
            let malformed = try await client.execute(
                uri: "/api/v1/users/viewer%zz/grants",
                method: .post,
                headers: headers,
                body: ByteBuffer(string: #"{"role":"approver"}"#)
            )
            #expect(malformed.status == .badRequest)
        }
    }

    // MARK: 3. Token subsets, list, revoke, lifetime

    @Test func aRestrictedTokenNeverMintsMoreThanItself() async throws {
        let harness = try await Harness.make()
        try await harness.application().test(.router) { client in
            func mint(_ bearer: String, _ body: String) async throws -> TestResponse {
                try await client.execute(
                    uri: "/api/v1/tokens",
                    method: .post,
                    headers: [.authorization: "Bearer \(bearer)", .contentType: "application/json"],
                    body: ByteBuffer(string: body)
                )
            }
            let narrow = try await mint(
                harness.tokens[.admin]!,
                #"{"name":"narrow","permissions":["fleet.read","tokens.own"]}"#
            ).json(IssuedSecret.self)
            // Without `permissions`: exactly the caller's subset, not the owner's all.
            let child = try await mint(narrow.token, #"{"name":"child"}"#)
            #expect(child.status == .created)
            let me = try await client.execute(
                uri: "/api/v1/me",
                method: .get,
                headers: [.authorization: "Bearer \(try child.json(IssuedSecret.self).token)"]
            ).json(MeView.self)
            #expect(me.permissions == ["fleet.read", "tokens.own"])
            // Naming more: refused, naming the field.
            let more = try await mint(narrow.token, #"{"name":"more","permissions":["users.manage"]}"#)
            #expect(more.status == .badRequest)
            #expect(more.text.contains("permissions[0]"))
            // A default lifetime (90 days) and a maximum (366 days).
            let expiry = try #require(narrow.expiresAt)
            #expect(abs(expiry.timeIntervalSince(harness.clock.now()) - 90 * 86400) < 2)
            let tooLong = try await mint(harness.tokens[.admin]!, #"{"name":"x","expiresInSeconds":40000000}"#)
            #expect(tooLong.status == .badRequest)
        }
    }

    @Test func tokensAreListedAndRevokedByTheirOwnerOrAUserAdministrator() async throws {
        let harness = try await Harness.make()
        try await harness.application().test(.router) { client in
            let listing = try await client.execute(
                uri: "/api/v1/tokens",
                method: .get,
                headers: harness.bearer(.viewer)
            )
            #expect(!listing.text.lowercased().contains("secret"))
            let own = try listing.json(TokenList.self)
            #expect(own.tokens.map(\.user) == ["viewer-user"])
            #expect(
                try await client.execute(uri: "/api/v1/tokens?all=true", method: .get, headers: harness.bearer(.viewer))
                    .status == .forbidden
            )
            let all = try await client.execute(
                uri: "/api/v1/tokens?all=true",
                method: .get,
                headers: harness.bearer(.admin)
            )
            .json(TokenList.self)
            #expect(all.tokens.count == Role.builtIn.count)
            let viewerToken = own.tokens[0].id
            // Someone else's token: only a user administrator may revoke it.
            #expect(
                try await client.execute(
                    uri: "/api/v1/tokens/\(viewerToken)/revoke",
                    method: .post,
                    headers: harness.bearer(.operator)
                ).status == .forbidden
            )
            #expect(
                try await client.execute(
                    uri: "/api/v1/tokens/\(viewerToken)/revoke",
                    method: .post,
                    headers: harness.bearer(.viewer)
                ).status == .noContent
            )
            #expect(
                try await client.execute(uri: "/api/v1/me", method: .get, headers: harness.bearer(.viewer)).status
                    == .unauthorized
            )
        }
        let events = try await harness.storage.events(limit: 200, offset: 0).map(\.action)
        #expect(events.contains("api_token.revoked"))
    }

    // MARK: 4. Agents speak only for their own host

    @Test(arguments: [PlanOutcome.completed, .refused, .rolledBack, .rollbackFailed, .rebootLoop, .inProgress])
    func forgedReportsOnAnotherHostsPlanAreRefused(outcome: PlanOutcome) async throws {
        let harness = try await Harness.make()
        let token = try await harness.enrollmentToken()
        try await harness.application().test(.router) { client in
            var victim = TestAgent(hostname: "victim")
            var attacker = TestAgent(hostname: "attacker")
            try await client.enroll(&victim, token: token)
            try await client.enroll(&attacker, token: token)
            let queued = try await client.execute(
                uri: "/api/v1/hosts/\(victim.hostID)/plans",
                method: .post,
                headers: harness.bearer(.admin),
                body: ByteBuffer(
                    string: #"{"packages":[{"name":"openssl","version":"3.0.16-1~deb12u1","action":"upgrade"}]}"#
                )
            )
            #expect(queued.status == .created, "\(queued.text)")
            let planID = try queued.json(UpdatePlan.self).id
            let forged = PlanReport(
                planID: planID,
                sequence: 1,
                outcome: outcome,
                steps: [
                    StepResult(
                        step: "recordInstalled",
                        startedAt: 1,
                        endedAt: 2,
                        outcome: .succeeded,
                        versionsBefore: ["openssl": "1.0.0-attacker"]
                    )
                ]
            )
            let refused = try await client.signedPost(
                "/api/v1/agent/reports",
                forged,
                agent: attacker,
                clock: harness.clock
            )
            #expect(refused.status == .forbidden)
            // The victim still gets its plan; nothing was recorded for it.
            struct Pending: Decodable { var plan: SignedPlan? }
            let pending = try await client.signedPost(
                "/api/v1/agent/plan",
                [String: String](),
                agent: victim,
                clock: harness.clock
            ).json(Pending.self)
            #expect(
                pending.plan.flatMap { Base64.decode($0.payload) }.map { String(decoding: $0, as: UTF8.self) }?
                    .contains(planID) == true
            )
            #expect(try await harness.storage.planReports(planIDs: [planID]).isEmpty)
            // The attacker has no plan of the victim's either.
            let attackerPending = try await client.signedPost(
                "/api/v1/agent/plan",
                [String: String](),
                agent: attacker,
                clock: harness.clock
            ).json(Pending.self)
            #expect(attackerPending.plan == nil)
        }
        let refusedEvents = try await harness.storage.events(limit: 200, offset: 0).filter {
            $0.action == "plan.report_refused"
        }
        #expect(refusedEvents.count == 1)
    }

    // MARK: 6. Bounded resources before authentication

    @Test func theSignatureIsCheckedBeforeTheBodyIsRead() async throws {
        let harness = try await Harness.make { $0.maxAgentBodyBytes = 1024 }
        let token = try await harness.enrollmentToken()
        try await harness.application().test(.router) { client in
            var agent = TestAgent()
            try await client.enroll(&agent, token: token)
            let big = [UInt8](repeating: 0x20, count: 64 * 1024)
            // Signed by another key: refused as unauthenticated, not as too large (the body is never read).
            let headers = try agent.signedHeaders(
                path: "/api/v1/agent/inventory",
                body: big,
                time: harness.clock.now(),
                signingKey: .init()
            )
            let forged = try await client.execute(
                uri: "/api/v1/agent/inventory",
                method: .post,
                headers: headers,
                body: ByteBuffer(bytes: big)
            )
            #expect(forged.status == .unauthorized)
            // Correctly signed but over the limit: 413 only then.
            let signed = try agent.signedHeaders(path: "/api/v1/agent/inventory", body: big, time: harness.clock.now())
            let tooLarge = try await client.execute(
                uri: "/api/v1/agent/inventory",
                method: .post,
                headers: signed,
                body: ByteBuffer(bytes: big)
            )
            #expect(tooLarge.status == .contentTooLarge)
            // A body that differs from the signed digest: 401.
            var swapped = try agent.signedHeaders(
                path: Self.heartbeatPath,
                body: Array("{}".utf8),
                time: harness.clock.now()
            )
            swapped[.contentType] = "application/json"
            let mismatch = try await client.execute(
                uri: Self.heartbeatPath,
                method: .post,
                headers: swapped,
                body: ByteBuffer(bytes: try JSONEncoder().encode(Self.heartbeat(agent)))
            )
            #expect(mismatch.status == .unauthorized)
            #expect(mismatch.text.contains("signed digest"))
        }
    }

    @Test func agentsAreRateLimited() async throws {
        let harness = try await Harness.make {
            $0.agentRequestsPerMinute = 6
            $0.agentRequestBurst = 3
        }
        let token = try await harness.enrollmentToken()
        try await harness.application().test(.router) { client in
            var agent = TestAgent()
            try await client.enroll(&agent, token: token)
            var statuses: [UInt] = []
            for _ in 0..<4 {
                let response = try await client.signedPost(
                    Self.heartbeatPath,
                    Self.heartbeat(agent),
                    agent: agent,
                    clock: harness.clock
                )
                statuses.append(UInt(response.status.code))
                if response.status == .tooManyRequests { #expect(response.headers[.retryAfter] == "10") }
            }
            #expect(statuses == [200, 200, 200, 429])
            harness.clock.advance(10)
            #expect(
                try await client.signedPost(
                    Self.heartbeatPath,
                    Self.heartbeat(agent),
                    agent: agent,
                    clock: harness.clock
                )
                .status == .ok
            )
        }
    }

    @Test func unauthenticatedBodiesShareOneBudget() async throws {
        let harness = try await Harness.make { $0.unauthenticatedBodyBytes = 100 }
        let token = try await harness.enrollmentToken()
        try await harness.application().test(.router) { client in
            let agent = TestAgent()
            let response = try await client.execute(
                uri: "/api/v1/agent/enroll",
                method: .post,
                body: try agent.enrollBody(token: token)
            )
            #expect(response.status == .serviceUnavailable)
            #expect(response.headers[.retryAfter] == "1")
        }
    }
}

extension SecurityHardeningTests {
    // MARK: 5. Enrollment

    @Test func reenrollTokensAreBoundToTheirHost() async throws {
        let harness = try await Harness.make()
        let token = try await harness.enrollmentToken()
        try await harness.application().test(.router) { client in
            var first = TestAgent(machineID: "machine-a")
            var other = TestAgent(machineID: "machine-b")
            try await client.enroll(&first, token: token)
            try await client.enroll(&other, token: token)
            let created = try await client.execute(
                uri: "/api/v1/enrollment-tokens",
                method: .post,
                headers: [.authorization: "Bearer \(harness.tokens[.operator]!)", .contentType: "application/json"],
                body: ByteBuffer(string: #"{"host":"\#(first.hostID)"}"#)
            )
            #expect(created.status == .created)
            let reenroll = try created.json(IssuedSecret.self).token
            // Presented by another machine: refused, and the other machine's agent is untouched.
            let wrong = TestAgent(machineID: "machine-b")
            let refused = try await client.execute(
                uri: "/api/v1/agent/enroll",
                method: .post,
                body: try wrong.enrollBody(token: reenroll)
            )
            #expect(refused.status == .unauthorized)
            #expect(
                try await client.signedPost(
                    Self.heartbeatPath,
                    Self.heartbeat(other),
                    agent: other,
                    clock: harness.clock
                )
                .status == .ok
            )
            let tooMany = try await client.execute(
                uri: "/api/v1/enrollment-tokens",
                method: .post,
                headers: [.authorization: "Bearer \(harness.tokens[.operator]!)", .contentType: "application/json"],
                body: ByteBuffer(string: #"{"host":"\#(first.hostID)","uses":5}"#)
            )
            #expect(tooMany.status == .badRequest)
        }
    }

    // MARK: 7. Break-glass ceiling

    @Test(arguments: [
        ("POST", "/api/v1/users", #"{"username":"mallory","password":"correct horse battery staple","role":"admin"}"#),
        ("POST", "/api/v1/users/viewer-user/grants", #"{"role":"admin"}"#),
        ("PUT", "/api/v1/roles/superuser", #"{"permissions":["users.manage"]}"#),
        ("POST", "/api/v1/tokens", #"{"name":"forever","permissions":["users.manage"]}"#),
        ("POST", "/api/v1/enrollment-tokens", #"{"uses":1}"#),
    ])
    func breakGlassCannotCreateLastingAccess(method: String, path: String, body: String) async throws {
        let harness = try await Harness.make()
        try await harness.application().test(.router) { client in
            var headers = harness.bearer(.approver)
            headers[.contentType] = "application/json"
            let glass = try await client.execute(
                uri: "/api/v1/elevations",
                method: .post,
                headers: headers,
                body: ByteBuffer(string: #"{"role":"admin","durationMinutes":30,"reason":"INC-1","breakGlass":true}"#)
            )
            #expect(glass.status == .created, "\(glass.text)")
            // Admin powers below the ceiling work …
            #expect(try await client.execute(uri: "/api/v1/audit/events", method: .get, headers: headers).status == .ok)
            // … but nothing that outlives the elevation.
            let response = try await client.execute(
                uri: path,
                method: HTTPRequest.Method(method)!,
                headers: headers,
                body: ByteBuffer(string: body)
            )
            #expect(response.status == .forbidden || response.status == .badRequest, "\(response.text)")
            #expect(response.status != .created && response.status != .ok)
        }
        #expect(try await harness.storage.user(named: "mallory") == nil)
    }
}

extension SecurityHardeningTests {
    // MARK: Login throttling is no denial of service

    @Test func failuresFromOneSourceDoNotLockTheUserOutElsewhere() async throws {
        let harness = try await Harness.make()
        let identities = harness.identities
        for _ in 0..<IdentityService.loginThrottleLimit {
            guard
                case .failure = try await identities.login(
                    username: "admin-user",
                    password: "wrong",
                    source: "10.0.0.66"
                )
            else {
                Issue.record("a wrong password was not a failure")
                return
            }
        }
        // The attacker's address is locked out, even with the right password …
        let attacker = try await identities.login(
            username: "admin-user",
            password: "correct horse battery staple",
            source: "10.0.0.66"
        )
        guard case .throttled = attacker else {
            Issue.record("the attacking source was not throttled: \(attacker)")
            return
        }
        // … the real admin, elsewhere, is not.
        let real = try await identities.login(
            username: "admin-user",
            password: "correct horse battery staple",
            source: "192.0.2.10"
        )
        guard case .success = real else {
            Issue.record("the real user was locked out: \(real)")
            return
        }
    }

    @Test func parallelGuessesCannotOutrunTheFailureCount() async throws {
        let harness = try await Harness.make()
        let identities = harness.identities
        let outcomes = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<20 {
                group.addTask {
                    switch try await identities.login(username: "viewer-user", password: "guess", source: "10.0.0.7") {
                    case .success: "success"
                    case .failure: "failure"
                    case .throttled: "throttled"
                    }
                }
            }
            var outcomes: [String] = []
            for try await outcome in group { outcomes.append(outcome) }
            return outcomes
        }
        // At most the limit of passwords were checked; the rest were throttled without a check.
        #expect(outcomes.filter { $0 == "failure" }.count <= IdentityService.loginThrottleLimit)
        #expect(outcomes.filter { $0 == "throttled" }.count >= 20 - IdentityService.loginThrottleLimit)
        #expect(!outcomes.contains("success"))
    }
}

extension SecurityHardeningTests {
    // MARK: 10. Route × credential matrix

    /// Every secured route × every kind of credential the probe tried: what must be 401, what 403,
    /// and what passes the gate (the handler may still answer 400 or 404 for the placeholder ids).
    @Test func everyRouteRefusesEveryBadCredential() async throws {
        let harness = try await Harness.make()
        let identities = harness.identities
        let admin = try #require(try await harness.storage.user(named: "admin-user"))
        let expiring = try await identities.createAPIToken(userID: admin.id, name: "x", expiresIn: 60, actor: "t").text
        let revoked = try await identities.createAPIToken(userID: admin.id, name: "r", expiresIn: nil, actor: "t").text
        let restricted = try await identities.createAPIToken(
            userID: admin.id,
            name: "ro",
            expiresIn: nil,
            permissions: ["fleet.read"],
            actor: "t"
        ).text
        let revokedID = try #require(BearerSecret(parsing: revoked, prefix: "ppt")).id
        _ = try await harness.storage.revokeAPIToken(id: revokedID, actor: "t", now: harness.clock.now())
        harness.clock.advance(120)
        let session = try await identities.startSession(userID: admin.id, lifetime: 3600)
        let csrf = try #require(
            try await harness.storage.session(id: BearerSecret.hash(session), now: harness.clock.now())?.csrfToken
        )
        let wrongSecret = try #require(BearerSecret(parsing: harness.tokens[.admin]!, prefix: "ppt"))
        let forgedSecret = "ppt_\(wrongSecret.id)_\(String(repeating: "0", count: 64))"
        let built = try await buildRouter(
            configuration: harness.configuration,
            dependencies: ServerDependencies(storage: harness.storage, clock: harness.clock, logger: Harness.logger)
        )
        let routes = built.routes.routes
        try await Application(router: built.router).test(.router) { client in
            // The approver breaks glass to admin: admin powers below the ceiling only.
            let glass = try await client.execute(
                uri: "/api/v1/elevations",
                method: .post,
                headers: harness.bearer(.approver),
                body: ByteBuffer(string: #"{"role":"admin","durationMinutes":30,"reason":"INC","breakGlass":true}"#)
            )
            #expect(glass.status == .created)
            for route in routes {
                let uri = route.path.replacingOccurrences(
                    of: #"\{[a-z]+\}"#,
                    with: "nonexistent",
                    options: .regularExpression
                )
                let method = HTTPRequest.Method(route.method)!
                let label = "\(route.method) \(route.path)"
                func send(_ headers: HTTPFields) async throws -> TestResponse {
                    var headers = headers
                    headers[.contentType] = "application/json"
                    return try await client.execute(
                        uri: uri,
                        method: method,
                        headers: headers,
                        body: ByteBuffer(string: "{}")
                    )
                }
                for bad in [
                    "Bearer nonsense", "Bearer ppt_unknown_secret", "Bearer \(expiring)", "Bearer \(revoked)",
                    "Bearer \(forgedSecret)", "Basic YWRtaW46YWRtaW4=", "bearer \(harness.tokens[.admin]!)",
                ] {
                    #expect(
                        try await send([.authorization: bad]).status == .unauthorized,
                        "\(label) with \(bad.prefix(12))…"
                    )
                }
                // Agent signature headers are no credential for people's routes.
                let agentHeaders: HTTPFields = [
                    HTTPField.Name(SignatureHeader.agent)!: "agt_x", HTTPField.Name(SignatureHeader.timestamp)!: "1",
                    HTTPField.Name(SignatureHeader.nonce)!: "0123456789abcdef0123",
                    HTTPField.Name(SignatureHeader.signature)!: "AAAA",
                ]
                #expect(try await send(agentHeaders).status == .unauthorized, "\(label) with agent headers")
                // A restricted token: only its own permission.
                let narrow = try await send([.authorization: "Bearer \(restricted)"]).status
                if route.permission == .fleetRead {
                    #expect(narrow != .unauthorized && narrow != .forbidden, "\(label) with a fleet.read token")
                } else {
                    #expect(narrow == .forbidden, "\(label) with a fleet.read token got \(narrow)")
                }
                // A session cookie: state changes need the CSRF header.
                let cookie = try await send([.cookie: "pp_session=\(session)"]).status
                let withCSRF = try await send([.cookie: "pp_session=\(session)", .csrfToken: csrf]).status
                if method == .get {
                    #expect(cookie != .unauthorized && cookie != .forbidden, "\(label) with a session")
                } else {
                    #expect(cookie == .forbidden, "\(label) with a session and no CSRF token got \(cookie)")
                    #expect(withCSRF != .unauthorized && withCSRF != .forbidden, "\(label) with session + CSRF")
                }
                // Break-glass admin: everything but the ceiling.
                let elevated = try await send(harness.bearer(.approver)).status
                // (Even the approver's own tokens.own is held back while the elevation lasts.)
                if route.permission.isAboveBreakGlassCeiling {
                    #expect(elevated == .forbidden, "\(label) under break-glass got \(elevated)")
                } else {
                    #expect(elevated != .unauthorized && elevated != .forbidden, "\(label) under break-glass")
                }
            }
        }
    }
}

extension SecurityHardeningTests {
    // MARK: Review findings

    @Test func cookieWritesNeedTheCSRFTokenWhateverThePathSpelling() async throws {
        let harness = try await Harness.make()
        let admin = try #require(try await harness.storage.user(named: "admin-user"))
        let session = try await harness.identities.startSession(userID: admin.id, lifetime: 3600)
        try await harness.application().test(.router) { client in
            for path in [
                "/api/v1/users/viewer-user/grants", "//api/v1/users/viewer-user/grants",
                "/api//v1/users/viewer-user/grants",
            ] {
                let response = try await client.execute(
                    uri: path,
                    method: .post,
                    headers: [.cookie: "pp_session=\(session)", .contentType: "text/plain"],
                    body: ByteBuffer(string: #"{"role":"admin"}"#)
                )
                #expect(response.status == .forbidden || response.status == .notFound, "\(path): \(response.status)")
            }
        }
        #expect(
            try await harness.storage.grants(
                userID: try #require(try await harness.storage.user(named: "viewer-user")).id
            ).isEmpty
        )
    }

    @Test func nobodyHandsOutMoreThanTheyHold() async throws {
        let harness = try await Harness.make()
        let identities = harness.identities
        try await harness.storage.saveCustomRole(
            try Role.validateCustom(name: "role-admin", permissions: ["roles.manage", "users.manage", "fleet.read"]),
            actor: "test",
            now: harness.clock.now()
        )
        let user = try await identities.createUser(
            username: "rhea",
            password: "correct horse battery staple",
            role: "role-admin",
            actor: "test"
        )
        let token = try await identities.createAPIToken(userID: user.id, name: "t", expiresIn: nil, actor: "test").text
        let headers: HTTPFields = [.authorization: "Bearer \(token)", .contentType: "application/json"]
        try await harness.application().test(.router) { client in
            // Widening one's own role, defining a role or granting a role with more than one holds: 403.
            for (method, path, body) in [
                (
                    HTTPRequest.Method.put, "/api/v1/roles/role-admin",
                    #"{"permissions":["roles.manage","plans.manage"]}"#
                ),
                (.put, "/api/v1/roles/superuser", #"{"permissions":["plans.manage"]}"#),
                (.post, "/api/v1/users/rhea/grants", #"{"role":"admin"}"#),
            ] {
                let response = try await client.execute(
                    uri: path,
                    method: method,
                    headers: headers,
                    body: ByteBuffer(string: body)
                )
                #expect(response.status == .forbidden, "\(method) \(path): \(response.text)")
            }
            // Within what one holds: allowed.
            let fine = try await client.execute(
                uri: "/api/v1/roles/reader",
                method: .put,
                headers: headers,
                body: ByteBuffer(string: #"{"permissions":["fleet.read"]}"#)
            )
            #expect(fine.status == .ok, "\(fine.text)")
        }
    }

    @Test func aMintedTokenNeverOutlivesItsParent() async throws {
        let harness = try await Harness.make()
        let admin = try #require(try await harness.storage.user(named: "admin-user"))
        let parent = try await harness.identities.createAPIToken(
            userID: admin.id,
            name: "short",
            expiresIn: 3600,
            actor: "test"
        )
        try await harness.application().test(.router) { client in
            let child = try await client.execute(
                uri: "/api/v1/tokens",
                method: .post,
                headers: [.authorization: "Bearer \(parent.text)", .contentType: "application/json"],
                body: ByteBuffer(string: #"{"name":"long","expiresInSeconds":31000000}"#)
            )
            #expect(child.status == .created)
            let expiry = try #require(try child.json(IssuedSecret.self).expiresAt)
            #expect(expiry <= (parent.expiresAt ?? .distantFuture).addingTimeInterval(1))
        }
    }

    @Test func passwordChecksPerSourceAreRateLimited() async throws {
        let harness = try await Harness.make()
        var throttled = 0
        for attempt in 0..<40 {
            // A different name each time: rotating names does not get around the source's limit.
            if case .throttled = try await harness.identities.login(
                username: "nobody-\(attempt)",
                password: "x",
                source: "198.51.100.9"
            ) {
                throttled += 1
            }
        }
        #expect(throttled >= 10)
    }
}
