import AgentProtocol
import ChangeControl
import Crypto
import FleetModel
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import PatchServer
import PatchStore
import Testing

@Suite struct AgentAuthenticationTests {
    let heartbeatPath = "/api/v1/agent/heartbeat"

    func heartbeat(_ agent: TestAgent) -> HeartbeatRequest {
        HeartbeatRequest(facts: agent.facts, inventoryFingerprint: InventoryFingerprint.of(agent.packages))
    }

    @Test func enrollmentIssuesIdsAndSignedHeartbeatSucceeds() async throws {
        let harness = try await Harness.make()
        let token = try await harness.enrollmentToken()
        try await harness.application().test(.router) { client in
            var agent = TestAgent()
            try await client.enroll(&agent, token: token)
            #expect(agent.agentID.hasPrefix("agt_"))
            let response = try await client.signedPost(
                heartbeatPath,
                heartbeat(agent),
                agent: agent,
                clock: harness.clock
            )
            #expect(response.status == .ok)
            let answer = try response.json(HeartbeatResponse.self)
            #expect(answer.inventoryWanted)
            #expect(answer.storedFingerprint == nil)
        }
    }

    @Test func enrollmentTokenOverItsUsesIsRefused() async throws {
        let harness = try await Harness.make()
        let token = try await harness.enrollmentToken(uses: 2)
        try await harness.application().test(.router) { client in
            var first = TestAgent()
            var second = TestAgent()
            try await client.enroll(&first, token: token)
            try await client.enroll(&second, token: token)
            let third = TestAgent()
            let response = try await client.execute(
                uri: "/api/v1/agent/enroll",
                method: .post,
                body: try third.enrollBody(token: token)
            )
            #expect(response.status == .unauthorized)
            #expect(response.headers[.contentType] == "application/problem+json")
        }
        #expect(try await harness.storage.hosts(HostQuery()).total == 2)
    }

    @Test func expiredEnrollmentTokenIsRefused() async throws {
        let harness = try await Harness.make()
        let token = try await harness.enrollmentToken(expiresIn: 60)
        harness.clock.advance(61)
        try await harness.application().test(.router) { client in
            let agent = TestAgent()
            let response = try await client.execute(
                uri: "/api/v1/agent/enroll",
                method: .post,
                body: try agent.enrollBody(token: token)
            )
            #expect(response.status == .unauthorized)
        }
        #expect(try await harness.storage.hosts(HostQuery()).total == 0)
    }

    @Test(arguments: ["ppe_nope_nope", "garbage", "ppt_abc_def"])
    func unknownOrMalformedEnrollmentTokenIsRefused(token: String) async throws {
        let harness = try await Harness.make()
        try await harness.application().test(.router) { client in
            let agent = TestAgent()
            let response = try await client.execute(
                uri: "/api/v1/agent/enroll",
                method: .post,
                body: try agent.enrollBody(token: token)
            )
            #expect(response.status == .unauthorized)
        }
    }

    @Test func forgedSignatureIsRefused() async throws {
        let harness = try await Harness.make()
        let token = try await harness.enrollmentToken()
        try await harness.application().test(.router) { client in
            var agent = TestAgent()
            try await client.enroll(&agent, token: token)
            let body = Array(try JSONEncoder().encode(heartbeat(agent)))
            let forged = try agent.signedHeaders(
                path: heartbeatPath,
                body: body,
                time: harness.clock.now(),
                signingKey: Curve25519.Signing.PrivateKey()
            )
            let response = try await client.execute(
                uri: heartbeatPath,
                method: .post,
                headers: forged,
                body: ByteBuffer(bytes: body)
            )
            #expect(response.status == .unauthorized)
            #expect(response.text.contains("bad request signature"))
        }
    }

    @Test func tamperedBodyIsRefused() async throws {
        let harness = try await Harness.make()
        let token = try await harness.enrollmentToken()
        try await harness.application().test(.router) { client in
            var agent = TestAgent()
            try await client.enroll(&agent, token: token)
            let body = Array(try JSONEncoder().encode(heartbeat(agent)))
            let headers = try agent.signedHeaders(path: heartbeatPath, body: body, time: harness.clock.now())
            var other = agent
            other.facts.hostname = "evil"
            let tampered = Array(try JSONEncoder().encode(heartbeat(other)))
            let response = try await client.execute(
                uri: heartbeatPath,
                method: .post,
                headers: headers,
                body: ByteBuffer(bytes: tampered)
            )
            #expect(response.status == .unauthorized)
        }
    }

