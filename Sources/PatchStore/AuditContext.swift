import Synchronization

/// Who and what an event written during the current task belongs to: the HTTP request id and the
/// elevation the caller acted under. The server binds it around each request; the store stamps every
/// event it writes with it and counts the events, so the server can tell a state-changing request
/// that recorded nothing.
public struct AuditContext: Sendable {
    /// Counts events written under one context.
    public final class Counter: Sendable {
        private let box = Mutex(0)
        /// Creates a counter at zero.
        public init() {}
        /// Events written so far.
        public var value: Int { box.withLock { $0 } }
        func increment() { box.withLock { $0 += 1 } }
    }

    /// The request id.
    public var requestID: String?
    /// The elevation relied upon.
    public var elevationID: String?
    /// Events written so far under this context.
    public var written: Counter

    /// Creates a context.
    public init(requestID: String?, elevationID: String? = nil) {
        self.requestID = requestID
        self.elevationID = elevationID
        self.written = Counter()
    }

    /// The context of the current task.
    @TaskLocal public static var current: AuditContext?
}
