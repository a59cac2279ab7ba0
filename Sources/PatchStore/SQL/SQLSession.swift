/// The SQL dialect of an engine, for the few statements the two engines spell differently.
public enum SQLDialect: Sendable, Hashable {
    case sqlite
    case postgres
}

/// A connection inside one transaction (or one read snapshot) of an engine. The storage speaks
/// only this, so one implementation of ``PatchStorage`` runs on SQLite and on PostgreSQL.
/// Statements use `?` placeholders; an engine that numbers them (`$1`) rewrites them.
/// A session is valid only inside the closure it was given to.
public protocol SQLSession: AnyObject {
    /// The engine's dialect.
    var dialect: SQLDialect { get }
    /// Runs a statement that returns no rows. `cached`: the statement runs often; prepare it once.
    func execute(sql: String, arguments: SQLArguments, cached: Bool) throws
    /// Runs a query and iterates its rows.
    func cursor(sql: String, arguments: SQLArguments, cached: Bool) throws -> any SQLCursor
    /// Rows changed by the last INSERT, UPDATE or DELETE.
    var changesCount: Int { get }
    /// Runs `body` in a savepoint: undone alone when it throws, leaving the transaction usable.
    func inSavepoint(_ body: () throws -> Void) throws
    /// Announces `change` to the store's subscribers — in every process sharing the database —
    /// once this transaction commits (never, when it rolls back).
    func announce(_ change: StoreChange) throws
    /// Notes that this transaction appends to the audit chain (every such transaction reads and
    /// extends its head, so two of them at once conflict: the PostgreSQL engine then runs them one
    /// at a time).
    func willAppendAudit()
}

/// Rows of a query, one at a time.
public protocol SQLCursor: AnyObject {
    /// The next row, or `nil` after the last.
    func next() throws -> SQLRow?
}

/// A statement to run several times in one session (`cached` ones are prepared once per connection).
public struct SQLStatement {
    let session: any SQLSession
    let sql: String
    let cached: Bool

    /// Runs the statement (no rows).
    public func execute(arguments: SQLArguments = []) throws {
        try session.execute(sql: sql, arguments: arguments, cached: cached)
    }
}

extension SQLSession {
    /// Runs a statement that returns no rows.
    public func execute(sql: String, arguments: SQLArguments = []) throws {
        try execute(sql: sql, arguments: arguments, cached: false)
    }

    /// Runs an `INSERT … RETURNING id` (both engines support it) and answers the new row's id.
    public func insertReturningID(sql: String, arguments: SQLArguments, cached: Bool = false) throws -> Int64 {
        guard let row = try cursor(sql: sql, arguments: arguments, cached: cached).next(),
            let id = row.values.first.flatMap(Int64.fromSQL)
        else { throw StoreError(code: .invalidData, message: "an insert returned no id: \(sql)") }
        return id
    }

    /// A statement that runs often: prepared once per connection.
    public func cachedStatement(sql: String) throws -> SQLStatement {
        SQLStatement(session: self, sql: sql, cached: true)
    }

    /// A statement to run several times in this session.
    public func makeStatement(sql: String) throws -> SQLStatement {
        SQLStatement(session: self, sql: sql, cached: false)
    }
}

extension SQLRow {
    /// The first row, if any.
    public static func fetchOne(_ db: any SQLSession, sql: String, arguments: SQLArguments = []) throws -> SQLRow? {
        try db.cursor(sql: sql, arguments: arguments, cached: false).next()
    }

    /// Every row.
    public static func fetchAll(_ db: any SQLSession, sql: String, arguments: SQLArguments = []) throws -> [SQLRow] {
        try collect(db.cursor(sql: sql, arguments: arguments, cached: false))
    }

    /// The rows, one at a time (for scans too large to hold).
    public static func fetchCursor(
        _ db: any SQLSession,
        sql: String,
        arguments: SQLArguments = []
    ) throws -> any SQLCursor {
        try db.cursor(sql: sql, arguments: arguments, cached: false)
    }

    /// The first row of a prepared statement, if any.
    public static func fetchOne(_ statement: SQLStatement, arguments: SQLArguments = []) throws -> SQLRow? {
        try statement.session.cursor(sql: statement.sql, arguments: arguments, cached: statement.cached).next()
    }

    /// Every row of a prepared statement.
    public static func fetchAll(_ statement: SQLStatement, arguments: SQLArguments = []) throws -> [SQLRow] {
        try collect(statement.session.cursor(sql: statement.sql, arguments: arguments, cached: statement.cached))
    }

    /// The rows of a prepared statement, one at a time.
    public static func fetchCursor(_ statement: SQLStatement, arguments: SQLArguments = []) throws -> any SQLCursor {
        try statement.session.cursor(sql: statement.sql, arguments: arguments, cached: statement.cached)
    }

    static func collect(_ cursor: any SQLCursor) throws -> [SQLRow] {
        var rows: [SQLRow] = []
        while let row = try cursor.next() { rows.append(row) }
        return rows
    }
}

extension SQLValueConvertible {
    /// The first column of the first row; `nil` when there is no row or the value is NULL.
    public static func fetchOne(_ db: any SQLSession, sql: String, arguments: SQLArguments = []) throws -> Self? {
        try first(db.cursor(sql: sql, arguments: arguments, cached: false))
    }

    /// The first column of every row.
    public static func fetchAll(_ db: any SQLSession, sql: String, arguments: SQLArguments = []) throws -> [Self] {
        try all(db.cursor(sql: sql, arguments: arguments, cached: false))
    }

    /// The first column of the first row of a prepared statement.
    public static func fetchOne(_ statement: SQLStatement, arguments: SQLArguments = []) throws -> Self? {
        try first(statement.session.cursor(sql: statement.sql, arguments: arguments, cached: statement.cached))
    }

    /// The first column of every row of a prepared statement.
    public static func fetchAll(_ statement: SQLStatement, arguments: SQLArguments = []) throws -> [Self] {
        try all(statement.session.cursor(sql: statement.sql, arguments: arguments, cached: statement.cached))
    }

    private static func first(_ cursor: any SQLCursor) throws -> Self? {
        guard let row = try cursor.next(), let value = row.values.first else { return nil }
        return fromSQL(value)
    }

    private static func all(_ cursor: any SQLCursor) throws -> [Self] {
        var values: [Self] = []
        while let row = try cursor.next() { values.append(row[0]) }
        return values
    }
}
