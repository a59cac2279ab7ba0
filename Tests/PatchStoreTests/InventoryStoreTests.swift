import AgentProtocol
import FleetModel
import Foundation
import GRDB
import PatchStore
import Testing

@Suite struct InventoryStoreTests {
    let fixture: StoreFixture
    var store: SQLStorage { fixture.store }

    init() async throws { fixture = try await StoreFixture.make() }

    let first = [pkg("bash", "5.2-1"), pkg("curl", "7.88-1"), pkg("openssl", "3.0.11-1"), pkg("libc6", "2.36-9")]
    let second = [
        pkg("bash", "5.2-1"),  // unchanged
        pkg("curl", "7.88-2"),  // version changed
        pkg("openssl", "3.0.11-1", state: .halfConfigured),  // state changed
        pkg("zlib1g", "1.2.13-1"),  // added
        pkg("zlib1g", "1.2.13-1", arch: "i386"),  // added, second architecture
        // libc6 removed
    ]

    func setUpHost() async throws -> String {
        try await fixture.makeToken()
        return try await fixture.enrollHost(facts(hostname: "web-01"))
    }

    @Test func newHostHasEmptyInventory() async throws {
        let host = try await setUpHost()
        #expect(try await store.inventory(hostID: host) == StoredInventory(fingerprint: nil, packages: []))
        #expect(try await store.inventoryHistory(hostID: host, limit: 10, offset: 0).isEmpty)
    }

    @Test func firstUploadRecordsAllAsAdded() async throws {
        let host = try await setUpHost()
        let fingerprint = InventoryFingerprint.of(first)
        let diff = try await store.replaceInventory(
            hostID: host,
            expectedFingerprint: nil,
            packages: first,
            fingerprint: fingerprint,
            now: T.at(100)
        )
        #expect(diff == PackageSetDiff(from: [], to: first))
        let stored = try await store.inventory(hostID: host)
        #expect(stored.fingerprint == fingerprint)
        #expect(stored.packages == first.sorted { $0.key < $1.key })
        let record = try #require(try await store.host(id: host))
        #expect(record.packageCount == 4)
        #expect(record.inventoryFingerprint == fingerprint)
        #expect(record.lastSeen == T.at(100))
        let history = try await store.inventoryHistory(hostID: host, limit: 100, offset: 0)
        #expect(history.count == 4)
        #expect(history.allSatisfy { $0.kind == .added && $0.oldVersion == nil && $0.oldState == nil })
        #expect(history.allSatisfy { $0.at == T.at(100) && $0.hostID == host })
        #expect(Set(history.map(\.name)) == ["bash", "curl", "openssl", "libc6"])
        #expect(history.first { $0.name == "curl" }?.newVersion == "7.88-1")
        #expect(history.first { $0.name == "curl" }?.newState == "installed")
    }

