import Logging
import PostgresNIO
import Synchronization

/// One connection per process that LISTENs on ``channel`` and hands every notification — the
/// changes this and the other replicas' committed writes announced with `pg_notify` — to the
/// subscribers of this process. Started by the first subscription; reconnects on its own (backoff
/// up to 5 s) after the database restarted or the connection dropped, and then wakes every
/// subscriber, since what was announced while it was away is lost.
final class PostgresChangeListener: Sendable {
    /// The notification channel (payload: a ``StoreChange/key``).
    static let channel = "patchpilot_changes"

    let hub = ChangeHub()
    private let connect: @Sendable () async throws -> PostgresConnection
    private let logger: Logger
    private let task = Mutex<(task: Task<Void, Never>?, stopped: Bool)>((nil, false))
    /// Times the listener (re)established its LISTEN (for tests and logs).
    private let listens = Atomic<Int>(0)

    init(connect: @escaping @Sendable () async throws -> PostgresConnection, logger: Logger) {
        self.connect = connect
        self.logger = logger
    }

    /// A subscription (listening starts with the first).
    func subscribe(_ change: StoreChange) -> ChangeSubscription {
        let subscription = hub.subscribe(change)
        task.withLock { state in
            guard state.task == nil, !state.stopped else { return }
            state.task = Task { [weak self] in await self?.run() }
        }
        return subscription
    }

    /// How many times a LISTEN was established.
    var listenCount: Int { listens.load(ordering: .relaxed) }

    /// Stops listening and closes the connection.
    func stop() async {
        let running = cancel()
        await running?.value
    }

    /// Stops listening without waiting for the connection to close.
    @discardableResult
    func cancel() -> Task<Void, Never>? {
        let running = task.withLock { state in
            state.stopped = true
            return state.task
        }
        running?.cancel()
        hub.publishAll()
        return running
    }

    private func run() async {
        var delay = Duration.milliseconds(250)
        while !Task.isCancelled {
            var connection: PostgresConnection?
            do {
                let opened = try await connect()
                connection = opened
                try await opened.listen(on: Self.channel) { notifications in
                    listens.add(1, ordering: .relaxed)
                    // Announcements made before this LISTEN took effect were not heard.
                    hub.publishAll()
                    delay = .milliseconds(250)
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask { [hub] in
                            for try await notification in notifications {
                                hub.publish(StoreChange(key: notification.payload))
                            }
                        }
                        // A connection the server closed does not always end the sequence.
                        group.addTask {
                            while !opened.isClosed { try await Task.sleep(for: .seconds(1)) }
                        }
                        try await group.next()
                        group.cancelAll()
                    }
                }
            } catch {
                if !Task.isCancelled {
                    logger.warning(
                        "lost the PostgreSQL change listener; reconnecting",
                        metadata: ["error": "\(String(reflecting: error))"]
                    )
                }
            }
            if let connection { try? await connection.close() }
            guard !Task.isCancelled else { return }
            hub.publishAll()
            try? await Task.sleep(for: delay)
            delay = min(delay * 2, .seconds(5))
        }
    }
}
