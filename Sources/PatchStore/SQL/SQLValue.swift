import Foundation

/// A value as both engines store it: SQLite's storage classes, which PostgreSQL's column types
/// used by the schema (BIGINT, DOUBLE PRECISION, TEXT, BYTEA) map onto one to one.
public enum SQLValue: Sendable, Hashable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])

    /// Whether the value is SQL NULL.
    public var isNull: Bool { if case .null = self { true } else { false } }
}

/// A Swift value that binds to a statement argument and decodes from a column.
public protocol SQLValueConvertible: Sendable {
    /// The value to bind.
    var sqlValue: SQLValue { get }
    /// The value a column holds, or `nil` when it is NULL or of another kind.
    static func fromSQL(_ value: SQLValue) -> Self?
}

extension SQLValue: SQLValueConvertible {
    public var sqlValue: SQLValue { self }
    public static func fromSQL(_ value: SQLValue) -> SQLValue? { value }
}

extension Int64: SQLValueConvertible {
    public var sqlValue: SQLValue { .integer(self) }
    public static func fromSQL(_ value: SQLValue) -> Int64? {
        switch value {
        case .integer(let value): value
        case .real(let value): Int64(exactly: value)
        default: nil
        }
    }
}

extension Int: SQLValueConvertible {
    public var sqlValue: SQLValue { .integer(Int64(self)) }
    public static func fromSQL(_ value: SQLValue) -> Int? { Int64.fromSQL(value).flatMap { Int(exactly: $0) } }
}

extension Int32: SQLValueConvertible {
    public var sqlValue: SQLValue { .integer(Int64(self)) }
    public static func fromSQL(_ value: SQLValue) -> Int32? { Int64.fromSQL(value).flatMap { Int32(exactly: $0) } }
}

extension Double: SQLValueConvertible {
    public var sqlValue: SQLValue { .real(self) }
    public static func fromSQL(_ value: SQLValue) -> Double? {
        switch value {
        case .real(let value): value
        case .integer(let value): Double(value)
        default: nil
        }
    }
}

extension Bool: SQLValueConvertible {
    /// Stored as 0 or 1 on both engines (the schema has no boolean columns).
    public var sqlValue: SQLValue { .integer(self ? 1 : 0) }
    public static func fromSQL(_ value: SQLValue) -> Bool? { Int64.fromSQL(value).map { $0 != 0 } }
}

extension String: SQLValueConvertible {
    public var sqlValue: SQLValue { .text(self) }
    public static func fromSQL(_ value: SQLValue) -> String? {
        switch value {
        case .text(let value): value
        case .blob(let bytes): String(validating: bytes, as: UTF8.self)
        default: nil
        }
    }
}

extension Data: SQLValueConvertible {
    public var sqlValue: SQLValue { .blob(Array(self)) }
    public static func fromSQL(_ value: SQLValue) -> Data? {
        switch value {
        case .blob(let bytes): Data(bytes)
        case .text(let text): Data(text.utf8)
        default: nil
        }
    }
}

extension Optional where Wrapped: SQLValueConvertible {
    /// The value to bind: NULL for `nil`.
    public var sqlValue: SQLValue { self?.sqlValue ?? .null }
}
