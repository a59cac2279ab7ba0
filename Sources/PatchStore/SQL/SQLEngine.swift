/// A database the storage runs its transactions on: SQLite through GRDB (``SQLiteEngine``) or
/// PostgreSQL through PostgresNIO (``PostgresEngine``). Both give the storage the same guarantees:
/// a read sees one consistent snapshot; writes are serializable (SQLite has one writer; PostgreSQL
/// runs them SERIALIZABLE and retries a transaction that lost a conflict), so a read-modify-write
/// inside one `write` is safe on both — and `write` bodies must be safe to run again.
protocol SQLEngine: Sendable {
    /// The dialect of the sessions this engine hands out.
    var dialect: SQLDialect { get }
    /// Runs `body` on a read-only snapshot.
    func read<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) throws -> T) async throws -> T
    /// Runs `body` in a write transaction, committed when it returns.
    func write<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) throws -> T) async throws -> T
    /// A small, frequent write (a check-in) that the engine may commit together with others that
    /// arrive at the same time; `body` runs in a savepoint of its own, so a failure is undone alone.
    func batchedWrite<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) throws -> T) async throws -> T
    /// Housekeeping that must never conflict with the serializable writes (deleting expired rows):
    /// a short transaction at READ COMMITTED on PostgreSQL, outside the writer lock; a plain write
    /// on SQLite. `body` must be correct at that isolation (single idempotent statements).
    func housekeeping<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) throws -> T) async throws -> T
    /// Hears of `change` each time a committed write announced it (``SQLSession/announce(_:)``),
    /// in any process sharing the database.
    func subscribe(to change: StoreChange) -> ChangeSubscription
    /// Releases connections and threads.
    func close() async
    /// Whether `error` is a UNIQUE or PRIMARY KEY violation.
    func isUniqueViolation(_ error: any Error) -> Bool
}
