import Foundation

extension SQLStorage {
    public func currentPolicy() async throws -> PolicyVersion? {
        try await engine.read { db in
            guard let row = try SQLRow.fetchOne(db, sql: "SELECT * FROM policy_versions ORDER BY id DESC LIMIT 1")
            else {
                return nil
            }
            return PolicyVersion(
                version: row["id"],
                appliedAt: Self.date(row["applied_at"] as Int64),
                actor: row["actor"],
                reason: row["reason"],
                files: try Self.decode([PolicyFile].self, row["files"], what: "policy files")
            )
        }
    }

    public func applyPolicy(
        files: [PolicyFile],
        actor: String,
        reason: String,
        changes: [String],
        now: Date
    ) async throws
        -> PolicyVersion
    {
        let encoded = try Self.json(files)
        let id = try await write { db -> Int64 in
            let id = try db.insertReturningID(
                sql: "INSERT INTO policy_versions (applied_at, actor, reason, files) VALUES (?, ?, ?, ?) RETURNING id",
                arguments: [Self.millis(now), actor, reason, encoded]
            )
            try Self.insertEvent(
                EventRecord(
                    at: now,
                    actor: actor,
                    action: "policy.applied",
                    target: "policy:\(id)",
                    details: try Self.json(PolicyEventDetails(reason: reason, changes: changes))
                ),
                db
            )
            return id
        }
        return PolicyVersion(version: id, appliedAt: now, actor: actor, reason: reason, files: files)
    }
}

private struct PolicyEventDetails: Encodable {
    var reason: String
    var changes: [String]
}
