import Foundation
import Logging
import PostgresNIO

/// Brings a PostgreSQL database to ``PostgresSchema/currentVersion``, once, when several replicas
/// start together: the first takes a session advisory lock and migrates; the others wait for the
/// lock, then find nothing left to do. A binary older than the database's schema refuses to run.
extension PostgresEngine {
    /// The advisory lock key (an arbitrary constant: "PatchPil" in ASCII).
    static let migrationLockKey: Int64 = 0x5061_7463_6850_696C

    func migrate() async throws {
        // READ COMMITTED: after waiting for the lock, the next statement sees what the replica
        // that held it committed (a SERIALIZABLE snapshot would predate it).
        try await transaction("BEGIN ISOLATION LEVEL READ COMMITTED") { db in
            try db.execute(sql: "SELECT pg_advisory_xact_lock(?)", arguments: [Self.migrationLockKey])
            try db.execute(
                sql: """
                    CREATE TABLE IF NOT EXISTS patchpilot_schema (
                        version BIGINT PRIMARY KEY,
                        applied_at BIGINT NOT NULL
                    )
                    """
            )
            let applied = try Int64.fetchOne(db, sql: "SELECT MAX(version) FROM patchpilot_schema") ?? 0
            guard applied <= PostgresSchema.currentVersion else {
                throw StoreError(
                    code: .unavailable,
                    message: """
                        the database schema is at version \(applied) but this patchpilot knows versions up to \
                        \(PostgresSchema.currentVersion): a newer patchpilot migrated it; run that version
                        """
                )
            }
            guard applied < PostgresSchema.currentVersion else { return }
            for version in (applied + 1)...PostgresSchema.currentVersion {
                for statement in Self.statements(PostgresSchema.migrations[Int(version) - 1]) {
                    try db.execute(sql: statement)
                }
                try db.execute(
                    sql: "INSERT INTO patchpilot_schema (version, applied_at) VALUES (?, ?)",
                    arguments: [version, SQLStorage.millis(Date())]
                )
            }
        }
    }

    /// Splits a script into statements at semicolons outside quotes and `$$` bodies.
    static func statements(_ script: String) -> [String] {
        var statements: [String] = []
        var current = ""
        var inQuote = false
        var inDollar = false
        var previous: Character?
        for character in script {
            current.append(character)
            if character == "'" && !inDollar { inQuote.toggle() }
            if character == "$" && previous == "$" && !inQuote {
                inDollar.toggle()
                previous = nil
                continue
            }
            if character == ";" && !inQuote && !inDollar {
                current.removeLast()
                let statement = current.trimmingCharacters(in: .whitespacesAndNewlines)
                if !statement.isEmpty { statements.append(statement) }
                current = ""
            }
            previous = character
        }
        let last = current.trimmingCharacters(in: .whitespacesAndNewlines)
        if !last.isEmpty { statements.append(last) }
        return statements
    }
}
