import Foundation
import GRDB

/// The embedded engine: one SQLite file in WAL mode through GRDB — readers in parallel, one writer,
/// check-ins committed in groups (``SQLiteGroupCommit``). Announced changes reach this process's
/// subscribers after the commit (one process owns the file).
final class SQLiteEngine: SQLEngine {
    let pool: DatabasePool
    let changes = ChangeHub()
    private let checkIns: SQLiteGroupCommit

    /// Opens (creating if needed) the database at `path` and migrates it to the current schema.
    init(path: String) throws {
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        let migrator = SQLiteMigrations.migrator()
        let unknown: [String]
        do {
            // Owner-only before SQLite opens it: the WAL and shared-memory files take its mode.
            if path != ":memory:" {
                try OwnerOnlyFile.prepare(path)
                for companion in ["-wal", "-shm"] { try OwnerOnlyFile.restrict(path + companion) }
            }
            pool = try DatabasePool(path: path, configuration: configuration)
            unknown = try pool.read { db in
                try migrator.appliedIdentifiers(db).subtracting(migrator.migrations).sorted()
            }
            if unknown.isEmpty { try migrator.migrate(pool) }
        } catch {
            throw StoreError(code: .unavailable, message: "cannot open SQLite database at \(path): \(error)")
        }
        // A database a newer patchpilot migrated: this binary would misread what it does not know.
        guard unknown.isEmpty else {
            throw StoreError(
                code: .unavailable,
                message: """
                    the SQLite database at \(path) has schema migrations this patchpilot does not know \
                    (\(unknown.joined(separator: ", "))): it was written by a newer version; run that \
                    version or restore a backup taken before the upgrade
                    """
            )
        }
        checkIns = SQLiteGroupCommit(pool: pool)
    }

    var dialect: SQLDialect { .sqlite }

    func subscribe(to change: StoreChange) -> ChangeSubscription { changes.subscribe(change) }

    func read<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) throws -> T) async throws -> T {
        try await pool.read { [changes] db in try body(SQLiteSession(db, changes: changes)) }
    }

    func write<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) throws -> T) async throws -> T {
        try await pool.write { [changes] db in try body(SQLiteSession(db, changes: changes)) }
    }

    func housekeeping<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) throws -> T) async throws -> T {
        try await write(body)
    }

    func batchedWrite<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) throws -> T) async throws -> T {
        try await checkIns.write { [changes] db in try body(SQLiteSession(db, changes: changes)) }
    }

    func close() async {
        try? pool.close()
    }

    func isUniqueViolation(_ error: any Error) -> Bool {
        guard let error = error as? DatabaseError else { return false }
        return error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE
            || error.extendedResultCode == .SQLITE_CONSTRAINT_PRIMARYKEY
    }
}

/// A GRDB connection as an ``SQLSession``.
final class SQLiteSession: SQLSession {
    let db: Database
    private let changes: ChangeHub?

    init(_ db: Database, changes: ChangeHub? = nil) {
        self.db = db
        self.changes = changes
    }

    var dialect: SQLDialect { .sqlite }

    var changesCount: Int { db.changesCount }

    func execute(sql: String, arguments: SQLArguments, cached: Bool) throws {
        try statement(sql, cached: cached).execute(arguments: Self.bindings(arguments))
    }

    func cursor(sql: String, arguments: SQLArguments, cached: Bool) throws -> any SQLCursor {
        let statement = try statement(sql, cached: cached)
        return SQLiteCursor(
            rows: try Row.fetchCursor(statement, arguments: Self.bindings(arguments)),
            columns: statement.columnNames
        )
    }

    func inSavepoint(_ body: () throws -> Void) throws {
        try db.inSavepoint {
            try body()
            return .commit
        }
    }

    /// SQLite has one writer: audited writes never overlap.
    func willAppendAudit() {}

    func announce(_ change: StoreChange) throws {
        guard let changes else { return }
        db.afterNextTransaction(onCommit: { _ in changes.publish(change) })
    }

    private func statement(_ sql: String, cached: Bool) throws -> Statement {
        cached ? try db.cachedStatement(sql: sql) : try db.makeStatement(sql: sql)
    }

    static func bindings(_ arguments: SQLArguments) -> StatementArguments {
        StatementArguments(arguments.values.map(databaseValue))
    }

    static func databaseValue(_ value: SQLValue) -> DatabaseValue {
        switch value {
        case .null: .null
        case .integer(let value): value.databaseValue
        case .real(let value): value.databaseValue
        case .text(let value): value.databaseValue
        case .blob(let bytes): Data(bytes).databaseValue
        }
    }

    static func value(_ value: DatabaseValue) -> SQLValue {
        switch value.storage {
        case .null: .null
        case .int64(let value): .integer(value)
        case .double(let value): .real(value)
        case .string(let value): .text(value)
        case .blob(let data): .blob(Array(data))
        }
    }
}

/// A GRDB row cursor as an ``SQLCursor`` (column names read once per statement).
final class SQLiteCursor: SQLCursor {
    private let rows: RowCursor
    private let columns: [String]

    init(rows: RowCursor, columns: [String]) {
        self.rows = rows
        self.columns = columns
    }

    func next() throws -> SQLRow? {
        guard let row = try rows.next() else { return nil }
        return SQLRow(columns: columns, values: row.databaseValues.map(SQLiteSession.value))
    }
}

extension SQLRow {
    /// A GRDB row (for migrations, which run on GRDB directly).
    init(_ row: Row) {
        self.init(columns: Array(row.columnNames), values: row.databaseValues.map(SQLiteSession.value))
    }
}
