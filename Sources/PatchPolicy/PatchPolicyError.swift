/// An error raised by the policy engine, naming the input and where in it the problem is.
public struct PatchPolicyError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A stable error code.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable {
            case invalidCalendar, invalidRecurrence, invalidTimeZone, invalidPolicy
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }
        /// An iCalendar document or property is malformed.
        public static let invalidCalendar = Code(.invalidCalendar)
        /// An RRULE is malformed or contradictory.
        public static let invalidRecurrence = Code(.invalidRecurrence)
        /// A TZID names no known zone.
        public static let invalidTimeZone = Code(.invalidTimeZone)
        /// A policy document is invalid.
        public static let invalidPolicy = Code(.invalidPolicy)
        public var description: String { base.rawValue }
    }

    /// What went wrong.
    public var code: Code
    /// The file or input name.
    public var source: String
    /// 1-based line, when known.
    public var line: Int?
    /// 1-based column, when known.
    public var column: Int?
    /// The field or property (`RRULE.BYDAY`, `windows[2].duration`).
    public var field: String?
    /// What is wrong and what was expected.
    public var message: String

    /// Creates an error.
    public init(code: Code, source: String, line: Int? = nil, column: Int? = nil, field: String? = nil, message: String)
    {
        self.code = code
        self.source = source
        self.line = line
        self.column = column
        self.field = field
        self.message = message
    }

    public var description: String {
        var location = source
        if let line {
            location += ":\(line)"
            if let column { location += ":\(column)" }
        }
        if let field { location += ": \(field)" }
        return "\(location): \(message)"
    }
}
