import Logging
import NIOCore
import PostgresNIO
import Synchronization

/// A pooled connection that fails its outstanding statements when it closes. PostgresNIO hands a
/// query to a channel that was already closed (the server ended the session: a restart,
/// `pg_terminate_backend`, the stalled-transaction timeout) without ever failing it, so the link
/// watches the connection's close once, for its whole life, and fails whatever is still waiting.
/// (A callback on `closeFuture` per statement would keep every statement's answer alive until the
/// connection closes: the leak that grew each PostgreSQL replica by ~8 KB per heartbeat.)
final class PostgresLink: Sendable {
    private struct Waiting {
        var next: UInt64 = 0
        var promises: [UInt64: EventLoopPromise<PostgresQueryResult>] = [:]
        var closed = false
    }

    let connection: PostgresConnection
    private let waiting = Mutex(Waiting())

    init(_ connection: PostgresConnection) {
        self.connection = connection
        connection.closeFuture.whenComplete { [weak self] _ in self?.failWaiting() }
    }

    var isClosed: Bool { connection.isClosed }

    /// How many statements wait for their answer (0 between statements; for tests).
    var waitingCount: Int { waiting.withLock { $0.promises.count } }

    /// The query's answer, or ``PostgresConnectionLost`` once the connection is closed.
    func query(_ query: PostgresQuery, logger: Logger) -> EventLoopFuture<PostgresQueryResult> {
        let promise = connection.eventLoop.makePromise(of: PostgresQueryResult.self)
        let id = waiting.withLock { waiting -> UInt64? in
            guard !waiting.closed, !connection.isClosed else { return nil }
            waiting.next &+= 1
            waiting.promises[waiting.next] = promise
            return waiting.next
        }
        guard let id else {
            promise.fail(PostgresConnectionLost())
            return promise.futureResult
        }
        connection.query(query, logger: logger).whenComplete { [weak self] result in
            guard let self else { return promise.completeWith(result) }
            let mine = waiting.withLock { $0.promises.removeValue(forKey: id) }
            mine?.completeWith(result)
        }
        return promise.futureResult
    }

    func close() async throws { try await connection.close() }

    private func failWaiting() {
        let failed = waiting.withLock { waiting in
            waiting.closed = true
            defer { waiting.promises = [:] }
            return Array(waiting.promises.values)
        }
        for promise in failed { promise.fail(PostgresConnectionLost()) }
    }
}
