import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresNIO
import Synchronization

/// PostgreSQL through PostgresNIO, for fleets that outgrow one machine and for several server
/// replicas on one database. Every write runs SERIALIZABLE and is retried when PostgreSQL aborts
/// it for a conflict with a concurrent transaction, so the storage's read-modify-writes stay as
/// safe as under SQLite's single writer; reads run on a REPEATABLE READ snapshot. Storage code is
/// synchronous (as GRDB's), so transactions run on a thread pool of their own that waits on the
/// connection — never on an event loop or the concurrency pool.
final class PostgresEngine: SQLEngine {
    /// How the engine behaves.
    struct Configuration: Sendable {
        /// Connections (and transaction threads) at most.
        var connections = 8
        /// Attempts of a write that keeps losing serialization conflicts (backoff grows to 250 ms,
        /// so the last attempt starts several seconds after the first).
        var maximumAttempts = 40
        /// Failed attempts after which a write runs alone (see ``PostgresEngine/writerLock``).
        var exclusiveAfter = 3
        /// Seconds after which PostgreSQL ends a session that sits in an open transaction without
        /// sending anything (`idle_in_transaction_session_timeout`): a replica stalled mid-transaction
        /// (SIGSTOP, a VM freeze) then releases its row and advisory locks instead of blocking the
        /// other replicas' lease takeover until it wakes up.
        var stalledTransactionSeconds = 15
        /// Called (tests only) after a write took its advisory locks and before its BEGIN: the
        /// moment a replica frozen there would hold session locks outside any transaction.
        var afterTakingLocks: (@Sendable () -> Void)? = nil
    }

    let url: PostgresDatabaseURL
    private let configuration: Configuration
    private let threads: NIOThreadPool
    private let pool: PostgresConnectionPool
    private let logger: Logger
    /// Hears the changes every replica announces (LISTEN/NOTIFY).
    let listener: PostgresChangeListener

    /// Connects (failing with a clear ``StoreError`` when the database cannot be reached) and
    /// migrates the schema under an advisory lock.
    static func open(
        url: PostgresDatabaseURL,
        configuration: Configuration = Configuration(),
        logger: Logger = Logger(label: "patchpilot.store.postgres")
    ) async throws -> PostgresEngine {
        let engine = PostgresEngine(url: url, configuration: configuration, logger: logger)
        do {
            try await engine.migrate()
        } catch {
            await engine.close()
            throw error
        }
        return engine
    }

    private init(url: PostgresDatabaseURL, configuration: Configuration, logger: Logger) {
        self.url = url
        self.configuration = configuration
        self.logger = logger
        threads = NIOThreadPool(numberOfThreads: max(1, configuration.connections))
        threads.start()
        pool = PostgresConnectionPool(
            url: url,
            capacity: configuration.connections,
            startupParameters: [
                ("idle_in_transaction_session_timeout", "\(max(1, configuration.stalledTransactionSeconds))s")
            ],
            eventLoops: MultiThreadedEventLoopGroup.singleton,
            logger: logger
        )
        listener = PostgresChangeListener(connect: { [pool] in try await pool.connect() }, logger: logger)
    }

    /// An engine dropped without ``close()`` stops its threads on the way out (its pool closes
    /// its idle connections itself).
    deinit {
        listener.cancel()
        threads.shutdownGracefully { _ in }
    }

    /// Closes the connections and stops the transaction threads.
    func close() async {
        await listener.stop()
        await pool.close()
        try? await threads.shutdownGracefully()
    }

    var dialect: SQLDialect { .postgres }

    func subscribe(to change: StoreChange) -> ChangeSubscription { listener.subscribe(change) }

