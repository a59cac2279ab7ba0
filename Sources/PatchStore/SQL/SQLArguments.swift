/// The values bound to a statement's `?` placeholders, in order.
public struct SQLArguments: Sendable, Hashable, ExpressibleByArrayLiteral {
    /// The values.
    public var values: [SQLValue]

    /// Arguments from values (`nil` binds NULL).
    public init(arrayLiteral elements: (any SQLValueConvertible)?...) {
        values = elements.map { $0?.sqlValue ?? .null }
    }

    /// Arguments from a list of values.
    public init<S: Sequence>(_ values: S) where S.Element: SQLValueConvertible {
        self.values = values.map(\.sqlValue)
    }

    /// Appends more arguments.
    public mutating func append(contentsOf other: SQLArguments) { values.append(contentsOf: other.values) }

    /// These arguments followed by `other`'s.
    public static func + (lhs: SQLArguments, rhs: SQLArguments) -> SQLArguments {
        var joined = lhs
        joined.append(contentsOf: rhs)
        return joined
    }
}
