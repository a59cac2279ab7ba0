import FleetModel
import Foundation
import GRDB
import PatchStore
import Testing

@Suite struct EventStoreTests {
    let fixture: StoreFixture
    var store: SQLStorage { fixture.store }

    init() async throws { fixture = try await StoreFixture.make() }

    func event(_ index: Int) -> EventRecord {
        EventRecord(
            at: T.at(TimeInterval(index)),
            actor: "user:alice",
            action: "test.action\(index)",
            target: "thing:\(index)",
            details: #"{"n":\#(index)}"#
        )
    }

    @Test func eventsComeBackNewestFirst() async throws {
        #expect(try await store.events(limit: 10).isEmpty)
        for index in 1...5 { try await store.appendEvent(event(index)) }
        let latest = try await store.events(limit: 3)
        #expect(latest.map(\.action) == ["test.action5", "test.action4", "test.action3"])
        #expect(latest.map(\.at) == [T.at(5), T.at(4), T.at(3)])
        #expect(latest[0].actor == "user:alice")
        #expect(latest[0].target == "thing:5")
        #expect(latest[0].details == #"{"n":5}"#)
        let all = try await store.events(limit: 100)
        #expect(all.count == 5)
        #expect(all.map(\.id) == all.map(\.id).sorted(by: >))
        #expect(Set(all.map(\.id)).count == 5)
        #expect(all.allSatisfy { $0.id > 0 })
    }

    @Test func orderIsByInsertionNotByTimestamp() async throws {
        try await store.appendEvent(event(9))
        try await store.appendEvent(event(1))
        #expect(try await store.events(limit: 1).map(\.action) == ["test.action1"])
    }

    @Test func eventsTableIsAppendOnly() async throws {
        for index in 1...3 { try await store.appendEvent(event(index)) }
        let before = try await store.events(limit: 100)
        for edit in [
            "UPDATE events SET actor = 'mallory'", "UPDATE events SET details = '{}' WHERE id = 1",
            "DELETE FROM events", "DELETE FROM events WHERE id = 2",
        ] {
            await #expect(throws: (any Error).self, "\(edit)") {
                try await fixture.write { db in try db.execute(sql: edit) }
            }
        }
        #expect(try await store.events(limit: 100) == before)
        // Appending stays possible.
        try await fixture.write { db in
            try db.execute(
                sql: """
                    INSERT INTO events (id, at, actor, action, target, details)
                    VALUES ((SELECT MAX(id) + 1 FROM events), 0, 'system', 'x', 'y', '{}')
                    """
            )
        }
        #expect(try await store.events(limit: 100).count == 4)
    }
}

@Suite struct StoreLifecycleTests {
    @Test(StoreFixture.sqliteOnly) func reopeningKeepsData() async throws {
        let fixture = try StoreFixture()
        try await fixture.store.createUser(
            UserRecord(id: "u1", username: "alice", passwordHash: "h", role: "admin", createdAt: T.base),
            actor: "system"
        )
        try await fixture.makeToken()
        let host = try await fixture.enrollHost(facts(hostname: "web-01"))
        let eventCount = try await fixture.store.events(limit: 100).count

        for _ in 0..<2 {
            let reopened = try SQLStorage(path: fixture.path)
            #expect(try await reopened.userCount() == 1)
            #expect(try await reopened.user(named: "alice")?.id == "u1")
            #expect(try await reopened.host(id: host)?.facts.hostname == "web-01")
            #expect(try await reopened.agents().count == 1)
            #expect(try await reopened.events(limit: 100).count == eventCount)
        }
        let migrations = try await fixture.rawQueue().read { db in
            try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations")
        }
        // Every migration ran exactly once, in order, however often the store was opened.
        #expect(
            migrations == [
                "v1-spine", "v2-vulnerabilities", "v3-plan-reports", "v4-policy-versions", "v5-host-plans",
                "v6-host-labels", "v7-change-control", "v8-rollouts", "v9-hardening", "v10-plan-cancellation",
                "v11-normalized-fleet", "v12-fleet-reports", "v13-summary-indexes", "v14-rollout-tasks",
                "v15-server-keys", "v16-leases-outbox", "v17-user-lifecycle",
            ]
        )
    }

    @Test func storesInDifferentFilesAreIndependent() async throws {
        let one = try await StoreFixture.make()
        let two = try await StoreFixture.make()
        try await one.store.createUser(
            UserRecord(id: "u1", username: "alice", passwordHash: "h", role: "admin", createdAt: T.base),
            actor: "system"
        )
        #expect(try await one.store.userCount() == 1)
        #expect(try await two.store.userCount() == 0)
    }

    @Test(StoreFixture.sqliteOnly) func unopenablePathIsUnavailable() throws {
        let fixture = try StoreFixture()
        let paths = [
            "/nonexistent-\(UUID().uuidString)/patchpilot.sqlite",
            fixture.directory.path,  // a directory, not a file
        ]
        for path in paths {
            let error = #expect(throws: StoreError.self) { try SQLStorage(path: path) }
            #expect(error?.code == .unavailable, "opening \(path)")
            #expect(error?.message.contains(path) == true)
        }
    }

    /// A database a newer patchpilot migrated refuses to open, naming the migrations it does not
    /// know, and is left as it was.
    @Test(StoreFixture.sqliteOnly) func aBinaryOlderThanTheSchemaRefusesToOpen() throws {
        let fixture = try StoreFixture()
        let path = fixture.directory.appendingPathComponent("newer.sqlite").path
        _ = try SQLStorage(path: path)
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in
            try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v999-from-the-future')")
        }
        let error = #expect(throws: StoreError.self) { try SQLStorage(path: path) }
        #expect(error?.code == .unavailable)
        #expect(error?.message.contains("v999-from-the-future") == true, "\(error?.message ?? "")")
        #expect(error?.message.contains("newer version") == true)
        let count = try queue.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM grdb_migrations") }
        #expect((count ?? 0) > 1)
    }

    @Test(StoreFixture.sqliteOnly) func fileThatIsNotADatabaseIsUnavailable() throws {
        let fixture = try StoreFixture()
        let path = fixture.directory.appendingPathComponent("garbage.sqlite").path
        try Data(repeating: 0x41, count: 4096).write(to: URL(fileURLWithPath: path))
        let error = #expect(throws: StoreError.self) { try SQLStorage(path: path) }
        #expect(error?.code == .unavailable)
    }
}
