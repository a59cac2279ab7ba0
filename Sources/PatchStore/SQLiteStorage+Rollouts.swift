import Foundation
import GRDB
import RolloutEngine

extension SQLiteStorage {
    public func createRollout(_ rollout: Rollout, events: [EventRecord], now: Date) async throws {
        try await write { db in
            if let active = try String.fetchOne(
                db,
                sql:
                    "SELECT id FROM rollouts WHERE change_id = ? AND state NOT IN ('completed', 'rolled-back', 'failed', 'aborted')",
                arguments: [rollout.changeID]
            ) {
                throw StoreError(
                    code: .conflict,
                    message: "\(rollout.changeID) already has an active rollout, \(active)"
                )
            }
            try db.execute(
                sql:
                    "INSERT INTO rollouts (id, change_id, state, created_at, updated_at, body) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [
                    rollout.id, rollout.changeID, rollout.state.rawValue, Self.millis(now), Self.millis(now),
                    try Self.json(rollout),
                ]
            )
            for event in events { try Self.insertEvent(event, db) }
        }
    }

    public func updateRollout(
        id: String,
        _ body: @escaping @Sendable (inout Rollout) throws -> [EventRecord]
    ) async throws -> Rollout {
        try await write { db in
            guard let text = try String.fetchOne(db, sql: "SELECT body FROM rollouts WHERE id = ?", arguments: [id])
            else {
                throw StoreError(code: .notFound, message: "no rollout with id '\(id)'")
            }
            var rollout = try Self.decode(Rollout.self, text, what: "rollout \(id)")
            let events = try body(&rollout)
            guard !events.isEmpty else { return rollout }
            let updated: Date = events.map(\.at).max() ?? Date()
            try db.execute(
                sql: "UPDATE rollouts SET state = ?, updated_at = ?, body = ? WHERE id = ?",
                arguments: [
                    rollout.state.rawValue, Self.millis(updated), try Self.json(rollout), id,
                ]
            )
            for event in events { try Self.insertEvent(event, db) }
            return rollout
        }
    }

    public func rollout(id: String) async throws -> Rollout? {
        try await pool.read { db in
            try String.fetchOne(db, sql: "SELECT body FROM rollouts WHERE id = ?", arguments: [id]).map {
                try Self.decode(Rollout.self, $0, what: "rollout \(id)")
            }
        }
    }

    public func rollouts(activeOnly: Bool, limit: Int) async throws -> [Rollout] {
        try await pool.read { db in
            let condition =
                activeOnly ? "WHERE state IN ('running', 'rolling-back', 'paused', 'awaiting-approval', 'pending')" : ""
            return try String.fetchAll(
                db,
                sql: "SELECT body FROM rollouts \(condition) ORDER BY created_at DESC LIMIT ?",
                arguments: [limit]
            ).map { try Self.decode(Rollout.self, $0, what: "rollout") }
        }
    }

    public func planReports(planIDs: [String]) async throws -> [String: (outcome: String, report: String)] {
        guard !planIDs.isEmpty else { return [:] }
        return try await pool.read { db in
            var result: [String: (outcome: String, report: String)] = [:]
            for chunk in stride(from: 0, to: planIDs.count, by: 500).map({
                Array(planIDs[$0..<min($0 + 500, planIDs.count)])
            }) {
                let rows = try Row.fetchAll(
                    db,
                    sql:
                        """
                        SELECT r.plan_id, r.outcome, r.report FROM plan_reports r
                        JOIN host_plans p ON p.plan_id = r.plan_id AND p.host_id = r.host_id
                        WHERE r.plan_id IN (\(chunk.map { _ in "?" }.joined(separator: ",")))
                        """,
                    arguments: StatementArguments(chunk)
                )
                for row in rows { result[row["plan_id"]] = (row["outcome"], row["report"]) }
            }
            return result
        }
    }

    public func planExists(id: String) async throws -> Bool {
        try await pool.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM host_plans WHERE plan_id = ?", arguments: [id]) ?? 0 > 0
        }
    }
}
