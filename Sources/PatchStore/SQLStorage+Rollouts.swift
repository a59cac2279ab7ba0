import Foundation
import RolloutEngine
import Synchronization

extension SQLStorage {
    public func createRollout(
        _ rollout: Rollout,
        events: [EventRecord],
        outbox: [OutboxMessage],
        now: Date
    ) async throws {
        let plans = rolloutPlans
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
                sql: """
                    INSERT INTO rollouts (id, change_id, state, created_at, updated_at, body, plan)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    rollout.id, rollout.changeID, rollout.state.rawValue, Self.millis(now), Self.millis(now),
                    try Self.json(rollout.progress), try Self.json(rollout.plan),
                ]
            )
            try Self.insertTasks(of: rollout, db)
            for event in events { try Self.insertEvent(event, db) }
            try Self.enqueueOutbox(outbox, now: now, db)
            try db.announce(.rollout(rollout.id))
        }
        plans.keep(rollout.plan, for: rollout.id)
    }

    public func updateRollout(
        id: String,
        applying reports: [StoredPlanReport],
        fence: LeaseGrant?,
        outbox: [OutboxMessage],
        _ body: @escaping @Sendable (inout Rollout) throws -> [EventRecord]
    ) async throws -> Rollout {
        let plans = rolloutPlans
        return try await write { db in
            // A tick whose lease another replica has since claimed acts on a stale read: refused.
            try Self.checkRolloutTick(fence, db)
            guard var rollout = try Self.loadRollout(id: id, db, plans: plans) else {
                throw StoreError(code: .notFound, message: "no rollout with id '\(id)'")
            }
            let before = rollout
            let events = try body(&rollout)
            guard !events.isEmpty || !reports.isEmpty else { return rollout }
            // The plan is written once, at the start; only progress and tasks are written here.
            guard rollout.id == before.id else {
                throw StoreError(code: .invalidData, message: "rollout \(id) cannot change its id")
            }
            let updated: Date = events.map(\.at).max() ?? reports.map(\.receivedAt).max() ?? Date()
            try db.cachedStatement(sql: "UPDATE rollouts SET state = ?, updated_at = ?, body = ? WHERE id = ?")
                .execute(arguments: [
                    rollout.state.rawValue, Self.millis(updated), try Self.json(rollout.progress), id,
                ])
            try Self.writeTaskChanges(from: before, to: rollout, db)
            let applied = try db.cachedStatement(
                sql: "UPDATE plan_reports SET applied_at = ? WHERE plan_id = ? AND digest = ? AND applied_at IS NULL"
            )
            for report in reports {
                try applied.execute(arguments: [Self.millis(updated), report.planID, report.digest])
            }
            for event in events { try Self.insertEvent(event, db) }
            try Self.enqueueOutbox(outbox, now: updated, db)
            try db.announce(.rollout(id))
            return rollout
        }
    }

    public func unappliedPlanReports(rolloutID: String) async throws -> [StoredPlanReport] {
        try await engine.read { db in
            try SQLRow.fetchAll(
                db.cachedStatement(
                    sql: """
                        SELECT plan_id, digest, host_id, outcome, report, received_at FROM plan_reports
                        WHERE applied_at IS NULL AND plan_id >= ? AND plan_id < ?
                        ORDER BY received_at, plan_id
                        """
                ),
                arguments: [rolloutID + "-", rolloutID + "."]
            ).map {
                StoredPlanReport(
                    planID: $0["plan_id"],
                    digest: $0["digest"],
                    hostID: $0["host_id"],
                    outcome: $0["outcome"],
                    report: $0["report"],
                    receivedAt: Self.date($0["received_at"] as Int64)
                )
            }
        }
    }

    public func tickableRolloutIDs() async throws -> [String] {
        try await engine.read { db in
            // Any other rollout (paused, finished) only to apply or refuse reports that arrived.
            try String.fetchAll(
                db,
                sql: """
                    SELECT id FROM rollouts r
                    WHERE state IN ('running', 'rolling-back')
                        OR EXISTS (
                            SELECT 1 FROM plan_reports p
                            WHERE p.applied_at IS NULL AND p.plan_id >= r.id || '-' AND p.plan_id < r.id || '.'
                        )
                    ORDER BY created_at, id
                    """
            )
        }
    }

    public func rollout(id: String) async throws -> Rollout? {
        let plans = rolloutPlans
        return try await engine.read { db in try Self.loadRollout(id: id, db, plans: plans) }
    }

    public func rollouts(activeOnly: Bool, limit: Int) async throws -> [Rollout] {
        try await rolloutPage(activeOnly: activeOnly, limit: limit, offset: 0).rollouts
    }

    public func rolloutPage(activeOnly: Bool, limit: Int, offset: Int) async throws -> RolloutPage {
        let plans = rolloutPlans
        return try await engine.read { db in
            let condition =
                activeOnly ? "WHERE state IN ('running', 'rolling-back', 'paused', 'awaiting-approval', 'pending')" : ""
            let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM rollouts \(condition)") ?? 0
            let rollouts = try String.fetchAll(
                db,
                sql: "SELECT id FROM rollouts \(condition) ORDER BY created_at DESC, id LIMIT ? OFFSET ?",
                arguments: [max(0, limit), max(0, offset)]
            ).compactMap { try Self.loadRollout(id: $0, db, plans: plans) }
            return RolloutPage(rollouts: rollouts, total: total)
        }
    }

    public func planReports(planIDs: [String]) async throws -> [String: (outcome: String, report: String)] {
        guard !planIDs.isEmpty else { return [:] }
        return try await engine.read { db in
            var result: [String: (outcome: String, report: String)] = [:]
            for chunk in stride(from: 0, to: planIDs.count, by: 500).map({
                Array(planIDs[$0..<min($0 + 500, planIDs.count)])
            }) {
                let rows = try SQLRow.fetchAll(
                    db,
                    sql:
                        """
                        SELECT r.plan_id, r.outcome, r.report FROM plan_reports r
                        JOIN host_plans p ON p.plan_id = r.plan_id AND p.host_id = r.host_id
                        WHERE r.plan_id IN (\(chunk.map { _ in "?" }.joined(separator: ",")))
                        """,
                    arguments: SQLArguments(chunk)
                )
                for row in rows { result[row["plan_id"]] = (row["outcome"], row["report"]) }
            }
            return result
        }
    }

    public func planExists(id: String) async throws -> Bool {
        try await engine.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM host_plans WHERE plan_id = ?", arguments: [id]) ?? 0 > 0
        }
    }
}

// MARK: Rows

extension SQLStorage {
    /// Who leases tasks in this process (the next engine's replicas tell theirs apart by it).
    static let leaseOwner = "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier)"

    /// A stored rollout: its progress document, its plan (decoded once per process) and its tasks.
    static func loadRollout(id: String, _ db: any SQLSession, plans: RolloutPlanCache) throws -> Rollout? {
        guard
            let text = try String.fetchOne(
                db.cachedStatement(sql: "SELECT body FROM rollouts WHERE id = ?"),
                arguments: [id]
            )
        else { return nil }
        let progress = try decode(Rollout.Progress.self, text, what: "rollout \(id)")
        let plan: RolloutPlan
        if let cached = plans.plan(for: id) {
            plan = cached
        } else {
            let planText =
                try String.fetchOne(db, sql: "SELECT plan FROM rollouts WHERE id = ?", arguments: [id]) ?? ""
            plan = try decode(RolloutPlan.self, planText, what: "plan of rollout \(id)")
            plans.keep(plan, for: id)
        }
        var tasks: [HostTask] = []
        var rollbackTasks: [HostTask] = []
        let rows = try SQLRow.fetchCursor(
            db.cachedStatement(
                sql: """
                    SELECT rollback, host_id, wave, state, attempt, plan_id, lease_expires_at, not_before, reason, outcome
                    FROM rollout_tasks WHERE rollout_id = ? ORDER BY rollback, position
                    """
            ),
            arguments: [id]
        )
        while let row = try rows.next() {
            var task = HostTask(hostID: row[1], wave: row[2], notBefore: date(row[7] as Int64))
            let state: String = row[3]
            guard let parsed = HostTask.State(rawValue: state) else {
                throw StoreError(code: .invalidData, message: "rollout \(id): task state '\(state)' is unknown")
            }
            task.state = parsed
            task.attempt = row[4]
            task.planID = row[5]
            task.leaseExpiresAt = date(row[6] as Int64?)
            task.reason = row[8]
            if let outcome = row[9] as String? {
                guard let parsed = HostTask.Outcome(rawValue: outcome) else {
                    throw StoreError(code: .invalidData, message: "rollout \(id): task outcome '\(outcome)' is unknown")
                }
                task.outcome = parsed
            }
            if (row[0] as Int) == 0 { tasks.append(task) } else { rollbackTasks.append(task) }
        }
        do {
            return try Rollout(plan: plan, progress: progress, tasks: tasks, rollbackTasks: rollbackTasks)
        } catch let error as RolloutEngineError {
            throw StoreError(code: .invalidData, message: "stored rollout \(id) is not valid: \(error.description)")
        }
    }

    /// Writes every task of a new rollout.
    static func insertTasks(of rollout: Rollout, _ db: any SQLSession) throws {
        let insert = try db.cachedStatement(sql: upsertTaskSQL)
        for (position, task) in rollout.tasks.enumerated() {
            try insert.execute(arguments: taskArguments(rollout.id, rollback: false, position, task))
        }
        for (position, task) in rollout.rollbackTasks.enumerated() {
            try insert.execute(arguments: taskArguments(rollout.id, rollback: true, position, task))
        }
    }

    /// Writes only the tasks that changed: a tick that leases ten hosts of 100,000 writes ten rows.
    static func writeTaskChanges(from before: Rollout, to after: Rollout, _ db: any SQLSession) throws {
        guard before.tasks.count == after.tasks.count else {
            throw StoreError(code: .invalidData, message: "rollout \(after.id): its tasks cannot be added or removed")
        }
        let update = try db.cachedStatement(
            sql: """
                UPDATE rollout_tasks SET state = ?, attempt = ?, plan_id = ?, lease_owner = ?, lease_expires_at = ?,
                    not_before = ?, reason = ?, outcome = ?
                WHERE rollout_id = ? AND rollback = 0 AND position = ?
                """
        )
        for position in after.tasks.indices where after.tasks[position] != before.tasks[position] {
            let task = after.tasks[position]
            try update.execute(arguments: [
                task.state.rawValue, task.attempt, task.planID, task.state == .leased ? leaseOwner : nil,
                millis(task.leaseExpiresAt), millis(task.notBefore), task.reason, task.outcome?.rawValue,
                after.id, position,
            ])
        }
        guard after.rollbackTasks != before.rollbackTasks else { return }
        let upsert = try db.cachedStatement(sql: upsertTaskSQL)
        for (position, task) in after.rollbackTasks.enumerated()
        where position >= before.rollbackTasks.count || before.rollbackTasks[position] != task {
            try upsert.execute(arguments: taskArguments(after.id, rollback: true, position, task))
        }
        try db.execute(
            sql: "DELETE FROM rollout_tasks WHERE rollout_id = ? AND rollback = 1 AND position >= ?",
            arguments: [after.id, after.rollbackTasks.count]
        )
    }

    private static let upsertTaskSQL = """
        INSERT INTO rollout_tasks (rollout_id, rollback, position, host_id, wave, state, attempt, plan_id,
            lease_owner, lease_expires_at, not_before, reason, outcome)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (rollout_id, rollback, position) DO UPDATE SET host_id = excluded.host_id, wave = excluded.wave,
            state = excluded.state, attempt = excluded.attempt, plan_id = excluded.plan_id,
            lease_owner = excluded.lease_owner, lease_expires_at = excluded.lease_expires_at,
            not_before = excluded.not_before, reason = excluded.reason, outcome = excluded.outcome
        """

    private static func taskArguments(
        _ id: String,
        rollback: Bool,
        _ position: Int,
        _ task: HostTask
    )
        -> SQLArguments
    {
        [
            id, rollback ? 1 : 0, position, task.hostID, task.wave, task.state.rawValue, task.attempt, task.planID,
            task.state == .leased ? leaseOwner : nil, millis(task.leaseExpiresAt), millis(task.notBefore), task.reason,
            task.outcome?.rawValue,
        ]
    }
}

/// Decoded plans of recent rollouts. A plan never changes once its rollout started, and a tick of
/// a 100,000-host rollout should not decode megabytes of JSON every few seconds.
final class RolloutPlanCache: Sendable {
    private let plans = Mutex<[String: RolloutPlan]>([:])
    private let capacity = 16

    func plan(for id: String) -> RolloutPlan? { plans.withLock { $0[id] } }

    func keep(_ plan: RolloutPlan, for id: String) {
        plans.withLock { plans in
            if plans.count >= capacity, plans[id] == nil { plans.removeAll(keepingCapacity: true) }
            plans[id] = plan
        }
    }
}
