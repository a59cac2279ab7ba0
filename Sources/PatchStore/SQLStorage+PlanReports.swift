import Foundation

extension SQLStorage {
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
                    INSERT INTO plan_reports (host_id, plan_id, digest, outcome, received_at, report, applied_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING
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

extension SQLStorage {
    /// The most reports ``recentPlanDurations(limit:)`` reads.
    static let maximumDurationSample = 5000
    /// The longest plan worth a measurement (as `taskMinutes` allows): longer is a stuck agent.
    static let longestPlanSeconds: Int64 = 7 * 86_400

    public func recentPlanDurations(limit: Int) async throws -> [TimeInterval] {
        let limit = min(max(0, limit), Self.maximumDurationSample)
        guard limit > 0 else { return [] }
        return try await engine.read { db in
            // Newest first in arrival order (SQLite's rowid, PostgreSQL's sequence column), so the
            // scan stops after `limit` completed ones; step times are the agent's Unix seconds.
            let rows = try SQLRow.fetchAll(
                db,
                sql: db.dialect == .postgres ? Self.recentDurationsPostgresSQL : Self.recentDurationsSQLiteSQL,
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

    static let recentDurationsSQLiteSQL = """
        SELECT r.received_at AS received,
            (SELECT MIN(json_extract(s.value, '$.startedAt')) FROM json_each(r.report, '$.steps') AS s
             WHERE json_type(s.value, '$.startedAt') = 'integer') AS started,
            (SELECT MAX(json_extract(s.value, '$.endedAt')) FROM json_each(r.report, '$.steps') AS s
             WHERE json_type(s.value, '$.endedAt') = 'integer') AS ended
        FROM plan_reports AS r
        WHERE r.outcome = 'completed' AND json_valid(r.report)
        ORDER BY r.rowid DESC
        LIMIT ?
        """

    /// The same on PostgreSQL: only whole numbers that fit 64 bits count (as SQLite's 'integer').
    static let recentDurationsPostgresSQL = """
        SELECT r.received_at AS received,
            (SELECT MIN((s->>'startedAt')::bigint) FROM jsonb_array_elements(steps.list) AS s
             WHERE jsonb_typeof(s->'startedAt') = 'number' AND (s->>'startedAt') ~ '^-?[0-9]{1,18}$') AS started,
            (SELECT MAX((s->>'endedAt')::bigint) FROM jsonb_array_elements(steps.list) AS s
             WHERE jsonb_typeof(s->'endedAt') = 'number' AND (s->>'endedAt') ~ '^-?[0-9]{1,18}$') AS ended
        FROM plan_reports AS r,
            LATERAL (SELECT CASE WHEN jsonb_typeof(r.report::jsonb->'steps') = 'array'
                THEN r.report::jsonb->'steps' ELSE '[]'::jsonb END AS list) AS steps
        WHERE r.outcome = 'completed'
        ORDER BY r.sequence DESC
        LIMIT ?
        """
}
