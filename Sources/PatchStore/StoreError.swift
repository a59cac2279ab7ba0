/// An error raised by a storage engine.
public struct StoreError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A stable error code.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable {
            case conflict, notFound, invalidData, unavailable, revoked, fenced
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }
        /// A uniqueness or optimistic-concurrency conflict.
        public static let conflict = Code(.conflict)
        /// The referenced record does not exist.
        public static let notFound = Code(.notFound)
        /// Stored data could not be decoded.
        public static let invalidData = Code(.invalidData)
        /// The database could not be opened or reached.
        public static let unavailable = Code(.unavailable)
        /// The credential (an agent) was revoked; checked inside the write that would use it.
        public static let revoked = Code(.revoked)
        /// The lease the write relied on was taken over (its fencing token is stale): a replica
        /// that stalled past its lease must not act on what it read before.
        public static let fenced = Code(.fenced)
        public var description: String { base.rawValue }
    }

    /// What went wrong.
    public var code: Code
    /// A message naming the record or value concerned (never a secret).
    public var message: String

    /// Creates an error.
    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }
}
