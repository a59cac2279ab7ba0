import Foundation
import GRDB

extension SQLiteStorage {
    public func recordPlanReport(
        hostID: String,
        agentID: String,
        planID: String,
        digest: String,
        outcome: String,
        report: String,
        now: Date
    ) async throws -> Bool {
        try await write { db in
            guard
                try String.fetchOne(db, sql: "SELECT host_id FROM host_plans WHERE plan_id = ?", arguments: [planID])
                    == hostID
            else {
                throw StoreError(code: .notFound, message: "plan \(planID) was not issued to host \(hostID)")
            }
            try db.execute(
                sql: """
                    INSERT OR IGNORE INTO plan_reports (host_id, plan_id, digest, outcome, received_at, report, applied_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    hostID, planID, digest, outcome, Self.millis(now), report,
                    // A rollout's tick applies final reports of its plans; nothing else waits for one.
                    Self.awaitsRolloutTick(planID: planID, outcome: outcome) ? nil : Self.millis(now),
                ]
            )
            guard db.changesCount == 1 else { return false }
            try Self.insertEvent(
                EventRecord(
                    at: now,
                    actor: "agent:\(agentID)",
                    action: "plan.reported",
                    target: "plan:\(planID)",
                    details: try Self.json(["host": hostID, "outcome": outcome, "digest": digest])
                ),
                db
            )
            return true
        }
    }

    /// Whether a report waits for its rollout's tick: a final report of a rollout task's plan
    /// (`RO-…`); interim reports and reports of plans outside rollouts are applied on arrival.
    static func awaitsRolloutTick(planID: String, outcome: String) -> Bool {
        planID.hasPrefix("RO-") && outcome != "in-progress"
    }
}

extension SQLiteStorage {
    /// The most reports ``recentPlanDurations(limit:)`` reads.
    static let maximumDurationSample = 5000
    /// The longest plan worth a measurement (as `taskMinutes` allows): longer is a stuck agent.
    static let longestPlanSeconds: Int64 = 7 * 86_400

    public func recentPlanDurations(limit: Int) async throws -> [TimeInterval] {
        let limit = min(max(0, limit), Self.maximumDurationSample)
        guard limit > 0 else { return [] }
        return try await pool.read { db in
            // Newest first by rowid (reports are appended as they arrive), so the scan stops after
            // `limit` completed ones; step times are the agent's Unix seconds.
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT r.received_at AS received,
                        (SELECT MIN(json_extract(s.value, '$.startedAt')) FROM json_each(r.report, '$.steps') AS s
                         WHERE json_type(s.value, '$.startedAt') = 'integer') AS started,
                        (SELECT MAX(json_extract(s.value, '$.endedAt')) FROM json_each(r.report, '$.steps') AS s
                         WHERE json_type(s.value, '$.endedAt') = 'integer') AS ended
                    FROM plan_reports AS r
                    WHERE r.outcome = 'completed' AND json_valid(r.report)
                    ORDER BY r.rowid DESC
                    LIMIT ?
                    """,
                arguments: [limit]
            )
            return rows.compactMap { row -> TimeInterval? in
                guard let started: Int64 = row["started"], let ended: Int64 = row["ended"],
                    let receivedMillis: Int64 = row["received"]
                else { return nil }
                let received = receivedMillis / 1000
                // Plausible only: started after 1970 and at most a week (and a day of clock skew)
                // before the report arrived, ended before it arrived (give or take an hour of skew),
                // not before it started, within a week.
                guard started > 0, started >= received - Self.longestPlanSeconds - 86_400,
                    ended <= received + 3600, ended >= started, ended - started <= Self.longestPlanSeconds
                else { return nil }
                return TimeInterval(ended - started)
            }
        }
    }
}
