import ChangeControl
import Foundation
import Logging
import NIOPosix
import PatchTestSupport
import PostgresNIO
import Synchronization
import Testing

@testable import PatchStore

/// The parts of the PostgreSQL engine that need no server: URLs, placeholders, scripts.
@Suite struct PostgresEngineUnitTests {
    @Test func urlsParseIntoTheirParts() throws {
        let plain = try PostgresDatabaseURL("postgres://pp:secret@db.example:6432/fleet?sslmode=verify-full")
        #expect(plain.user == "pp")
        #expect(plain.password == "secret")
        #expect(plain.host == "db.example")
        #expect(plain.port == 6432)
        #expect(plain.database == "fleet")
        #expect(plain.tlsMode == .verifyFull)
        // The description (used in messages and logs) never shows the password.
        #expect(!plain.description.contains("secret"))
        let socket = try PostgresDatabaseURL("postgresql://pp@/fleet?host=/run/postgresql")
        #expect(socket.socketDirectory == "/run/postgresql")
        #expect(socket.tlsMode == .disable)
        #expect(socket.port == 5432)
        let defaults = try PostgresDatabaseURL("postgres://pp@localhost")
        #expect(defaults.database == "pp")
    }

    @Test(arguments: [
        ("mysql://pp@host/db", "postgres://"),
        ("postgres://host/db", "no user"),
        ("postgres://pp@host:0/db", "port"),
        ("postgres://pp@host/db?sslmode=allow", "sslmode 'allow'"),
        ("postgres://pp@host/db?application=x", "unknown parameter 'application'"),
        ("postgres://pp:hunter2@host/db?sslmode=bogus", "sslmode 'bogus'"),
    ])
    func badURLsSayWhatIsWrong(url: String, message: String) {
        let error = #expect(throws: StoreError.self) { try PostgresDatabaseURL(url) }
        #expect(error?.code == .unavailable)
        #expect(error?.message.contains(message) == true, "\(error?.message ?? "")")
        #expect(error?.message.contains("hunter2") == false)
    }

    @Test(arguments: [
        ("SELECT * FROM t WHERE a = ? AND b = ?", "SELECT * FROM t WHERE a = $1 AND b = $2"),
        ("SELECT '?' AS q, \"we?rd\" FROM t WHERE a = ?", "SELECT '?' AS q, \"we?rd\" FROM t WHERE a = $1"),
        ("SELECT 1 -- why?\nFROM t WHERE a = ?", "SELECT 1 -- why?\nFROM t WHERE a = $1"),
        ("SELECT 'it''s ?' WHERE x = ?", "SELECT 'it''s ?' WHERE x = $1"),
        ("SELECT ?1, a, ?2 FROM t WHERE id = ?12", "SELECT $1, a, $2 FROM t WHERE id = $12"),
        (
            "SELECT json_extract(body, '$.a') WHERE id IN (?, ?, ?)",
            "SELECT json_extract(body, '$.a') WHERE id IN ($1, $2, $3)"
        ),
    ])
    func placeholdersAreNumberedOutsideQuotesAndComments(sql: String, expected: String) {
        #expect(PostgresPlaceholders.rewrite(sql) == expected)
    }

    @Test func scriptsSplitAtSemicolonsOutsideQuotesAndFunctionBodies() {
        let script = """
            CREATE TABLE a (x TEXT DEFAULT ';');
            CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'no; never';
            END $$;
            INSERT INTO a VALUES ('x')
            """
        let statements = PostgresEngine.statements(script)
        #expect(statements.count == 3)
        #expect(statements[0] == "CREATE TABLE a (x TEXT DEFAULT ';')")
        #expect(statements[1].hasSuffix("END $$"))
        #expect(statements[2] == "INSERT INTO a VALUES ('x')")
        // The real schema splits into statements that each start with a command.
        for statement in PostgresEngine.statements(PostgresSchema.version1) {
            #expect(["CREATE", "INSERT"].contains { statement.hasPrefix($0) }, "\(statement.prefix(60))")
        }
    }
}

