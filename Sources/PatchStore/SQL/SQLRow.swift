/// One result row: values by column position or name (names as the statement spells them;
/// PostgreSQL folds unquoted names to lower case, so a lookup falls back to a case-insensitive match).
public struct SQLRow: Sendable {
    /// The column names, shared by every row of a result.
    public let columns: [String]
    /// The values, in column order.
    public let values: [SQLValue]

    /// A row.
    public init(columns: [String], values: [SQLValue]) {
        self.columns = columns
        self.values = values
    }

    /// The value of the named column (NULL when there is no such column).
    public func value(named name: String) -> SQLValue {
        if let index = columns.firstIndex(of: name) { return values[index] }
        let folded = name.lowercased()
        if let index = columns.firstIndex(where: { $0.lowercased() == folded }) { return values[index] }
        return .null
    }

    /// The named column as `T`; a NULL or a value of another kind is a programming error (the
    /// schema says what a column holds), as in GRDB.
    public subscript<T: SQLValueConvertible>(_ name: String) -> T {
        Self.require(value(named: name), column: name)
    }

    /// The named column as `T`, or `nil` when it is NULL.
    public subscript<T: SQLValueConvertible>(_ name: String) -> T? { T.fromSQL(value(named: name)) }

    /// The column at `index` as `T`.
    public subscript<T: SQLValueConvertible>(_ index: Int) -> T { Self.require(values[index], column: "#\(index)") }

    /// The column at `index` as `T`, or `nil` when it is NULL.
    public subscript<T: SQLValueConvertible>(_ index: Int) -> T? { T.fromSQL(values[index]) }

    private static func require<T: SQLValueConvertible>(_ value: SQLValue, column: String) -> T {
        guard let converted = T.fromSQL(value) else {
            preconditionFailure("column \(column) holds \(value), not \(T.self)")
        }
        return converted
    }
}
