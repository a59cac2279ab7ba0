import Foundation
import GRDB
import RolloutEngine
import Testing

@testable import PatchStore

/// v14: a rollout's host tasks are rows written one at a time, the plan is written once, and a
/// rollout stored by the previous schema (one JSON document) comes back the same.
@Suite struct RolloutTaskRowsTests {
    static let start = Date(timeIntervalSince1970: 1_800_000_000)

    static func rollout(hosts count: Int, id: String = "RO-0123456789ab") throws -> Rollout {
        let hosts = (0..<count).map { index in
            RolloutHost(
                id: "h\(index)",
                hostname: "host-\(index)",
                environment: index % 2 == 0 ? "dev" : "prod",
                tier: index % 3,
                osRelease: "debian-12",
                scheduleKey: nil
            )
        }
        let plan = try RolloutPlanner.plan(
            RolloutRequest(
                changeID: "CHG-1",
                environments: ["dev", "prod"],
                hosts: hosts,
                ignoreWindows: true,
                notBefore: start
            )
        )
        var rollout = Rollout(id: id, plan: plan, settings: Rollout.Settings(errorBudget: .percent(10)))
        _ = try rollout.apply(.start)
        return rollout
    }

    static func event(_ action: String) -> EventRecord {
        EventRecord(at: start, actor: "test", action: action, target: "rollout:x", details: "{}")
    }

    @Test(StoreFixture.sqliteOnly) func aTickWritesOnlyTheTasksItMoved() async throws {
        let fixture = try StoreFixture()
        let rollout = try Self.rollout(hosts: 40)
        try await fixture.store.createRollout(rollout, events: [Self.event("rollout.started")], now: Self.start)
        let stored = try #require(try await fixture.store.rollout(id: rollout.id))
        #expect(stored.tasks.count == 40)
        #expect(stored.tasks.map(\.hostID) == rollout.tasks.map(\.hostID))
        #expect(stored.progress == rollout.progress)

        // Count row updates behind the store's back.
        let raw = try fixture.rawQueue()
        try await raw.write { db in
            try db.execute(
                sql: """
                    CREATE TABLE task_writes (n INTEGER NOT NULL);
                    INSERT INTO task_writes VALUES (0);
                    CREATE TRIGGER count_task_writes AFTER UPDATE ON rollout_tasks
                        BEGIN UPDATE task_writes SET n = n + 1; END;
                    """
            )
        }
        let planBefore = try await raw.read { db in
            try String.fetchOne(db, sql: "SELECT plan FROM rollouts WHERE id = ?", arguments: [rollout.id])
        }
        let ticked = try await fixture.store.updateRollout(id: rollout.id) { rollout in
            let effects = rollout.tick(now: Self.start.addingTimeInterval(60))
            return effects.isEmpty ? [] : [Self.event("rollout.ticked")]
        }
        let leased = ticked.tasks.filter { $0.state == .leased }
        #expect(!leased.isEmpty && leased.count < 40)
        let (writes, owners, planAfter, body) = try await raw.read { db in
            (
                try Int.fetchOne(db, sql: "SELECT n FROM task_writes") ?? -1,
                try String.fetchAll(
                    db,
                    sql: "SELECT lease_owner FROM rollout_tasks WHERE state = 'leased' AND lease_owner IS NOT NULL"
                ),
                try String.fetchOne(db, sql: "SELECT plan FROM rollouts WHERE id = ?", arguments: [rollout.id]),
                try String.fetchOne(db, sql: "SELECT body FROM rollouts WHERE id = ?", arguments: [rollout.id]) ?? ""
            )
        }
        #expect(writes == leased.count, "one row per leased task, nothing else")
        #expect(owners.count == leased.count)
        #expect(planAfter == planBefore, "the plan is written once")
        #expect(!body.contains("h39"), "the progress document holds no tasks or hosts")
        let reread = try #require(try await fixture.store.rollout(id: rollout.id))
        #expect(reread.tasks == ticked.tasks)
        #expect(reread.progress == ticked.progress)
    }