    @Test func secondUploadRecordsAddedRemovedAndChanged() async throws {
        let host = try await setUpHost()
        _ = try await store.replaceInventory(
            hostID: host,
            expectedFingerprint: nil,
            packages: first,
            fingerprint: InventoryFingerprint.of(first),
            now: T.at(100)
        )
        let diff = try await store.replaceInventory(
            hostID: host,
            expectedFingerprint: InventoryFingerprint.of(first),
            packages: second,
            fingerprint: InventoryFingerprint.of(second),
            now: T.at(200)
        )
        #expect(diff == PackageSetDiff(from: first, to: second))
        let stored = try await store.inventory(hostID: host)
        #expect(stored.packages == second.sorted { $0.key < $1.key })
        #expect(stored.fingerprint == InventoryFingerprint.of(second))
        #expect(InventoryFingerprint.of(stored.packages) == stored.fingerprint)
        #expect(try await store.host(id: host)?.packageCount == 5)

        let all = try await store.inventoryHistory(hostID: host, limit: 100, offset: 0)
        #expect(all.count == 4 + 5)
        // Newest first: the five changes of the second upload come before the four additions.
        let latest = Array(all.prefix(5))
        #expect(latest.allSatisfy { $0.at == T.at(200) })
        #expect(all.suffix(4).allSatisfy { $0.at == T.at(100) })
        func change(_ name: String, _ arch: String = "amd64") -> PackageChange? {
            latest.first { $0.name == name && $0.architecture == arch }
        }
        #expect(
            change("curl")
                == PackageChange(
                    hostID: host,
                    at: T.at(200),
                    kind: .changed,
                    name: "curl",
                    architecture: "amd64",
                    oldVersion: "7.88-1",
                    newVersion: "7.88-2",
                    oldState: "installed",
                    newState: "installed"
                )
        )
        #expect(
            change("openssl")
                == PackageChange(
                    hostID: host,
                    at: T.at(200),
                    kind: .changed,
                    name: "openssl",
                    architecture: "amd64",
                    oldVersion: "3.0.11-1",
                    newVersion: "3.0.11-1",
                    oldState: "installed",
                    newState: "half-configured"
                )
        )
        #expect(
            change("libc6")
                == PackageChange(
                    hostID: host,
                    at: T.at(200),
                    kind: .removed,
                    name: "libc6",
                    architecture: "amd64",
                    oldVersion: "2.36-9",
                    newVersion: nil,
                    oldState: "installed",
                    newState: nil
                )
        )
        #expect(change("zlib1g")?.kind == .added)
        #expect(change("zlib1g", "i386")?.kind == .added)
        #expect(change("zlib1g", "i386")?.oldVersion == nil)
        #expect(change("zlib1g", "i386")?.newVersion == "1.2.13-1")
        #expect(change("bash") == nil)

        // Paging through history.
        let page = try await store.inventoryHistory(hostID: host, limit: 3, offset: 4)
        #expect(page == Array(all[4..<7]))
        #expect(try await store.events(limit: 1).first?.action == "inventory.updated")
    }

    @Test(arguments: [nil, "sha256:stale"] as [String?])
    func staleFingerprintIsAConflictAndChangesNothing(expected: String?) async throws {
        let host = try await setUpHost()
        _ = try await store.replaceInventory(
            hostID: host,
            expectedFingerprint: nil,
            packages: first,
            fingerprint: InventoryFingerprint.of(first),
            now: T.at(100)
        )
        let before = try await store.inventory(hostID: host)
        let hostBefore = try await store.host(id: host)
        let historyBefore = try await store.inventoryHistory(hostID: host, limit: 100, offset: 0)
        let eventsBefore = try await store.events(limit: 100)

        let error = await #expect(throws: StoreError.self) {
            try await store.replaceInventory(
                hostID: host,
                expectedFingerprint: expected,
                packages: second,
                fingerprint: InventoryFingerprint.of(second),
                now: T.at(200)
            )
        }
        #expect(error?.code == .conflict)
        #expect(try await store.inventory(hostID: host) == before)
        #expect(try await store.host(id: host) == hostBefore)
        #expect(try await store.inventoryHistory(hostID: host, limit: 100, offset: 0) == historyBefore)
        #expect(try await store.events(limit: 100) == eventsBefore)
    }

    @Test func expectingAFingerprintBeforeAnyUploadIsAConflict() async throws {
        let host = try await setUpHost()
        let error = await #expect(throws: StoreError.self) {
            try await store.replaceInventory(
                hostID: host,
                expectedFingerprint: InventoryFingerprint.of(first),
                packages: second,
                fingerprint: InventoryFingerprint.of(second),
                now: T.at(200)
            )
        }
        #expect(error?.code == .conflict)
        #expect(try await store.inventory(hostID: host).packages.isEmpty)
    }

    @Test func identicalUploadRecordsNoHistory() async throws {
        let host = try await setUpHost()
        let fingerprint = InventoryFingerprint.of(first)
        _ = try await store.replaceInventory(
            hostID: host,
            expectedFingerprint: nil,
            packages: first,
            fingerprint: fingerprint,
            now: T.at(100)
        )
        let diff = try await store.replaceInventory(
            hostID: host,
            expectedFingerprint: fingerprint,
            packages: first.reversed(),
            fingerprint: fingerprint,
            now: T.at(200)
        )
        #expect(diff.isEmpty)
        #expect(try await store.inventoryHistory(hostID: host, limit: 100, offset: 0).count == 4)
        #expect(try await store.host(id: host)?.packageCount == 4)
    }

    @Test func inventoriesAreKeptPerHost() async throws {
        let host1 = try await setUpHost()
        let host2 = try await fixture.enrollHost(facts(hostname: "web-02"))
        _ = try await store.replaceInventory(
            hostID: host1,
            expectedFingerprint: nil,
            packages: first,
            fingerprint: InventoryFingerprint.of(first),
            now: T.at(100)
        )
        _ = try await store.replaceInventory(
            hostID: host2,
            expectedFingerprint: nil,
            packages: second,
            fingerprint: InventoryFingerprint.of(second),
            now: T.at(100)
        )
        #expect(try await store.inventory(hostID: host1).packages == first.sorted { $0.key < $1.key })
        #expect(try await store.inventory(hostID: host2).packages == second.sorted { $0.key < $1.key })
        #expect(try await store.inventoryHistory(hostID: host1, limit: 100, offset: 0).count == 4)
        #expect(try await store.inventoryHistory(hostID: host2, limit: 100, offset: 0).count == 5)
    }

    @Test func storedPackageCountMatchesStoredRowsEvenForDuplicateKeys() async throws {
        // An upload that names one package slot twice: the store keeps one row per (name, architecture),
        // so the count it reports must not claim two packages (or it should refuse the upload).
        let host = try await setUpHost()
        let duplicated = [pkg("bash", "5.2-1"), pkg("bash", "5.2-2"), pkg("curl", "7.88-1")]
        do {
            _ = try await store.replaceInventory(
                hostID: host,
                expectedFingerprint: nil,
                packages: duplicated,
                fingerprint: InventoryFingerprint.of(duplicated),
                now: T.at(100)
            )
        } catch let error as StoreError {
            #expect(error.code == .invalidData)
            return
        }
        let stored = try await store.inventory(hostID: host)
        #expect(try await store.host(id: host)?.packageCount == stored.packages.count)
    }

    @Test func unknownHostIsNotFound() async throws {
        let error = await #expect(throws: StoreError.self) {
            try await store.inventory(hostID: "nope")
        }
        #expect(error?.code == .notFound)
        let replaceError = await #expect(throws: StoreError.self) {
            try await store.replaceInventory(
                hostID: "nope",
                expectedFingerprint: nil,
                packages: first,
                fingerprint: "x",
                now: T.base
            )
        }
        #expect(replaceError?.code == .notFound)
        let checkInError = await #expect(throws: StoreError.self) {
            try await store.recordCheckIn(hostID: "nope", facts: facts(hostname: "x"), now: T.base)
        }
        #expect(checkInError?.code == .notFound)
    }

    @Test func checkInUpdatesFactsAndLastSeen() async throws {
        let host = try await setUpHost()
        var newFacts = facts(hostname: "web-01", kernel: "6.1.0-20-amd64", reboot: true)
        newFacts.uptimeSeconds = 42
        try await store.recordCheckIn(hostID: host, facts: newFacts, now: T.at(500))
        let record = try #require(try await store.host(id: host))
        #expect(record.facts == newFacts)
        #expect(record.lastSeen == T.at(500))
        #expect(record.firstSeen == T.base)
    }

    /// A heartbeat is one transaction: a replayed nonce changes nothing, a fresh one records
    /// facts and last seen and answers the stored fingerprint.
    @Test func heartbeatRecordsNonceFactsAndLastSeenTogether() async throws {
        let host = try await setUpHost()
        _ = try await store.replaceInventory(
            hostID: host,
            expectedFingerprint: nil,
            packages: first,
            fingerprint: "fp-1",
            now: T.at(100)
        )
        var newFacts = facts(hostname: "web-01", kernel: "6.1.0-20-amd64", reboot: true)
        let beat = try await store.recordHeartbeat(
            agentID: "agt-1",
            nonce: "n1",
            hostID: host,
            facts: newFacts,
            now: T.at(200),
            forgetNoncesBefore: T.at(-100)
        )
        #expect(beat == HeartbeatRecord(inventoryFingerprint: "fp-1"))
        #expect(try await store.host(id: host)?.lastSeen == T.at(200))
        newFacts.hostname = "replayed"
        let replay = try await store.recordHeartbeat(
            agentID: "agt-1",
            nonce: "n1",
            hostID: host,
            facts: newFacts,
            now: T.at(300),
            forgetNoncesBefore: T.at(0)
        )
        #expect(replay == nil)
        let record = try #require(try await store.host(id: host))
        #expect(record.lastSeen == T.at(200))
        #expect(record.facts.hostname == "web-01")
        // An unknown host fails the whole transaction: the nonce is not spent.
        await #expect(throws: StoreError.self) {
            try await store.recordHeartbeat(
                agentID: "agt-1",
                nonce: "n2",
                hostID: "no-such-host",
                facts: newFacts,
                now: T.at(300),
                forgetNoncesBefore: T.at(0)
            )
        }
        #expect(try await store.recordNonce(agentID: "agt-1", nonce: "n2", now: T.at(301), forgetBefore: T.at(0)))
    }

    /// The write that accepts a signed request refuses a revoked agent (the server may have checked
    /// the signature with a key cached before the revocation): nothing is recorded, the nonce is
    /// not spent.
    @Test func revokedAgentIsRefusedByTheAcceptingWrite() async throws {
        let host = try await setUpHost()
        let agent = try #require(try await store.agents().first { $0.hostID == host })
        #expect(try await store.revokeAgent(id: agent.id, actor: "user:admin", now: T.at(50)))
        await #expect {
            try await store.recordHeartbeat(
                agentID: agent.id,
                nonce: "n1",
                hostID: host,
                facts: facts(hostname: "after-revocation"),
                now: T.at(100),
                forgetNoncesBefore: T.at(0)
            )
        } throws: { ($0 as? StoreError)?.code == .revoked }
        await #expect {
            try await store.recordNonce(agentID: agent.id, nonce: "n2", now: T.at(100), forgetBefore: T.at(0))
        } throws: { ($0 as? StoreError)?.code == .revoked }
        #expect(try await store.host(id: host)?.facts.hostname == "web-01")
        let nonces = try await fixture.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM agent_nonces") ?? -1
        }
        #expect(nonces == 0)
    }

    /// Heartbeats arriving together are committed together (group commit) yet answered one by one:
    /// each fresh nonce is spent once, a nonce sent twice at the same moment wins exactly once, and
    /// one heartbeat for an unknown host fails alone without undoing the others in its batch.
    @Test func concurrentHeartbeatsAreCommittedTogetherButAnsweredAlone() async throws {
        let host = try await setUpHost()
        let beats = 300
        let outcomes = await withTaskGroup(of: (Int, String).self) { group in
            for index in 0..<beats {
                group.addTask {
                    // Every tenth nonce is sent twice; index 7 names a host that does not exist.
                    let nonce = "n\(index % 10 == 0 ? index + 1_000_000 : index)"
                    let hostID = index == 7 ? "no-such-host" : host
                    do {
                        let record = try await store.recordHeartbeat(
                            agentID: "agt-1",
                            nonce: index % 10 == 1 ? "n\(index - 1 + 1_000_000)" : nonce,
                            hostID: hostID,
                            facts: facts(hostname: "web-01"),
                            now: T.at(Double(1000 + index)),
                            forgetNoncesBefore: T.at(0)
                        )
                        return (index, record == nil ? "replayed" : "recorded")
                    } catch let error as StoreError {
                        return (index, "error \(error.code)")
                    } catch {
                        return (index, "error \(error)")
                    }
                }
            }
            var outcomes: [Int: String] = [:]
            for await (index, outcome) in group { outcomes[index] = outcome }
            return outcomes
        }
        #expect(outcomes[7] == "error notFound")
        for pair in stride(from: 0, to: beats, by: 10) {
            let results = [outcomes[pair], outcomes[pair + 1]].compactMap { $0 }.sorted()
            #expect(results == ["recorded", "replayed"], "nonce pair \(pair)")
        }
        let others = outcomes.filter { $0.key % 10 > 1 && $0.key != 7 }
        #expect(others.count == beats / 10 * 8 - 1)
        #expect(others.values.allSatisfy { $0 == "recorded" })
        // The failed heartbeat's nonce was not spent; the host's last check-in is the latest one.
        #expect(try await store.recordNonce(agentID: "agt-1", nonce: "n7", now: T.at(5000), forgetBefore: T.at(0)))
        #expect(try await store.host(id: host)?.lastSeen ?? .distantPast >= T.at(1000))
    }
}