    @Test(arguments: [-301.0, 301.0, 3600.0])
    func staleOrFutureTimestampIsRefused(offset: TimeInterval) async throws {
        let harness = try await Harness.make()
        let token = try await harness.enrollmentToken()
        try await harness.application().test(.router) { client in
            var agent = TestAgent()
            try await client.enroll(&agent, token: token)
            let body = Array(try JSONEncoder().encode(heartbeat(agent)))
            let headers = try agent.signedHeaders(
                path: heartbeatPath,
                body: body,
                time: harness.clock.now().addingTimeInterval(offset)
            )
            let response = try await client.execute(
                uri: heartbeatPath,
                method: .post,
                headers: headers,
                body: ByteBuffer(bytes: body)
            )
            #expect(response.status == .unauthorized)
            #expect(response.text.contains("away from server time"))
        }
    }

    @Test func replayedRequestIsRefused() async throws {
        let harness = try await Harness.make()
        let token = try await harness.enrollmentToken()
        try await harness.application().test(.router) { client in
            var agent = TestAgent()
            try await client.enroll(&agent, token: token)
            let body = Array(try JSONEncoder().encode(heartbeat(agent)))
            let headers = try agent.signedHeaders(path: heartbeatPath, body: body, time: harness.clock.now())
            let first = try await client.execute(
                uri: heartbeatPath,
                method: .post,
                headers: headers,
                body: ByteBuffer(bytes: body)
            )
            #expect(first.status == .ok)
            let replay = try await client.execute(
                uri: heartbeatPath,
                method: .post,
                headers: headers,
                body: ByteBuffer(bytes: body)
            )
            #expect(replay.status == .unauthorized)
            #expect(replay.text.contains("replayed"))
        }
    }

