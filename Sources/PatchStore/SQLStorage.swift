import ChangeControl
import FleetModel
import Foundation

/// The store: every ``PatchStorage`` operation as SQL over an ``SQLEngine`` — the embedded SQLite
/// file (the default) or a PostgreSQL database shared by several server replicas.
public final class SQLStorage: PatchStorage {
    let engine: any SQLEngine
    /// Decoded plans of recent rollouts (immutable once stored).
    let rolloutPlans = RolloutPlanCache()
    /// Catalog ids of known, correlated packages (see ``CatalogIDCache``).
    let catalogIDs = CatalogIDCache()
    /// When this process last forgot expired nonces.
    let noncePruning = NoncePruning()

    init(engine: any SQLEngine) { self.engine = engine }

    /// Opens (creating if needed) the SQLite database at `path` and migrates it to the current schema.
    public convenience init(path: String) throws {
        self.init(engine: try SQLiteEngine(path: path))
    }

    /// Opens the PostgreSQL database at `url` (connecting, and migrating its schema under an
    /// advisory lock). Fails with ``StoreError/Code-swift.struct/unavailable`` and a message naming
    /// the server (never the password) when it cannot be reached or its schema is newer than this binary.
    public static func postgres(
        url: PostgresDatabaseURL,
        connections: Int = 8,
        stalledTransactionSeconds: Int = 15
    ) async throws -> SQLStorage {
        var configuration = PostgresEngine.Configuration()
        configuration.connections = max(1, min(connections, 1000))
        configuration.stalledTransactionSeconds = max(1, min(stalledTransactionSeconds, 3600))
        return SQLStorage(engine: try await PostgresEngine.open(url: url, configuration: configuration))
    }

    public func close() async { await engine.close() }

    public func ping() async throws {
        _ = try await engine.read { db in try Int.fetchOne(db, sql: "SELECT 1") }
    }

    public func subscribe(to change: StoreChange) -> ChangeSubscription { engine.subscribe(to: change) }

    /// The engine's dialect, for the few statements the engines spell differently.
    var dialect: SQLDialect { engine.dialect }

    /// Runs `body` in a write transaction with the caller's ``AuditContext`` (task-locals do not
    /// cross into the engine's connection thread by themselves), so events written inside carry it.
    func write<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) throws -> T) async throws -> T {
        let context = AuditContext.current
        return try await engine.write { db in
            try AuditContext.$current.withValue(context) { try body(db) }
        }
    }

    /// Whether `error` is a UNIQUE or PRIMARY KEY violation on this store's engine.
    func isUniqueViolation(_ error: any Error) -> Bool { engine.isUniqueViolation(error) }

    // MARK: Events

    public func appendEvent(_ event: EventRecord) async throws {
        try await write { db in try Self.insertEvent(event, db) }
    }

    public func events(limit: Int, offset: Int = 0) async throws -> [EventRecord] {
        try await engine.read { db in
            try SQLRow.fetchAll(
                db,
                sql: "SELECT * FROM events ORDER BY id DESC LIMIT ? OFFSET ?",
                arguments: [limit, offset]
            ).map {
                EventRecord(
                    id: $0["id"],
                    at: Self.date($0["at"]),
                    actor: $0["actor"],
                    action: $0["action"],
                    target: $0["target"],
                    details: $0["details"]
                )
            }
        }
    }

    public func eventPage(limit: Int, before: Int64?, offset: Int) async throws -> (events: [EventRecord], total: Int) {
        let limit = max(0, min(limit, 10_000))
        let offset = max(0, offset)
        return try await engine.read { db in
            let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM events") ?? 0
            let rows = try SQLRow.fetchAll(
                db,
                sql: "SELECT * FROM events WHERE id < ? ORDER BY id DESC LIMIT ? OFFSET ?",
                arguments: [before ?? Int64.max, limit, offset]
            )
            let events = rows.map {
                EventRecord(
                    id: $0["id"],
                    at: Self.date($0["at"]),
                    actor: $0["actor"],
                    action: $0["action"],
                    target: $0["target"],
                    details: $0["details"]
                )
            }
            return (events, total)
        }
    }

    /// Appends an event to the hash chain: stamped with the current ``AuditContext`` and linked to
    /// the hash of the last event. Runs inside the caller's write transaction, so the chain and the
    /// change it records commit together.
    static func insertEvent(_ event: EventRecord, _ db: any SQLSession) throws {
        let context = AuditContext.current
        // The id is the head's + 1, not the engine's sequence: ids stay gap-free (the verifier
        // reads a gap as a deleted event) even where an aborted transaction used a sequence value
        // (PostgreSQL). Both engines serialize writers, so two appends never read the same head.
        db.willAppendAudit()
        let head = try SQLRow.fetchOne(db, sql: "SELECT id, hash FROM events ORDER BY id DESC LIMIT 1")
        let previous: String? = head.map { $0["hash"] }
        let id: Int64 = head.map { $0["id"] + 1 } ?? 1
        let sealed = AuditChain.seal(
            AuditEvent(
                at: date(millis(event.at)),
                actor: event.actor,
                action: event.action,
                target: event.target,
                details: event.details,
                requestID: context?.requestID,
                elevationID: context?.elevationID
            ),
            after: previous ?? AuditChain.genesis
        )
        try db.execute(
            sql: """
                INSERT INTO events (id, at, actor, action, target, details, request_id, elevation_id, prev_hash, hash)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                id, sealed.atMilliseconds, sealed.actor, sealed.action, sealed.target, sealed.details, sealed.requestID,
                sealed.elevationID, sealed.previousHash, sealed.hash,
            ]
        )
        context?.written.increment()
    }

    // MARK: Time and JSON helpers

    /// Milliseconds since 1970, saturated at ±8.64e15 (±100 million days, the ECMAScript range): a
    /// date from outside can never make the conversion trap.
    static func millis(_ date: Date) -> Int64 {
        let value = (date.timeIntervalSince1970 * 1000).rounded()
        guard value.isFinite else { return value.isNaN ? 0 : (value < 0 ? -maximumMillis : maximumMillis) }
        return Int64(min(max(value, -Double(maximumMillis)), Double(maximumMillis)))
    }
    /// The largest magnitude ``millis(_:)`` returns.
    static let maximumMillis: Int64 = 8_640_000_000_000_000
    static func millis(_ date: Date?) -> Int64? { date.map { millis($0) } }
    static func date(_ millis: Int64) -> Date { Date(timeIntervalSince1970: Double(millis) / 1000) }
    static func date(_ millis: Int64?) -> Date? { millis.map { date($0) } }

    static func json<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static func decode<T: Decodable>(_ type: T.Type, _ text: String, what: String) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: Data(text.utf8))
        } catch {
            throw StoreError(code: .invalidData, message: "stored \(what) is not valid: \(error)")
        }
    }
}
