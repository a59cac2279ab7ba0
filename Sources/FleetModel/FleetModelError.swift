/// An error raised by FleetModel parsers, naming the input and where in it the problem is.
public struct FleetModelError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A stable error code.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable {
            case malformedRecord, missingField, invalidValue
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }
        /// A record is not in the expected syntax.
        public static let malformedRecord = Code(.malformedRecord)
        /// A required field is absent.
        public static let missingField = Code(.missingField)
        /// A field has a value that cannot be used.
        public static let invalidValue = Code(.invalidValue)
        public var description: String { base.rawValue }
    }

    /// What went wrong.
    public var code: Code
    /// A message naming the offending input.
    public var message: String
    /// The input's name (a file path or a label such as `dpkg status`).
    public var source: String
    /// The 1-based line in the input, when known.
    public var line: Int?

    /// Creates an error.
    public init(code: Code, message: String, source: String, line: Int? = nil) {
        self.code = code
        self.message = message
        self.source = source
        self.line = line
    }

    public var description: String {
        if let line { return "\(source):\(line): \(message)" }
        return "\(source): \(message)"
    }
}