    func read<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) throws -> T) async throws -> T {
        try await transaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", body)
    }

    func write<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) throws -> T) async throws -> T {
        try await transaction("BEGIN ISOLATION LEVEL SERIALIZABLE", writer: true, mayAudit: true, body)
    }

    func housekeeping<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) throws -> T) async throws -> T {
        try await transaction("BEGIN ISOLATION LEVEL READ COMMITTED", body)
    }

    /// The advisory lock that keeps a long write from starving: every write transaction holds it
    /// shared; one that lost more than ``Configuration/exclusiveAfter`` serialization conflicts in
    /// a row takes it exclusively, waits for the writers in flight, and runs alone (so it cannot
    /// lose again; read-only snapshots never abort a writer).
    static let writerLock: Int64 = 0x5050_5752_4954_4552  // "PPWRITER"

    /// The advisory lock that runs audited writes one at a time while they contend. Every audited
    /// write reads and extends the audit chain's head, so two at once always conflict and one of
    /// them is aborted after doing all its work (an inventory upload: hundreds of statements). When
    /// an audited write lost a conflict, writes that may audit take this lock exclusively (after the
    /// shared writer lock, before BEGIN) for ``auditQueueSeconds``: they wait for each other instead
    /// of aborting each other, while check-ins (never audited) go on beside them.
    static let auditLock: Int64 = 0x5050_4155_4449_5421  // "PPAUDIT!"
    /// How long audited writes queue on ``auditLock`` after a conflict between them.
    static let auditQueueSeconds: UInt64 = 30
    /// Until when (``DispatchTime`` nanoseconds) audited writes queue.
    private let auditQueueUntil = Atomic<UInt64>(0)

    func batchedWrite<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) throws -> T) async throws -> T {
        // Replicas and a connection pool give check-ins their concurrency here; each is its own
        // (short) transaction, never audited: it does not queue behind audited writes.
        try await transaction("BEGIN ISOLATION LEVEL SERIALIZABLE", writer: true, mayAudit: false, body)
    }

    func isUniqueViolation(_ error: any Error) -> Bool {
        error is PostgresUniqueViolation || Self.sqlState(error) == "23505"
    }

    /// Runs `body` in one transaction on a pooled connection, again when PostgreSQL aborted it for
    /// a serialization failure or a deadlock (after a random, growing backoff).
    func transaction<T: Sendable>(
        _ begin: String,
        writer: Bool = false,
        mayAudit: Bool = false,
        _ body: @escaping @Sendable (any SQLSession) throws -> T
    ) async throws -> T {
        var attempt = 1
        var lostAuditConflict = false
        while true {
            let connection = try await pool.acquire()
            let logger = self.logger
            // Session-level, taken before BEGIN: a serializable snapshot taken while waiting for
            // the lock would not see the writes it waited for.
            let mode = !writer ? nil : attempt > configuration.exclusiveAfter ? "" : "_shared"
            let queueAudit =
                mode == "_shared"
                && (lostAuditConflict
                    || mayAudit && DispatchTime.now().uptimeNanoseconds < auditQueueUntil.load(ordering: .relaxed))
            let commitSent = AttemptFlag()
            let audited = AttemptFlag()
            let stalledTimeout = "\(max(1, configuration.stalledTransactionSeconds))s"
            let hook = writer ? configuration.afterTakingLocks : nil
            do {
                let value = try await threads.runIfActive {
                    let session = PostgresSession(link: connection, logger: logger)
                    // A session lock outlives the transaction, and a session idle *outside* a
                    // transaction is not ended by idle_in_transaction_session_timeout: while it
                    // holds these locks the session also has an idle-session timeout, so a replica
                    // frozen between the lock and BEGIN, or between COMMIT and the unlock, cannot
                    // hold every other replica's writes (and their lease takeover) until it wakes.
                    if let mode {
                        try session.run(
                            "SELECT set_config('idle_session_timeout', ?, false), pg_advisory_lock\(mode)(?)",
                            [stalledTimeout, Self.writerLock]
                        )
                    }
                    defer {
                        if let mode, !connection.isClosed {
                            _ = try? session.run(
                                "SELECT pg_advisory_unlock\(mode)(?), set_config('idle_session_timeout', '0', false)",
                                [Self.writerLock]
                            )
                        }
                    }
                    // After the writer lock (never the other way round: no lock cycle with a writer
                    // waiting for the exclusive writer lock); only with it, so under its timeout.
                    if queueAudit { try session.run("SELECT pg_advisory_lock(?)", [Self.auditLock]) }
                    defer {
                        if queueAudit, !connection.isClosed {
                            _ = try? session.run("SELECT pg_advisory_unlock(?)", [Self.auditLock])
                        }
                        if session.appendsAudit { audited.mark() }
                    }
                    hook?()
                    try session.run(begin, [])
                    do {
                        let value = try body(session)
                        commitSent.mark()
                        try session.run("COMMIT", [])
                        return value
                    } catch {
                        if !connection.isClosed { _ = try? session.run("ROLLBACK", []) }
                        throw error
                    }
                }
                pool.release(connection, healthy: true)
                return value
            } catch {
                let lost = Self.isConnectionFailure(error)
                pool.release(connection, healthy: !lost)
                // A connection the server had closed (a restart, the stalled-transaction timeout
                // while this process was frozen) lost the transaction before COMMIT: PostgreSQL
                // rolled it back, so it runs again on a fresh connection. Lost during COMMIT it may
                // have committed: that one is the caller's 503.
                if lost, !commitSent.isMarked, attempt < 3 {
                    attempt += 1
                    continue
                }
                if Self.isRetryable(error), attempt < configuration.maximumAttempts {
                    attempt += 1
                    if audited.isMarked {
                        lostAuditConflict = true
                        auditQueueUntil.store(
                            DispatchTime.now().uptimeNanoseconds + Self.auditQueueSeconds * 1_000_000_000,
                            ordering: .relaxed
                        )
                    }
                    // Random exponential backoff: writers that collided spread out.
                    try await Task.sleep(for: .milliseconds(Int.random(in: 1...min(1 << attempt, 250))))
                    continue
                }
                throw Self.storeError(error, url: url)
            }
        }
    }

    /// A transaction PostgreSQL aborted only because of a concurrent one.
    static func isRetryable(_ error: any Error) -> Bool {
        switch sqlState(error) {
        case "40001", "40P01": true
        default: false
        }
    }

    static func sqlState(_ error: any Error) -> String? {
        (error as? PSQLError)?.serverInfo?[.sqlState]
    }

    static func isConnectionFailure(_ error: any Error) -> Bool {
        if error is PostgresConnectionLost { return true }
        guard let error = error as? PSQLError else { return false }
        switch error.code {
        case .serverClosedConnection, .clientClosedConnection, .connectionError, .uncleanShutdown: return true
        default: return false
        }
    }

    /// Errors from the wire as ``StoreError``s (a lost database is `unavailable`; the caller answers 503).
    static func storeError(_ error: any Error, url: PostgresDatabaseURL) -> any Error {
        if error is StoreError { return error }
        if isConnectionFailure(error) {
            return StoreError(code: .unavailable, message: "lost the connection to PostgreSQL at \(url)")
        }
        if let error = error as? PSQLError, let state = error.serverInfo?[.sqlState] {
            let message = error.serverInfo?[.message] ?? "no message"
            // Callers test for a unique violation with isUniqueViolation.
            if state == "23505" { return PostgresUniqueViolation(message: message) }
            // 25006: a read-only transaction (a standby not yet promoted after a failover).
            if state.hasPrefix("08") || state == "57P01" || state == "57P03" || state == "25006" {
                return StoreError(code: .unavailable, message: "PostgreSQL is unavailable (\(state)): \(message)")
            }
            // The statement's text (never its bound values) says which one.
            let statement =
                error.query.map {
                    " in: " + $0.sql.prefix(300).split(whereSeparator: \.isNewline).joined(separator: " ")
                } ?? ""
            return StoreError(
                code: .invalidData,
                message: "PostgreSQL refused a statement (\(state)): \(message)\(statement)"
            )
        }
        return error
    }
}

/// A UNIQUE or PRIMARY KEY violation, with PostgreSQL's message (PSQLError describes itself
/// generically, to keep bound values out of logs; the server's message names only the key).
struct PostgresUniqueViolation: Error, CustomStringConvertible {
    var message: String
    var description: String { "duplicate key: \(message)" }
}

/// A fact one attempt of a transaction learns on its thread, read after it: whether it got as far
/// as sending COMMIT (after that, a lost connection leaves its outcome unknown), whether it
/// appended to the audit chain.
private final class AttemptFlag: Sendable {
    private let value = Mutex(false)
    func mark() { value.withLock { $0 = true } }
    var isMarked: Bool { value.withLock { $0 } }
}
