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
                    INSERT OR IGNORE INTO plan_reports (host_id, plan_id, digest, outcome, received_at, report)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """,
                arguments: [hostID, planID, digest, outcome, Self.millis(now), report]
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
}
