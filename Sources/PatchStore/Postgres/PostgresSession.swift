import Foundation
import Logging
import NIOCore
import PostgresNIO
import Synchronization

/// A PostgreSQL connection inside one transaction, as an ``SQLSession``. Runs on a thread of the
/// engine's thread pool (never an event loop), waiting for each statement's answer.
final class PostgresSession: SQLSession {
    private let link: PostgresLink
    private let logger: Logger
    private(set) var changesCount = 0
    private var savepoints = 0
    /// Whether this transaction appended to the audit chain (see ``SQLSession/willAppendAudit()``).
    private(set) var appendsAudit = false

    init(link: PostgresLink, logger: Logger) {
        self.link = link
        self.logger = logger
    }

    var dialect: SQLDialect { .postgres }

    func execute(sql: String, arguments: SQLArguments, cached: Bool) throws {
        _ = try run(sql, arguments)
    }

    func cursor(sql: String, arguments: SQLArguments, cached: Bool) throws -> any SQLCursor {
        PostgresCursor(rows: try run(sql, arguments).rows)
    }

    func inSavepoint(_ body: () throws -> Void) throws {
        savepoints += 1
        defer { savepoints -= 1 }
        let name = "pp_savepoint_\(savepoints)"
        _ = try run("SAVEPOINT \(name)", [])
        do {
            try body()
        } catch {
            _ = try run("ROLLBACK TO SAVEPOINT \(name)", [])
            throw error
        }
        _ = try run("RELEASE SAVEPOINT \(name)", [])
    }

    func willAppendAudit() { appendsAudit = true }

    /// `pg_notify` is transactional: PostgreSQL delivers it to every listening session (every
    /// replica's ``PostgresChangeListener``) when this transaction commits.
    func announce(_ change: StoreChange) throws {
        _ = try run("SELECT pg_notify(?, ?)", [PostgresChangeListener.channel, change.key])
    }

    /// Runs one statement (placeholders renumbered) and waits for its rows.
    @discardableResult
    func run(_ sql: String, _ arguments: SQLArguments) throws -> PostgresQueryResult {
        var bindings = PostgresBindings(capacity: arguments.values.count)
        for value in arguments.values {
            switch value {
            case .null: bindings.appendNull()
            case .integer(let value): bindings.append(value)
            case .real(let value): bindings.append(value)
            case .text(let value): bindings.append(value)
            case .blob(let bytes): bindings.append(ByteBuffer(bytes: bytes))
            }
        }
        let query = PostgresQuery(unsafeSQL: PostgresPlaceholders.numbered(sql), binds: bindings)
        let result = try link.query(query, logger: logger).wait()
        changesCount = result.metadata.rows ?? 0
        return result
    }
}

/// The connection closed while a statement was outstanding (or before it was sent).
struct PostgresConnectionLost: Error, CustomStringConvertible {
    var description: String { "the PostgreSQL connection was closed" }
}

/// Rows already received, converted one at a time.
final class PostgresCursor: SQLCursor {
    private let rows: [PostgresRow]
    private var index = 0
    private var columns: [String]?

    init(rows: [PostgresRow]) { self.rows = rows }

    func next() throws -> SQLRow? {
        guard index < rows.count else { return nil }
        let row = rows[index]
        index += 1
        let names = columns ?? row.map(\.columnName)
        columns = names
        return SQLRow(columns: names, values: try row.map(Self.value))
    }

    /// A cell as one of the values both engines share.
    static func value(_ cell: PostgresCell) throws -> SQLValue {
        guard cell.bytes != nil else { return .null }
        switch cell.dataType {
        case .int2, .int4, .int8:
            return .integer(try cell.decode(Int64.self))
        case .float4, .float8:
            return .real(try cell.decode(Double.self))
        case .numeric:
            // SUM over BIGINT answers NUMERIC: an integer when it is one.
            let number = try cell.decode(Decimal.self)
            let rounded = NSDecimalNumber(decimal: number)
            if let exact = Int64(exactly: rounded.doubleValue), Decimal(exact) == number { return .integer(exact) }
            return .real(rounded.doubleValue)
        case .bool:
            return .integer(try cell.decode(Bool.self) ? 1 : 0)
        case .bytea:
            return .blob(Array(buffer: cell.bytes!))
        default:
            return .text(try cell.decode(String.self))
        }
    }
}

/// Rewrites SQLite-style `?` placeholders as PostgreSQL's `$1`, `$2`, … (outside string literals,
/// quoted identifiers and comments), remembering each statement's rewrite.
enum PostgresPlaceholders {
    private static let rewritten = Mutex<[String: String]>([:])

    static func numbered(_ sql: String) -> String {
        if let known = rewritten.withLock({ $0[sql] }) { return known }
        let result = rewrite(sql)
        rewritten.withLock { cache in
            if cache.count < 10_000 { cache[sql] = result }
        }
        return result
    }

    static func rewrite(_ sql: String) -> String {
        let characters = Array(sql)
        var output = ""
        output.reserveCapacity(characters.count + 16)
        var number = 0
        var quote: Character?
        var lineComment = false
        var index = 0
        while index < characters.count {
            let character = characters[index]
            index += 1
            if lineComment {
                output.append(character)
                if character == "\n" { lineComment = false }
                continue
            }
            if let open = quote {
                output.append(character)
                if character == open { quote = nil }
                continue
            }
            switch character {
            case "'", "\"":
                quote = character
                output.append(character)
            case "-" where index < characters.count && characters[index] == "-":
                lineComment = true
                output.append(character)
            case "?":
                // `?NNN` (SQLite's numbered parameter) is `$NNN`; a bare `?` takes the next number.
                var digits = ""
                while index < characters.count, characters[index].isASCII, characters[index].isNumber {
                    digits.append(characters[index])
                    index += 1
                }
                if digits.isEmpty {
                    number += 1
                    digits = String(number)
                }
                output += "$" + digits
            default:
                output.append(character)
            }
        }
        return output
    }
}
