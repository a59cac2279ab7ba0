/// An error raised while reading advisory feeds or computing scores, naming the input and place.
public struct SecurityAdvisoriesError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A stable error code.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable {
            case malformedDocument, missingField, invalidValue, invalidVector, unsupportedFormat
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }
        /// The document is not valid JSON/YAML/CSV or not of the expected shape.
        public static let malformedDocument = Code(.malformedDocument)
        /// A required field is missing.
        public static let missingField = Code(.missingField)
        /// A field has a value that cannot be used.
        public static let invalidValue = Code(.invalidValue)
        /// A CVSS vector is invalid.
        public static let invalidVector = Code(.invalidVector)
        /// The format is not one PatchPilot reads.
        public static let unsupportedFormat = Code(.unsupportedFormat)
        public var description: String { base.rawValue }
    }

    /// What went wrong.
    public var code: Code
    /// The file or URL (or `-`).
    public var source: String
    /// The record id, if the problem is inside one record.
    public var record: String?
    /// The field (JSON path or metric name), if known.
    public var field: String?
    /// The 1-based line, for line-oriented formats.
    public var line: Int?
    /// What is wrong.
    public var message: String

    /// Creates an error.
    public init(
        code: Code,
        source: String,
        record: String? = nil,
        field: String? = nil,
        line: Int? = nil,
        message: String
    ) {
        self.code = code
        self.source = source
        self.record = record
        self.field = field
        self.line = line
        self.message = message
    }

    public var description: String {
        var location = source
        if let line { location += ":\(line)" }
        if let record { location += ": record \(record)" }
        if let field { location += ": field \(field)" }
        return "\(location): \(message)"
    }
}