/// The PostgreSQL engine against a real server (scripts/test.sh starts one): several replicas
/// starting and writing together, a schema newer than the binary, an unreachable server.
@Suite(StoreFixture.needsPostgres) struct PostgresEngineTests {
    func freshDatabase() async throws -> PostgresTestDatabase {
        try await PostgresTestDatabase.create(serverURL: try #require(StoreFixture.serverURL))
    }

    @Test func replicasStartingTogetherMigrateOnce() async throws {
        let database = try await freshDatabase()
        let url = try PostgresDatabaseURL(database.url)
        let stores = try await withThrowingTaskGroup(of: SQLStorage.self) { group in
            for _ in 0..<4 { group.addTask { try await SQLStorage.postgres(url: url) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(stores.count == 4)
        let versions = try await stores[0].engine.read { db in
            try Int64.fetchAll(db, sql: "SELECT version FROM patchpilot_schema ORDER BY version")
        }
        #expect(versions == Array(1...PostgresSchema.currentVersion))
        for store in stores { await store.close() }
        await database.drop()
    }

    @Test func aBinaryOlderThanTheSchemaRefusesToStart() async throws {
        let database = try await freshDatabase()
        let url = try PostgresDatabaseURL(database.url)
        let store = try await SQLStorage.postgres(url: url)
        try await store.engine.write { db in
            try db.execute(sql: "INSERT INTO patchpilot_schema (version, applied_at) VALUES (999, 0)")
        }
        await store.close()
        let error = await #expect(throws: StoreError.self) { try await SQLStorage.postgres(url: url) }
        #expect(error?.code == .unavailable)
        #expect(error?.message.contains("version 999") == true, "\(error?.message ?? "")")
        await database.drop()
    }

    @Test func anUnreachableServerIsAClearError() async throws {
        // A port nothing listens on (bound, then closed).
        let error = await #expect(throws: StoreError.self) {
            try await SQLStorage.postgres(url: try PostgresDatabaseURL("postgres://pp:hunter2@127.0.0.1:1/none"))
        }
        #expect(error?.code == .unavailable)
        #expect(error?.message.contains("127.0.0.1:1") == true, "\(error?.message ?? "")")
        #expect(error?.message.contains("hunter2") == false)
    }

    /// Connections PostgreSQL dropped (a restart, an administrator's pg_terminate_backend) are
    /// replaced: a call that finds its connection closed runs again on a new one (or, at worst,
    /// fails as `unavailable`, a 503), and later calls reconnect.
    @Test func droppedConnectionsAreUnavailableThenReconnect() async throws {
        let database = try await freshDatabase()
        let url = try PostgresDatabaseURL(database.url)
        let store = try await SQLStorage.postgres(url: url, connections: 2)
        let admin = try await SQLStorage.postgres(url: url, connections: 1)
        try await store.ping()
        _ = try await store.userCount()
        let killed = try await admin.engine.read { db in
            try Int.fetchOne(
                db,
                sql: """
                    SELECT COUNT(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                    WHERE datname = current_database() AND pid <> pg_backend_pid()) AS t
                    """
            ) ?? 0
        }
        #expect(killed >= 1)
        var failures = 0
        for _ in 0..<4 {
            do {
                try await store.ping()
            } catch let error as StoreError {
                #expect(error.code == .unavailable, "\(error)")
                failures += 1
            }
        }
        #expect(failures <= 2, "a dropped connection is discarded, not reused")
        try await store.ping()
        #expect(try await store.userCount() == 0)
        await store.close()
        await admin.close()
        await database.drop()
    }

    /// A pooled connection keeps nothing of a finished statement (a callback per statement on the
    /// connection's close kept every answer alive: ~8 KB per heartbeat), and a statement that is
    /// outstanding when PostgreSQL ends the session, or sent after, fails instead of waiting.
    @Test func aLinkForgetsFinishedStatementsAndFailsOnesItsConnectionLost() async throws {
        let database = try await freshDatabase()
        let url = try PostgresDatabaseURL(database.url)
        let logger = Logger(label: "test")
        let pool = PostgresConnectionPool(
            url: url,
            capacity: 2,
            eventLoops: MultiThreadedEventLoopGroup.singleton,
            logger: logger
        )
        let link = try await pool.acquire()
        let admin = try await pool.acquire()
        for index in 0..<200 {
            let result = try await link.query("SELECT \(index) AS n", logger: logger).get()
            #expect(try result.rows.first?.decode(Int.self) == index)
        }
        #expect(link.waitingCount == 0, "finished statements stay registered")
        let pid = try #require(try await link.query("SELECT pg_backend_pid()", logger: logger).get().rows.first)
            .decode(Int32.self)
        let sleeping = link.query("SELECT pg_sleep(30)", logger: logger)
        #expect(link.waitingCount == 1)
        _ = try await admin.query("SELECT pg_terminate_backend(\(pid))", logger: logger).get()
        await #expect(throws: (any Error).self) { _ = try await sleeping.get() }
        #expect(link.waitingCount == 0)
        try await link.connection.closeFuture.get()
        #expect(link.isClosed)
        await #expect(throws: PostgresConnectionLost.self) {
            _ = try await link.query("SELECT 1", logger: logger).get()
        }
        pool.release(link, healthy: false)
        pool.release(admin, healthy: true)
        await pool.close()
        await database.drop()
    }

    /// A transaction left idle longer than the stalled-transaction timeout (a replica frozen by
    /// SIGSTOP mid-write) is ended by PostgreSQL, so its row locks go; nothing of it is kept, and
    /// since it never reached COMMIT it runs again on a fresh connection.
    @Test func aStalledTransactionIsEndedAndRunsAgainOnAFreshConnection() async throws {
        let database = try await freshDatabase()
        let url = try PostgresDatabaseURL(database.url)
        let store = try await SQLStorage.postgres(url: url, stalledTransactionSeconds: 1)
        let attempts = Mutex(0)
        try await store.engine.write { db in
            let attempt = attempts.withLock { attempts in
                attempts += 1
                return attempts
            }
            // A kept first attempt would make this insert a duplicate key.
            try db.execute(sql: "INSERT INTO leases (name, owner, token, expires_at) VALUES ('stalled', 'r1', 1, 0)")
            if attempt == 1 { Thread.sleep(forTimeInterval: 2.5) }
            try db.execute(sql: "UPDATE leases SET token = 2 WHERE name = 'stalled'")
        }
        #expect(attempts.withLock { $0 } == 2)
        let token = try await store.engine.read { db in
            try Int.fetchAll(db, sql: "SELECT token FROM leases WHERE name = 'stalled'")
        }
        #expect(token == [2])
        await store.close()
        await database.drop()
    }

    /// A replica frozen while it holds the writer lock outside a transaction (after the lock,
    /// before BEGIN) is ended by the idle-session timeout it set with the lock: another replica's
    /// write goes through while the frozen one still sleeps, and the frozen write, whose
    /// connection was closed before BEGIN, runs again on a fresh one.
    @Test func aReplicaFrozenHoldingTheWriterLockDoesNotStallTheOthers() async throws {
        let database = try await freshDatabase()
        let url = try PostgresDatabaseURL(database.url)
        let entered = AsyncStream<Void>.makeStream()
        let frozen = Mutex((calls: 0, asleep: false))
        var configuration = PostgresEngine.Configuration()
        configuration.stalledTransactionSeconds = 1
        configuration.exclusiveAfter = 0  // every write takes the writer lock exclusively
        configuration.afterTakingLocks = {
            let first = frozen.withLock { state in
                state.calls += 1
                state.asleep = state.calls == 1
                return state.calls == 1
            }
            guard first else { return }
            entered.continuation.yield()
            Thread.sleep(forTimeInterval: 4)
            frozen.withLock { $0.asleep = false }
        }
        let stalled = SQLStorage(engine: try await PostgresEngine.open(url: url, configuration: configuration))
        let other = try await SQLStorage.postgres(url: url)
        let frozenWrite = Task {
            try await stalled.engine.write { db in
                try db.execute(sql: "INSERT INTO leases (name, owner, token, expires_at) VALUES ('frozen', 'r1', 1, 0)")
            }
        }
        var iterator = entered.stream.makeAsyncIterator()
        _ = await iterator.next()
        try await other.engine.write { db in
            try db.execute(sql: "INSERT INTO leases (name, owner, token, expires_at) VALUES ('other', 'r2', 1, 0)")
        }
        #expect(frozen.withLock { $0.asleep }, "the other replica's write waited for the frozen one to wake")
        try await frozenWrite.value
        #expect(frozen.withLock { $0.calls } == 2, "the frozen write ran again on a fresh connection")
        let names = try await other.engine.read { db in
            try String.fetchAll(db, sql: "SELECT name FROM leases WHERE name IN ('frozen', 'other') ORDER BY name")
        }
        #expect(names == ["frozen", "other"])
        await stalled.close()
        await other.close()
        await database.drop()
    }

    /// Writers on several replicas append to one audit chain: serializable transactions retried on
    /// conflict keep it one linear chain (every event links to the one before it).
    @Test func concurrentReplicasKeepOneLinearAuditChain() async throws {
        let database = try await freshDatabase()
        let url = try PostgresDatabaseURL(database.url)
        var replicas: [SQLStorage] = []
        for _ in 0..<3 { replicas.append(try await SQLStorage.postgres(url: url)) }
        let stores = replicas
        do {
            try await appendConcurrently(stores)
        } catch {
            for store in stores { await store.close() }
            await database.drop()
            throw error
        }
        let events = try await stores[0].auditEvents(afterID: 0, since: nil, target: nil, limit: 10_000)
        #expect(events.count == 3 * 4 * 15)
        let verification = AuditVerifier.verify(events: events, checkpoints: [], key: nil)
        #expect(verification.isIntact, "\(verification.problems.prefix(3))")
        for store in stores { await store.close() }
        await database.drop()
    }

    func appendConcurrently(_ stores: [SQLStorage]) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, store) in stores.enumerated() {
                for writer in 0..<4 {
                    group.addTask {
                        for event in 0..<15 {
                            try await store.appendEvent(
                                EventRecord(
                                    at: T.at(Double(event)),
                                    actor: "replica:\(index)",
                                    action: "test.concurrent",
                                    target: "writer:\(writer)",
                                    details: "{}"
                                )
                            )
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
    }

    /// Keys the replicas share: whichever replica asks first creates it, every replica reads the same.
    @Test func replicasShareOneKey() async throws {
        let database = try await freshDatabase()
        let url = try PostgresDatabaseURL(database.url)
        var replicas: [SQLStorage] = []
        for _ in 0..<3 { replicas.append(try await SQLStorage.postgres(url: url)) }
        let stores = replicas
        let keys = try await withThrowingTaskGroup(of: [UInt8].self) { group in
            for (index, store) in stores.enumerated() {
                group.addTask { try await store.sharedKey(named: "plan-signing", now: T.base) { [UInt8(index)] } }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(Set(keys).count == 1)
        let created = try await stores[0].events(limit: 100).filter { $0.action == "server.key.created" }
        #expect(created.count == 1)
        for store in stores { await store.close() }
        await database.drop()
    }
}
