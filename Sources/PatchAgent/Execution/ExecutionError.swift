/// An error raised while executing an update plan, naming the step, file or command concerned.
public struct ExecutionError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A stable error code.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable {
            case journalUnwritable, journalCorrupt, artifactUnavailable, artifactDigestMismatch, packageHeld
            case commandFailed, databaseUnreadable, planMismatch, checkFailed, crashInjected, planRejected
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }
        /// The journal could not be written or synced.
        public static let journalUnwritable = Code(.journalUnwritable)
        /// The journal cannot be read back (not a torn last line: a bad record in the middle).
        public static let journalCorrupt = Code(.journalCorrupt)
        /// An artifact could not be fetched or is missing from the cache.
        public static let artifactUnavailable = Code(.artifactUnavailable)
        /// A fetched artifact's SHA-256 differs from the plan's.
        public static let artifactDigestMismatch = Code(.artifactDigestMismatch)
        /// A package is held (dpkg selection `hold`) and the plan would change it.
        public static let packageHeld = Code(.packageHeld)
        /// A package-manager or plan command could not be started or failed.
        public static let commandFailed = Code(.commandFailed)
        /// The package database could not be read.
        public static let databaseUnreadable = Code(.databaseUnreadable)
        /// The journal belongs to another plan than the one given.
        public static let planMismatch = Code(.planMismatch)
        /// A check did not pass.
        public static let checkFailed = Code(.checkFailed)
        /// A test hook stopped the execution as a crash would.
        public static let crashInjected = Code(.crashInjected)
        /// A plan file is unreadable, unsigned without `--unsigned`, or fails verification.
        public static let planRejected = Code(.planRejected)
        /// The code's name.
        public var description: String { base.rawValue }
    }

    /// What went wrong.
    public var code: Code
    /// The file, command, package or check concerned.
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
