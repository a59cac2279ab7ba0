import FleetModel
import Foundation
import GRDB
import PatchStore
import Testing

@Suite struct EnrollmentStoreTests {
    let fixture: StoreFixture
    var store: SQLStorage { fixture.store }

    init() async throws { fixture = try await StoreFixture.make() }

    func enroll(
        machine: String,
        tokenID: String = "tok1",
        secretHash: String = "hash1",
        agentID: String? = nil,
        now: Date = T.base
    ) async throws -> EnrollmentOutcome {
        try await store.enroll(
            tokenID: tokenID,
            secretHash: secretHash,
            registration: AgentRegistration(
                agentID: agentID ?? "agt-\(machine)",
                newHostID: "host-\(machine)",
                publicKey: "key-\(machine)",
                facts: facts(hostname: machine)
            ),
            now: now
        )
    }

    func usesConsumed(_ tokenID: String = "tok1") async throws -> Int? {
        try await fixture.read { db in
            try Int.fetchOne(db, sql: "SELECT uses_consumed FROM enrollment_tokens WHERE id = ?", arguments: [tokenID])
        }
    }

    func isRejected(_ outcome: EnrollmentOutcome) -> Bool {
        if case .rejected = outcome { return true }
        return false
    }

    @Test func enrollmentCreatesHostAndAgent() async throws {
        try await fixture.makeToken()
        let outcome = try await enroll(machine: "m1", now: T.at(60))
        #expect(outcome == .enrolled(agentID: "agt-m1", hostID: "host-m1"))
        let agent = try #require(try await store.agent(id: "agt-m1"))
        #expect(agent.hostID == "host-m1")
        #expect(agent.publicKey == "key-m1")
        #expect(agent.enrolledAt == T.at(60))
        #expect(agent.enrollmentTokenID == "tok1")
        #expect(!agent.isRevoked)
        let host = try #require(try await store.host(id: "host-m1"))
        #expect(host.facts == facts(hostname: "m1"))
        #expect(host.firstSeen == T.at(60))
        #expect(host.lastSeen == T.at(60))
        #expect(host.inventoryFingerprint == nil)
        #expect(host.packageCount == 0)
        #expect(try await store.events(limit: 1).first?.action == "agent.enrolled")
    }

    @Test func consumptionIsCountedAndExhaustedTokenIsRejected() async throws {
        try await fixture.makeToken(uses: 2)
        #expect(try await usesConsumed() == 0)
        #expect(!isRejected(try await enroll(machine: "m1")))
        #expect(try await usesConsumed() == 1)
        #expect(!isRejected(try await enroll(machine: "m2")))
        #expect(try await usesConsumed() == 2)
        #expect(isRejected(try await enroll(machine: "m3")))
        #expect(try await usesConsumed() == 2)
        #expect(try await store.host(id: "host-m3") == nil)
        #expect(try await store.agent(id: "agt-m3") == nil)
        #expect(try await store.agents().count == 2)
    }

    @Test(arguments: [0.0, 1.0, 86400.0])
    func expiredTokenIsRejected(secondsAfterExpiry: TimeInterval) async throws {
        try await fixture.makeToken(expiresAt: T.at(3600))
        let outcome = try await enroll(machine: "m1", now: T.at(3600 + secondsAfterExpiry))
        #expect(isRejected(outcome))
        #expect(try await usesConsumed() == 0)
        #expect(try await store.host(id: "host-m1") == nil)
    }

    @Test func tokenJustBeforeExpiryIsAccepted() async throws {
        try await fixture.makeToken(expiresAt: T.at(3600))
        #expect(!isRejected(try await enroll(machine: "m1", now: T.at(3599))))
    }

    @Test func wrongSecretHashIsRejectedAndNotCounted() async throws {
        try await fixture.makeToken()
        #expect(isRejected(try await enroll(machine: "m1", secretHash: "hash2")))
        #expect(isRejected(try await enroll(machine: "m1", secretHash: "")))
        #expect(isRejected(try await enroll(machine: "m1", secretHash: "HASH1")))
        #expect(try await usesConsumed() == 0)
        #expect(try await store.agents().isEmpty)
    }

