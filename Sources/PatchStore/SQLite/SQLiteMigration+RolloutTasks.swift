import Foundation
import GRDB
import RolloutEngine

/// v14: a rollout's host tasks are rows, updated one at a time, instead of an array inside one
/// JSON document rewritten on every tick; the plan (fixed once the rollout starts) has its own
/// column, written once; the document keeps only the rollout's progress. Agent reports are marked
/// when a tick applied them, so the report request stores and returns and the scheduler applies.
enum RolloutTasksMigration {
    static func migrate(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE rollout_tasks (
                    rollout_id TEXT NOT NULL REFERENCES rollouts(id) ON DELETE CASCADE,
                    rollback INTEGER NOT NULL,
                    position INTEGER NOT NULL,
                    host_id TEXT NOT NULL,
                    wave INTEGER NOT NULL,
                    state TEXT NOT NULL,
                    attempt INTEGER NOT NULL,
                    plan_id TEXT,
                    lease_owner TEXT,
                    lease_expires_at INTEGER,
                    not_before INTEGER NOT NULL,
                    reason TEXT,
                    outcome TEXT,
                    PRIMARY KEY (rollout_id, rollback, position)
                ) WITHOUT ROWID;
                CREATE INDEX rollout_tasks_leased ON rollout_tasks(lease_expires_at) WHERE state = 'leased';
                ALTER TABLE rollouts ADD COLUMN plan TEXT NOT NULL DEFAULT '';
                ALTER TABLE plan_reports ADD COLUMN applied_at INTEGER;
                UPDATE plan_reports SET applied_at = received_at;
                CREATE INDEX plan_reports_unapplied ON plan_reports(plan_id) WHERE applied_at IS NULL;
                """
        )
        let rows = try Row.fetchAll(db, sql: "SELECT id, body FROM rollouts")
        for row in rows {
            let id: String = row["id"]
            let rollout = try SQLStorage.decode(Rollout.self, row["body"], what: "rollout \(id)")
            try db.execute(
                sql: "UPDATE rollouts SET body = ?, plan = ? WHERE id = ?",
                arguments: [try SQLStorage.json(rollout.progress), try SQLStorage.json(rollout.plan), id]
            )
            try SQLStorage.insertTasks(of: rollout, SQLiteSession(db))
        }
    }
}