    @Test func revokedAgentIsRefusedImmediately() async throws {
        let harness = try await Harness.make()
        let token = try await harness.enrollmentToken()
        try await harness.application().test(.router) { client in
            var agent = TestAgent()
            try await client.enroll(&agent, token: token)
            #expect(
                try await client.signedPost(heartbeatPath, heartbeat(agent), agent: agent, clock: harness.clock).status
                    == .ok
            )
            let revoke = try await client.execute(
                uri: "/api/v1/agents/\(agent.agentID)/revoke",
                method: .post,
                headers: harness.bearer(.admin)
            )
            #expect(revoke.status == .ok)
            let after = try await client.signedPost(heartbeatPath, heartbeat(agent), agent: agent, clock: harness.clock)
            #expect(after.status == .unauthorized)
            #expect(after.text.contains("revoked"))
        }
    }

    /// The server verifies signatures with cached agent keys; a revocation it did not make itself
    /// (another replica, a script on the store) is caught by the write that accepts the request.
    @Test func revocationOutsideThisServerIsRefusedByTheAcceptingWrite() async throws {
        let harness = try await Harness.make()
        let token = try await harness.enrollmentToken()
        try await harness.application().test(.router) { client in
            var agent = TestAgent()
            try await client.enroll(&agent, token: token)
            #expect(
                try await client.signedPost(heartbeatPath, heartbeat(agent), agent: agent, clock: harness.clock).status
                    == .ok
            )
            let seen = try #require(try await harness.storage.host(id: agent.hostID)?.lastSeen)
            harness.clock.advance(60)
            #expect(
                try await harness.storage.revokeAgent(id: agent.agentID, actor: "user:other", now: harness.clock.now())
            )
            let beat = try await client.signedPost(heartbeatPath, heartbeat(agent), agent: agent, clock: harness.clock)
            #expect(beat.status == .unauthorized)
            #expect(beat.text.contains("revoked"))
            #expect(try await harness.storage.host(id: agent.hostID)?.lastSeen == seen)
            // The other signed routes go through the same write (the nonce), cached key or not.
            let plan = try await client.signedPost(
                "/api/v1/agent/plan",
                [String: String](),
                agent: agent,
                clock: harness.clock
            )
            #expect(plan.status == .unauthorized)
            #expect(plan.text.contains("revoked"))
        }
    }

    @Test func unsignedAgentRequestIsRefused() async throws {
        let harness = try await Harness.make()
        try await harness.application().test(.router) { client in
            let agent = TestAgent()
            let body = try JSONEncoder().encode(heartbeat(agent))
            let response = try await client.execute(uri: heartbeatPath, method: .post, body: ByteBuffer(bytes: body))
            #expect(response.status == .unauthorized)
        }
    }

    @Test func reenrollingTheSameMachineKeepsTheHostAndRevokesTheOldAgent() async throws {
        let harness = try await Harness.make()
        let token = try await harness.enrollmentToken()
        try await harness.application().test(.router) { client in
            var first = TestAgent(machineID: "machine-1")
            try await client.enroll(&first, token: token)
            // An ordinary enrollment token does not take an existing machine over: a duplicate host.
            var stranger = TestAgent(machineID: "machine-1")
            try await client.enroll(&stranger, token: token)
            #expect(stranger.hostID != first.hostID)
            #expect(
                try await client.signedPost(heartbeatPath, heartbeat(first), agent: first, clock: harness.clock).status
                    == .ok
            )
            let flagged = try await client.execute(
                uri: "/api/v1/hosts/\(stranger.hostID)",
                method: .get,
                headers: harness.bearer(.viewer)
            )
            #expect(flagged.text.contains("\"duplicateOf\":\"\(first.hostID)\""))
            let page = try await client.execute(
                uri: "/hosts/\(stranger.hostID)",
                method: .get,
                headers: harness.bearer(.viewer)
            )
            #expect(page.text.contains("enroll-token create --host \(first.hostID)"))
            // A re-enroll token for the host does.
            let reenroll = try await harness.enrollmentToken(uses: 1, host: first.hostID)
            var second = TestAgent(machineID: "machine-1")
            try await client.enroll(&second, token: reenroll)
            #expect(first.hostID == second.hostID)
            #expect(
                try await client.signedPost(heartbeatPath, heartbeat(first), agent: first, clock: harness.clock).status
                    == .unauthorized
            )
            #expect(
                try await client.signedPost(heartbeatPath, heartbeat(second), agent: second, clock: harness.clock)
                    .status == .ok
            )
        }
    }

    @Test func hostsWithoutMachineIDEnrollAsSeparateHosts() async throws {
        let harness = try await Harness.make()
        let token = try await harness.enrollmentToken()
        try await harness.application().test(.router) { client in
            var first = TestAgent(machineID: "")
            var second = TestAgent(machineID: "")
            try await client.enroll(&first, token: token)
            try await client.enroll(&second, token: token)
            #expect(first.hostID != second.hostID)
            let beat = heartbeat(first)
            #expect(try await client.signedPost(heartbeatPath, beat, agent: first, clock: harness.clock).status == .ok)
        }
        #expect(try await harness.storage.hosts(HostQuery()).total == 2)
    }

    @Test func enrollmentPinsThePlanKeyAndReportsAreStoredOnce() async throws {
        let harness = try await Harness.make()
        let token = try await harness.enrollmentToken()
        try await harness.application().test(.router) { client in
            let agent = TestAgent()
            let response = try await client.execute(
                uri: "/api/v1/agent/enroll",
                method: .post,
                body: try agent.enrollBody(token: token)
            )
            let answer = try response.json(EnrollmentResponse.self)
            let key = try #require(answer.planPublicKey.flatMap { Base64.decode($0) })
            #expect(key.count == 32)
            var enrolled = agent
            enrolled.agentID = answer.agentID
            enrolled.hostID = answer.hostID
            let sequence = try await harness.storage.queuePlan(
                hostID: answer.hostID,
                planID: "pln_1",
                actor: "test",
                now: harness.clock.now(),
                sign: { _ in "{}" }
            )
            #expect(sequence == 1)
            let report = PlanReport(
                planID: "pln_1",
                sequence: 1,
                outcome: .rolledBack,
                steps: [
                    StepResult(step: "apply", startedAt: 1, endedAt: 2, outcome: .failed, message: "postinst failed"),
                    StepResult(step: "rollback", startedAt: 2, endedAt: 3, outcome: .succeeded),
                ]
            )
            let bytes = Array(try JSONEncoder().encode(report))
            for expectedDuplicate in [false, true] {
                let headers = try enrolled.signedHeaders(
                    path: "/api/v1/agent/reports",
                    body: bytes,
                    time: harness.clock.now()
                )
                let sent = try await client.execute(
                    uri: "/api/v1/agent/reports",
                    method: .post,
                    headers: headers,
                    body: ByteBuffer(bytes: bytes)
                )
                #expect(sent.status == .ok)
                #expect(try sent.json(PlanReportAcknowledgement.self).duplicate == expectedDuplicate)
            }
        }
        let reported = try await harness.storage.events(limit: 100).filter { $0.action == "plan.reported" }
        #expect(reported.count == 1)
        #expect(reported.first?.details.contains("rolled-back") == true)
    }
}
