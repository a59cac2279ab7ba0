import Foundation

extension SQLStorage {
    public func sharedKey(named name: String, now: Date, generate: @Sendable () -> [UInt8]) async throws -> [UInt8] {
        let candidate = Data(generate()).base64EncodedString()
        return try await write { db in
            try db.execute(
                sql: "INSERT INTO server_keys (name, material, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                arguments: [name, candidate, Self.millis(now)]
            )
            if db.changesCount == 1 {
                try Self.insertEvent(
                    EventRecord(
                        at: now,
                        actor: "system",
                        action: "server.key.created",
                        target: "key:\(name)",
                        details: "{}"
                    ),
                    db
                )
            }
            guard
                let text = try String.fetchOne(
                    db,
                    sql: "SELECT material FROM server_keys WHERE name = ?",
                    arguments: [name]
                ),
                let material = Data(base64Encoded: text)
            else { throw StoreError(code: .invalidData, message: "stored key '\(name)' is not base64") }
            return Array(material)
        }
    }
}