    @Test func unknownTokenIsRejected() async throws {
        try await fixture.makeToken()
        #expect(isRejected(try await enroll(machine: "m1", tokenID: "tok2")))
        #expect(try await store.agents().isEmpty)
        #expect(try await usesConsumed() == 0)
    }

    @Test func knownMachineIDWithoutReenrollTokenIsFlaggedNotMerged() async throws {
        try await fixture.makeToken()
        let first = try await enroll(machine: "m1", agentID: "agt-a", now: T.at(10))
        #expect(first == .enrolled(agentID: "agt-a", hostID: "host-m1"))
        let second = try await store.enroll(
            tokenID: "tok1",
            secretHash: "hash1",
            registration: AgentRegistration(
                agentID: "agt-evil",
                newHostID: "host-NEW",
                publicKey: "key-b",
                facts: facts(hostname: "m1", machineID: "mid-m1")
            ),
            now: T.at(20)
        )
        #expect(second == .duplicate(agentID: "agt-evil", hostID: "host-NEW", duplicateOf: "host-m1"))
        // The real host and its agent are untouched; the newcomer has a host of its own, flagged.
        #expect(try await store.agent(id: "agt-a")?.isRevoked == false)
        #expect(try await store.agent(id: "agt-evil")?.hostID == "host-NEW")
        #expect(try await store.host(id: "host-NEW")?.duplicateOf == "host-m1")
        #expect(try await store.host(id: "host-m1")?.duplicateOf == nil)
        #expect(try await store.hosts(HostQuery()).total == 2)
        let flagged = try await store.events(limit: 10, offset: 0).filter { $0.action == "host.duplicate_machine_id" }
        #expect(flagged.map(\.target) == ["host:host-NEW"])
    }

    @Test func reenrollTokenIsBoundToItsHost() async throws {
        try await fixture.makeToken()
        _ = try await enroll(machine: "m1", agentID: "agt-a", now: T.at(10))
        _ = try await enroll(machine: "m2", agentID: "agt-b", now: T.at(10))
        try await fixture.makeToken(id: "tok-re", secretHash: "hash-re", uses: 1, hostID: "host-m1")
        let wrongMachine = try await store.enroll(
            tokenID: "tok-re",
            secretHash: "hash-re",
            registration: AgentRegistration(
                agentID: "agt-x",
                newHostID: "host-X",
                publicKey: "key-x",
                facts: facts(hostname: "m2", machineID: "mid-m2")
            ),
            now: T.at(20)
        )
        #expect(isRejected(wrongMachine))
        #expect(try await store.agent(id: "agt-b")?.isRevoked == false)
        #expect(try await store.agent(id: "agt-x") == nil)
    }

    @Test func reenrollmentKeepsHostAndRevokesPreviousAgent() async throws {
        try await fixture.makeToken()
        let first = try await enroll(machine: "m1", agentID: "agt-a", now: T.at(10))
        #expect(first == .enrolled(agentID: "agt-a", hostID: "host-m1"))
        try await fixture.makeToken(id: "tok-re", secretHash: "hash-re", uses: 1, hostID: "host-m1")
        let second = try await store.enroll(
            tokenID: "tok-re",
            secretHash: "hash-re",
            registration: AgentRegistration(
                agentID: "agt-b",
                newHostID: "host-NEW",
                publicKey: "key-b",
                facts: facts(hostname: "m1-renamed", machineID: "mid-m1", reboot: true)
            ),
            now: T.at(20)
        )
        #expect(second == .enrolled(agentID: "agt-b", hostID: "host-m1"))
        #expect(try await store.host(id: "host-NEW") == nil)
        let old = try #require(try await store.agent(id: "agt-a"))
        #expect(old.revokedAt == T.at(20))
        let new = try #require(try await store.agent(id: "agt-b"))
        #expect(new.hostID == "host-m1")
        #expect(!new.isRevoked)
        let host = try #require(try await store.host(id: "host-m1"))
        #expect(host.facts.hostname == "m1-renamed")
        #expect(host.facts.rebootRequired)
        #expect(host.firstSeen == T.at(10))
        #expect(host.lastSeen == T.at(20))
        #expect(try await store.hosts(HostQuery()).total == 1)
        #expect(try await usesConsumed() == 1)
        #expect(try await store.agents().map(\.id) == ["agt-b", "agt-a"])
    }

