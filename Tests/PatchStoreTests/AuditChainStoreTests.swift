import ChangeControl
import Crypto
import Foundation
import GRDB
import PatchStore
import Testing

/// The audit chain as stored: every event written through the store is chained, and tampering
/// done directly in the SQLite file — past the append-only triggers — is reported precisely.
@Suite struct AuditChainStoreTests {
    let key = Curve25519.Signing.PrivateKey()

    /// A store with eight events through the normal API and a checkpoint over the first six.
    func seeded() async throws -> StoreFixture {
        let fixture = try await StoreFixture.make()
        for index in 1...8 {
            try await fixture.store.appendEvent(
                EventRecord(
                    at: T.base.addingTimeInterval(Double(index)),
                    actor: "user:ann",
                    action: "test.step",
                    target: "thing:\(index)",
                    details: #"{"n":\#(index)}"#
                )
            )
            if index == 6 {
                let key = self.key
                _ = try await fixture.store.sealAuditHead(now: T.base) { id, hash, at in
                    try AuditCheckpoint.sign(eventID: id, headHash: hash, signedAt: at, key: key)
                }
            }
        }
        return fixture
    }

    func verify(_ fixture: StoreFixture) async throws -> AuditVerification {
        // A second store on the same database, as `patchpilot audit verify` opens it.
        let store = try await fixture.reopen()
        defer { Task { await store.close() } }
        return AuditVerifier.verify(
            events: try await store.auditEvents(afterID: 0, since: nil, target: nil, limit: 10_000),
            checkpoints: try await store.auditCheckpoints(),
            key: key.publicKey
        )
    }

    /// Edits the log behind the store's back, with its append-only triggers dropped first.
    func tamper(_ fixture: StoreFixture, _ sql: String) async throws {
        try await fixture.write { db in
            for trigger in ["events_no_update", "events_no_delete"] {
                try db.execute(
                    sql: "DROP TRIGGER IF EXISTS \(trigger)\(db.dialect == .postgres ? " ON events" : "")"
                )
            }
            for statement in sql.split(separator: ";") where !statement.allSatisfy(\.isWhitespace) {
                try db.execute(sql: String(statement))
            }
        }
    }

    @Test func untouchedLogVerifiesClean() async throws {
        let fixture = try await seeded()
        let result = try await verify(fixture)
        #expect(result.isIntact)
        #expect(result.events == 8)
        #expect(result.checkpoints == 1)
        #expect(result.unsealed == 2)
        // The triggers refuse ordinary edits.
        await #expect(throws: (any Error).self) {
            try await fixture.write { db in try db.execute(sql: "UPDATE events SET actor = 'x' WHERE id = 1") }
        }
    }

    @Test func editedFieldIsReported() async throws {
        let fixture = try await seeded()
        try await tamper(fixture, #"UPDATE events SET details = '{"n":99}' WHERE id = 3"#)
        let problems = try await verify(fixture).problems
        #expect(problems.map(\.kind) == [.edited])
        #expect(problems.first?.eventID == 3)
    }

    @Test func deletedEventIsReported() async throws {
        let fixture = try await seeded()
        try await tamper(fixture, "DELETE FROM events WHERE id = 4")
        let problems = try await verify(fixture).problems
        #expect(problems.map(\.kind) == [.deleted])
        #expect(problems.first?.message.contains("event 4 is missing") == true)
    }

    @Test func deletedSealedTailIsReported() async throws {
        let fixture = try await seeded()
        try await tamper(fixture, "DELETE FROM events WHERE id >= 6")
        let problems = try await verify(fixture).problems
        #expect(problems.map(\.kind) == [.deleted])
        #expect(problems.first?.eventID == 6)
    }

    @Test func insertedEventIsReported() async throws {
        let fixture = try await seeded()
        // Shift events 4… up by one and slip a correctly hashed forgery in at 4.
        let third = try await fixture.store.auditEvents(afterID: 2, since: nil, target: nil, limit: 1)[0]
        let forged = AuditChain.seal(
            AuditEvent(
                at: T.base.addingTimeInterval(3.5),
                actor: "user:eve",
                action: "role.granted",
                target: "user:eve"
            ),
            after: third.hash
        )
        try await tamper(
            fixture,
            """
            UPDATE events SET id = id + 1000 WHERE id >= 4;
            UPDATE events SET id = id - 999 WHERE id >= 1004;
            INSERT INTO events (id, at, actor, action, target, details, prev_hash, hash)
            VALUES (4, \(forged.atMilliseconds), '\(forged.actor)', '\(forged.action)', '\(forged.target)', '{}',
                    '\(forged.previousHash)', '\(forged.hash)');
            """
        )
        let problems = try await verify(fixture).problems
        #expect(problems.contains { $0.kind == .inserted && $0.eventID == 4 })
        // The checkpoint sealed event 6, which now holds what was event 5.
        #expect(problems.contains { $0.kind == .checkpoint && $0.eventID == 6 })
    }

    @Test func swappedEventsAreReported() async throws {
        let fixture = try await seeded()
        try await tamper(
            fixture,
            """
            UPDATE events SET id = -3 WHERE id = 3;
            UPDATE events SET id = 3 WHERE id = 4;
            UPDATE events SET id = 4 WHERE id = -3;
            """
        )
        let problems = try await verify(fixture).problems
        #expect(problems.map(\.kind) == [.reordered])
        #expect(problems.first?.message == "events 3 and 4 are swapped")
    }

    @Test func everyStoredEventIsChainedWithItsContext() async throws {
        let fixture = try await StoreFixture.make()
        let context = AuditContext(requestID: "req-1", elevationID: "ELV-1")
        try await AuditContext.$current.withValue(context) {
            try await fixture.store.appendEvent(EventRecord(at: T.base, actor: "user:ann", action: "x", target: "y"))
        }
        try await fixture.store.appendEvent(EventRecord(at: T.base, actor: "system", action: "z", target: "y"))
        let events = try await fixture.store.auditEvents(afterID: 0, since: nil, target: nil, limit: 10)
        #expect(events.map(\.requestID) == ["req-1", nil])
        #expect(events.map(\.elevationID) == ["ELV-1", nil])
        #expect(events[0].previousHash == AuditChain.genesis)
        #expect(events[1].previousHash == events[0].hash)
        #expect(context.written.value == 1)
    }
}