    @Test func rollbackTasksAreRowsToo() async throws {
        let fixture = try await StoreFixture.make()
        let rollout = try Self.rollout(hosts: 6)
        try await fixture.store.createRollout(rollout, events: [], now: Self.start)
        // Lease the canary, fail it: the rollout rolls the wave back.
        _ = try await fixture.store.updateRollout(id: rollout.id) { rollout in
            _ = rollout.tick(now: Self.start)
            return [Self.event("rollout.ticked")]
        }
        let failed = try await fixture.store.updateRollout(id: rollout.id) { rollout in
            let planID = try #require(rollout.tasks.first { $0.state == .leased }?.planID)
            var effects = try rollout.report(planID: planID, outcome: .completed, reason: nil)
            // A second host of the wave … the canary passed; now fail the next wave's first task.
            effects += rollout.tick(now: Self.start.addingTimeInterval(1))
            for index in rollout.tasks.indices where rollout.tasks[index].state == .leased {
                effects += try rollout.report(
                    planID: rollout.tasks[index].planID ?? "",
                    outcome: .rebootLoop,
                    reason: "loop"
                )
            }
            effects += rollout.tick(now: Self.start.addingTimeInterval(2))
            return [Self.event("rollout.failed")]
        }
        #expect(failed.state == .rollingBack || failed.state == .rolledBack || failed.state == .failed)
        let reread = try #require(try await fixture.store.rollout(id: rollout.id))
        #expect(reread.rollbackTasks == failed.rollbackTasks)
        #expect(reread.tasks == failed.tasks)
        #expect(reread == failed)
    }

    @Test(StoreFixture.sqliteOnly) func aRolloutStoredAsOneDocumentByTheOldSchemaComesBackTheSame() async throws {
        let fixture = try StoreFixture()
        let path = fixture.directory.appendingPathComponent("v13.sqlite").path
        var rollout = try Self.rollout(hosts: 12, id: "RO-aaaaaaaaaaaa")
        _ = rollout.tick(now: Self.start)
        let queue = try DatabaseQueue(path: path)
        try SQLiteMigrations.migrator().migrate(queue, upTo: "v13-summary-indexes")
        let document = String(decoding: try JSONEncoder().encode(rollout), as: UTF8.self)
        let old = rollout
        try await queue.write { db in
            try db.execute(
                sql: """
                    INSERT INTO rollouts (id, change_id, state, created_at, updated_at, body)
                    VALUES (?, ?, ?, 0, 0, ?)
                    """,
                arguments: [old.id, old.changeID, old.state.rawValue, document]
            )
        }
        try queue.close()
        let store = try SQLStorage(path: path)
        let migrated = try #require(try await store.rollout(id: rollout.id))
        #expect(migrated.progress == rollout.progress)
        #expect(migrated.plan == rollout.plan)
        #expect(migrated.tasks.map(\.hostID) == rollout.tasks.map(\.hostID))
        #expect(migrated.tasks.map(\.state) == rollout.tasks.map(\.state))
        #expect(migrated.tasks.map(\.planID) == rollout.tasks.map(\.planID))
        #expect(try await store.tickableRolloutIDs() == [rollout.id])
    }

    @Test func partsThatDoNotBelongTogetherAreRefused() throws {
        let rollout = try Self.rollout(hosts: 4)
        #expect(throws: RolloutEngineError.self) {
            try Rollout(
                plan: rollout.plan,
                progress: rollout.progress,
                tasks: Array(rollout.tasks.dropLast()),
                rollbackTasks: []
            )
        }
        #expect(throws: RolloutEngineError.self) {
            try Rollout(
                plan: rollout.plan,
                progress: rollout.progress,
                tasks: rollout.tasks.reversed(),
                rollbackTasks: []
            )
        }
    }
}
