/// An error raised by the agent, naming what failed.
public struct AgentError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A stable error code.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable {
            case notEnrolled, stateCorrupt, serverRejected, transport, invalidResponse
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }
        /// The agent has no key or identity yet.
        public static let notEnrolled = Code(.notEnrolled)
        /// A state file is unreadable.
        public static let stateCorrupt = Code(.stateCorrupt)
        /// The server answered with an error status.
        public static let serverRejected = Code(.serverRejected)
        /// The server could not be reached.
        public static let transport = Code(.transport)
        /// The server's answer could not be decoded.
        public static let invalidResponse = Code(.invalidResponse)
        public var description: String { base.rawValue }
    }

    /// What went wrong.
    public var code: Code
    /// A message naming the input, file or request concerned.
    public var message: String
    /// The HTTP status, when the server answered.
    public var status: Int?

    /// Creates an error.
    public init(code: Code, message: String, status: Int? = nil) {
        self.code = code
        self.message = message
        self.status = status
    }

    public var description: String { message }
}
