/// An error raised while collecting a host's inventory, naming the file or command and what failed.
public struct CollectorError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A stable error code.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable {
            case fileMissing, fileUnreadable, fileMalformed, commandFailed
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }
        /// A required file does not exist.
        public static let fileMissing = Code(.fileMissing)
        /// A file exists but could not be read or decoded.
        public static let fileUnreadable = Code(.fileUnreadable)
        /// A file's content is not in the expected format.
        public static let fileMalformed = Code(.fileMalformed)
        /// A command (such as `rpm -qa`) could not be run or failed.
        public static let commandFailed = Code(.commandFailed)
        /// The code's name.
        public var description: String { base.rawValue }
    }

    /// What went wrong.
    public var code: Code
    /// The file (as a host path, under the configured root) or command concerned.
    public var subject: String
    /// What went wrong with it.
    public var message: String
    /// The source file that raised the error.
    public var file: String
    /// The source line that raised the error.
    public var line: Int

    /// Creates an error.
    public init(code: Code, subject: String, message: String, file: String = #fileID, line: Int = #line) {
        self.code = code
        self.subject = subject
        self.message = message
        self.file = file
        self.line = line
    }

    /// `subject: message`.
    public var description: String { "\(subject): \(message)" }
}
