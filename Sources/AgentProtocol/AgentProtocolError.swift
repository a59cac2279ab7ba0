/// An error raised while encoding or checking agent protocol messages.
public struct AgentProtocolError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A stable error code.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable {
            case invalidKey, invalidSignature, unsignedRequest, staleRequest
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }
        /// A key is not a valid Ed25519 key.
        public static let invalidKey = Code(.invalidKey)
        /// A signature does not verify.
        public static let invalidSignature = Code(.invalidSignature)
        /// Signature headers are missing or malformed.
        public static let unsignedRequest = Code(.unsignedRequest)
        /// The signed timestamp is too far from the server's clock.
        public static let staleRequest = Code(.staleRequest)
        public var description: String { base.rawValue }
    }

    /// What went wrong.
    public var code: Code
    /// A message naming the offending input.
    public var message: String

    /// Creates an error.
    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }
}