    @Test func agentPagesFollowTheirCursorNewestFirst() async throws {
        try await fixture.makeToken()
        // Several agents enrolled at the same instant: the id breaks the tie.
        for index in 0..<11 {
            _ = try await enroll(machine: "m\(index)", now: T.at(Double(index / 3)))
        }
        let all = try await store.agents().map(\.id)
        #expect(all.count == 11)
        var walked: [String] = []
        var after: AgentCursor?
        for _ in 0..<20 {
            let page = try await store.agents(limit: 4, after: after)
            #expect(page.total == 11)
            walked += page.agents.map(\.id)
            guard let next = page.next else { break }
            after = AgentCursor(token: next.token)
            #expect(after == next)
        }
        #expect(walked == all)
        for token in ["", "%%", "WyJob3N0cyJd", AgentCursor(enrolledAtMillis: 1, id: "a").token + "!"] {
            #expect(AgentCursor(token: token) == nil)
        }
    }

    @Test func revokeAgent() async throws {
        try await fixture.makeToken()
        _ = try await enroll(machine: "m1")
        _ = try await enroll(machine: "m2")
        #expect(try await store.revokeAgent(id: "agt-unknown", actor: "user:admin", now: T.at(5)) == false)
        #expect(try await store.revokeAgent(id: "agt-m1", actor: "user:admin", now: T.at(5)))
        #expect(try await store.agent(id: "agt-m1")?.revokedAt == T.at(5))
        #expect(try await store.agent(id: "agt-m2")?.isRevoked == false)
        let event = try #require(try await store.events(limit: 1).first)
        #expect(event.action == "agent.revoked")
        #expect(event.target == "agent:agt-m1")
        #expect(event.actor == "user:admin")
        // Revoking again keeps the first revocation time.
        #expect(try await store.revokeAgent(id: "agt-m1", actor: "user:admin", now: T.at(50)))
        #expect(try await store.agent(id: "agt-m1")?.revokedAt == T.at(5))
    }

    @Test func nonceReplayIsDetected() async throws {
        let forget = T.at(-300)
        #expect(try await store.recordNonce(agentID: "a1", nonce: "n1", now: T.base, forgetBefore: forget))
        #expect(try await store.recordNonce(agentID: "a1", nonce: "n1", now: T.at(1), forgetBefore: forget) == false)
        #expect(try await store.recordNonce(agentID: "a1", nonce: "n2", now: T.at(1), forgetBefore: forget))
        // Nonces are per agent.
        #expect(try await store.recordNonce(agentID: "a2", nonce: "n1", now: T.at(1), forgetBefore: forget))
        #expect(try await store.recordNonce(agentID: "a2", nonce: "n1", now: T.at(2), forgetBefore: forget) == false)
    }

    @Test func noncesOlderThanForgetBeforeAreForgotten() async throws {
        #expect(try await store.recordNonce(agentID: "a1", nonce: "n1", now: T.base, forgetBefore: T.at(-300)))
        // Still remembered while its time is not before `forgetBefore`.
        #expect(
            try await store.recordNonce(agentID: "a1", nonce: "n1", now: T.at(300), forgetBefore: T.base) == false
        )
        // Forgotten once it is older.
        #expect(try await store.recordNonce(agentID: "a1", nonce: "n1", now: T.at(301), forgetBefore: T.at(1)))
        let remaining = try await fixture.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM agent_nonces") ?? -1
        }
        #expect(remaining == 1)
    }
}
