import Logging
import NIOCore
import NIOPosix
import PostgresNIO
import Synchronization

/// A bounded set of PostgreSQL connections: idle ones are reused, up to `capacity` are opened on
/// demand, callers beyond that wait in order. A connection that failed is closed and replaced on
/// the next demand, so the pool reconnects on its own after the database comes back.
final class PostgresConnectionPool: Sendable {
    private struct State {
        var idle: [PostgresLink] = []
        var open = 0
        var waiters: [CheckedContinuation<PostgresLink?, Never>] = []
        var closed = false
    }

    private let url: PostgresDatabaseURL
    private let capacity: Int
    /// Settings sent with every connection's startup message.
    private let startupParameters: [(String, String)]
    private let logger: Logger
    private let eventLoops: any EventLoopGroup
    private let state = Mutex(State())
    private let nextID = Atomic<Int>(0)

    init(
        url: PostgresDatabaseURL,
        capacity: Int,
        startupParameters: [(String, String)] = [],
        eventLoops: any EventLoopGroup,
        logger: Logger
    ) {
        self.url = url
        self.startupParameters = startupParameters
        self.capacity = max(1, capacity)
        self.eventLoops = eventLoops
        self.logger = logger
    }

    /// A pool dropped without ``close()`` (a store that was never closed) closes its idle
    /// connections on the way out: a task keeps them alive until their channels are closed.
    deinit {
        let idle = state.withLock { state in
            defer { state.idle = [] }
            return state.idle
        }
        guard !idle.isEmpty else { return }
        Task { for connection in idle { try? await connection.close() } }
    }

    /// A connection for the caller's exclusive use; give it back with ``release(_:healthy:)``.
    func acquire() async throws -> PostgresLink {
        enum Next {
            case reuse(PostgresLink)
            case connect
            case wait
            case closed
        }
        let next = state.withLock { state -> Next in
            if state.closed { return .closed }
            // An idle connection the server closed meanwhile is dropped (its slot reused).
            while let connection = state.idle.popLast() {
                if !connection.isClosed { return .reuse(connection) }
                state.open -= 1
            }
            if state.open < capacity {
                state.open += 1
                return .connect
            }
            return .wait
        }
        switch next {
        case .reuse(let connection):
            return connection
        case .closed:
            throw StoreError(code: .unavailable, message: "the database connection pool is closed")
        case .connect:
            do {
                return PostgresLink(try await connect())
            } catch {
                let waiter = state.withLock { state -> CheckedContinuation<PostgresLink?, Never>? in
                    state.open -= 1
                    return state.waiters.isEmpty ? nil : state.waiters.removeFirst()
                }
                // A waiter gets nil and tries itself (it may connect once the database is back).
                waiter?.resume(returning: nil)
                throw error
            }
        case .wait:
            let handed = await withCheckedContinuation { continuation in
                let resumeNow = state.withLock { state -> Bool in
                    if state.closed { return true }
                    state.waiters.append(continuation)
                    return false
                }
                if resumeNow { continuation.resume(returning: nil) }
            }
            if let handed { return handed }
            return try await acquire()
        }
    }

    /// Gives a connection back; an unhealthy one (its transaction failed on the wire, or it is
    /// closed) is closed and its slot freed.
    func release(_ connection: PostgresLink, healthy: Bool) {
        enum Action {
            case hand(CheckedContinuation<PostgresLink?, Never>)
            case keep
            case discard(CheckedContinuation<PostgresLink?, Never>?)
        }
        let usable = healthy && !connection.isClosed
        let action = state.withLock { state -> Action in
            if !usable || state.closed {
                state.open -= 1
                return .discard(state.waiters.isEmpty ? nil : state.waiters.removeFirst())
            }
            if !state.waiters.isEmpty { return .hand(state.waiters.removeFirst()) }
            state.idle.append(connection)
            return .keep
        }
        switch action {
        case .hand(let waiter):
            waiter.resume(returning: connection)
        case .keep:
            break
        case .discard(let waiter):
            // The waiter gets nil and takes the freed slot itself.
            waiter?.resume(returning: nil)
            connection.connection.close().whenComplete { _ in }
        }
    }

    /// Closes every idle connection and refuses new demands.
    func close() async {
        let (idle, waiters) = state.withLock { state in
            state.closed = true
            defer {
                state.idle = []
                state.waiters = []
            }
            state.open -= state.idle.count
            return (state.idle, state.waiters)
        }
        for waiter in waiters { waiter.resume(returning: nil) }
        for connection in idle { try? await connection.close() }
    }

    /// A new connection outside the pool (its capacity and lifecycle are the caller's), with the
    /// pool's settings.
    func connect() async throws -> PostgresConnection {
        do {
            var configuration = try url.connectionConfiguration()
            configuration.options.additionalStartupParameters += startupParameters
            return try await PostgresConnection.connect(
                on: eventLoops.any(),
                configuration: configuration,
                id: nextID.wrappingAdd(1, ordering: .relaxed).newValue,
                logger: logger
            )
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(
                code: .unavailable,
                message: "cannot connect to PostgreSQL at \(url): \(String(reflecting: error))"
            )
        }
    }
}
