import Foundation

extension SQLStorage {
    public func queuePlan(
        hostID: String,
        planID: String,
        actor: String,
        now: Date,
        sign: @escaping @Sendable (Int64) throws -> String
    ) async throws -> Int64? {
        try await write { db -> Int64? in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM host_plans WHERE plan_id = ?", arguments: [planID]) == true {
                return nil
            }
            let sequence =
                (try Int64.fetchOne(
                    db,
                    sql: "SELECT MAX(sequence) FROM host_plans WHERE host_id = ?",
                    arguments: [hostID]
                )
                    ?? 0) + 1
            let signed = try sign(sequence)
            try db.execute(
                sql: """
                    INSERT INTO host_plans (host_id, sequence, plan_id, signed_plan, created_at, created_by)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """,
                arguments: [hostID, sequence, planID, signed, Self.millis(now), actor]
            )
            try Self.insertEvent(
                EventRecord(
                    at: now,
                    actor: actor,
                    action: "plan.queued",
                    target: "host:\(hostID)",
                    details: try Self.json(["plan": planID, "sequence": String(sequence)])
                ),
                db
            )
            return sequence
        }
    }

    public func pendingPlan(hostID: String, now: Date) async throws -> String? {
        try await write { db in
            guard
                let row = try SQLRow.fetchOne(
                    db,
                    sql: """
                        SELECT p.plan_id, p.signed_plan FROM host_plans p
                        WHERE p.host_id = ? AND p.cancelled_at IS NULL
                          AND NOT EXISTS (
                              SELECT 1 FROM plan_reports r
                              WHERE r.plan_id = p.plan_id AND r.host_id = p.host_id AND r.outcome <> 'in-progress'
                          )
                        ORDER BY p.sequence DESC LIMIT 1
                        """,
                    arguments: [hostID]
                )
            else { return nil }
            let planID: String = row["plan_id"]
            try db.execute(
                sql: "UPDATE host_plans SET delivered_at = COALESCE(delivered_at, ?) WHERE plan_id = ?",
                arguments: [Self.millis(now), planID]
            )
            return row["signed_plan"]
        }
    }

    public func cancelUndeliveredPlans(
        _ planIDs: [String],
        reason: String,
        actor: String,
        now: Date
    ) async throws -> [String] {
        guard !planIDs.isEmpty else { return [] }
        return try await write { db in
            var cancelled: [String] = []
            for planID in planIDs {
                try db.execute(
                    sql: """
                        UPDATE host_plans SET cancelled_at = ?
                        WHERE plan_id = ? AND delivered_at IS NULL AND cancelled_at IS NULL
                        """,
                    arguments: [Self.millis(now), planID]
                )
                guard db.changesCount == 1 else { continue }
                cancelled.append(planID)
                try Self.insertEvent(
                    EventRecord(
                        at: now,
                        actor: actor,
                        action: "plan.cancelled",
                        target: "plan:\(planID)",
                        details: try Self.json(["reason": reason])
                    ),
                    db
                )
            }
            return cancelled
        }
    }
}
