import ChangeControl
import Foundation

extension SQLStorage {
    static func auditEvent(_ row: SQLRow) -> AuditEvent {
        AuditEvent(
            id: row["id"],
            at: date(row["at"] as Int64),
            actor: row["actor"],
            action: row["action"],
            target: row["target"],
            details: row["details"],
            requestID: row["request_id"],
            elevationID: row["elevation_id"],
            previousHash: row["prev_hash"] ?? "",
            hash: row["hash"] ?? ""
        )
    }

    public func auditEvents(afterID: Int64, since: Date?, target: String?, limit: Int) async throws -> [AuditEvent] {
        try await engine.read { db in
            var sql = "SELECT * FROM events WHERE id > ?"
            var arguments: SQLArguments = [afterID]
            if let since {
                sql += " AND at >= ?"
                arguments.append(contentsOf: [Self.millis(since)])
            }
            if let target {
                sql += " AND target = ?"
                arguments.append(contentsOf: [target])
            }
            sql += " ORDER BY id LIMIT ?"
            arguments.append(contentsOf: [limit])
            return try SQLRow.fetchAll(db, sql: sql, arguments: arguments).map(Self.auditEvent)
        }
    }

    public func auditEvents(_ query: AuditEventQuery) async throws -> (events: [AuditEvent], total: Int) {
        var conditions: [String] = []
        var arguments: [SQLValue] = []
        for (column, pattern) in [("actor", query.actor), ("action", query.action), ("target", query.target)] {
            guard let pattern, !pattern.isEmpty else { continue }
            if pattern.hasSuffix("*") {
                // A prefix, compared exactly (LIKE differs in case and escapes between the engines).
                let prefix = String(pattern.dropLast())
                conditions.append("SUBSTR(\(column), 1, \(prefix.unicodeScalars.count)) = ?")
                arguments.append(prefix.sqlValue)
            } else {
                conditions.append("\(column) = ?")
                arguments.append(pattern.sqlValue)
            }
        }
        if let from = query.from {
            conditions.append("at >= ?")
            arguments.append(Self.millis(from).sqlValue)
        }
        if let to = query.to {
            conditions.append("at < ?")
            arguments.append(Self.millis(to).sqlValue)
        }
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let limit = max(0, min(query.limit, 1000))
        let offset = max(0, query.offset)
        let filter = SQLArguments(arguments)
        return try await engine.read { db in
            let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM events \(whereClause)", arguments: filter) ?? 0
            let rows = try SQLRow.fetchAll(
                db,
                sql: "SELECT * FROM events \(whereClause) ORDER BY id DESC LIMIT \(limit) OFFSET \(offset)",
                arguments: filter
            )
            return (rows.map(Self.auditEvent), total)
        }
    }

    public func auditCheckpoints() async throws -> [AuditCheckpoint] {
        try await engine.read { db in
            try SQLRow.fetchAll(db, sql: "SELECT * FROM audit_checkpoints ORDER BY event_id").map {
                AuditCheckpoint(
                    eventID: $0["event_id"],
                    headHash: $0["head_hash"],
                    signedAt: Self.date($0["signed_at"] as Int64),
                    signature: $0["signature"]
                )
            }
        }
    }

    public func sealAuditHead(
        now: Date,
        fence: LeaseGrant?,
        sign: @escaping @Sendable (_ eventID: Int64, _ hash: String, _ at: Date) throws -> AuditCheckpoint
    ) async throws -> AuditCheckpoint? {
        try await write { db in
            try Self.checkLease(fence, db)
            guard let head = try SQLRow.fetchOne(db, sql: "SELECT id, hash FROM events ORDER BY id DESC LIMIT 1") else {
                return nil
            }
            let eventID: Int64 = head["id"]
            let sealed = try Int64.fetchOne(db, sql: "SELECT MAX(event_id) FROM audit_checkpoints") ?? 0
            guard eventID > sealed else { return nil }
            let checkpoint = try sign(eventID, head["hash"], Self.date(Self.millis(now)))
            try db.execute(
                sql: "INSERT INTO audit_checkpoints (event_id, head_hash, signed_at, signature) VALUES (?, ?, ?, ?)",
                arguments: [
                    checkpoint.eventID, checkpoint.headHash, Self.millis(checkpoint.signedAt), checkpoint.signature,
                ]
            )
            return checkpoint
        }
    }
}
