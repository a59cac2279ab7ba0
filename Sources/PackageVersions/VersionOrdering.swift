/// The outcome of comparing two versions: the first is less than, equal to or greater than the second.
public enum VersionOrdering: Int8, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// The first version sorts before the second.
    case less = -1
    /// Both versions sort equal (they need not be spelled the same: `1.0` and `1.00` are equal for dpkg).
    case equal = 0
    /// The first version sorts after the second.
    case greater = 1

    /// Maps a C-style comparison result (negative, zero, positive).
    @inlinable
    public init(_ sign: Int) {
        self = sign < 0 ? .less : (sign > 0 ? .greater : .equal)
    }

    /// The ordering seen from the other side.
    public var reversed: VersionOrdering {
        switch self {
        case .less: .greater
        case .equal: .equal
        case .greater: .less
        }
    }

    /// `<`, `=` or `>`.
    public var description: String {
        switch self {
        case .less: "<"
        case .equal: "="
        case .greater: ">"
        }
    }
}

/// A comparison operator between two versions, as used by `dpkg --compare-versions` and by ranges.
public enum VersionOperator: String, Sendable, Hashable, CaseIterable {
    /// Strictly less than.
    case lessThan = "lt"
    /// Less than or equal.
    case lessThanOrEqual = "le"
    /// Equal (by the scheme's ordering).
    case equal = "eq"
    /// Not equal.
    case notEqual = "ne"
    /// Greater than or equal.
    case greaterThanOrEqual = "ge"
    /// Strictly greater than.
    case greaterThan = "gt"

    /// Parses `lt le eq ne ge gt`, dpkg's deprecated `<< <= = >= >>`, or `< > !=`.
    public init?(symbol: String) {
        switch symbol {
        case "lt", "<<", "<": self = .lessThan
        case "le", "<=": self = .lessThanOrEqual
        case "eq", "=", "==": self = .equal
        case "ne", "!=": self = .notEqual
        case "ge", ">=": self = .greaterThanOrEqual
        case "gt", ">>", ">": self = .greaterThan
        default: return nil
        }
    }

    /// Whether an ordering satisfies this operator.
    public func holds(for ordering: VersionOrdering) -> Bool {
        switch self {
        case .lessThan: ordering == .less
        case .lessThanOrEqual: ordering != .greater
        case .equal: ordering == .equal
        case .notEqual: ordering != .equal
        case .greaterThanOrEqual: ordering != .less
        case .greaterThan: ordering == .greater
        }
    }
}
