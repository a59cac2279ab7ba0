import FleetModel
import Foundation
import GRDB
import PatchTestSupport
import Testing

@testable import PatchStore

/// A fresh, empty store on the engine under test: a SQLite file in its own temporary directory, or
/// — when `PATCHPILOT_TEST_ENGINE=postgres` — a database of its own on the PostgreSQL server that
/// `PATCHPILOT_TEST_POSTGRES_URL` names (scripts/test.sh starts one and runs this suite a second
/// time so). The same tests run on both engines; the few about one engine's files or query plans
/// say so with ``sqliteOnly``.
final class StoreFixture: Sendable {
    /// The PostgreSQL server tests may use (a URL whose database the fixtures create others beside).
    static let serverURL = ProcessInfo.processInfo.environment["PATCHPILOT_TEST_POSTGRES_URL"].flatMap {
        $0.isEmpty ? nil : $0
    }
    /// The server the store suite runs on, when the suite runs on PostgreSQL.
    static let postgresURL =
        ProcessInfo.processInfo.environment["PATCHPILOT_TEST_ENGINE"] == "postgres"
        ? serverURL : nil
    /// For tests about SQLite's own files, migrations from older SQLite schemas or query plans.
    static let sqliteOnly = ConditionTrait.enabled(if: postgresURL == nil, "about the SQLite engine")
    /// For tests about the PostgreSQL engine itself (they need a server).
    static let needsPostgres = ConditionTrait.enabled(if: serverURL != nil, "needs PATCHPILOT_TEST_POSTGRES_URL")

    let directory: URL
    /// The SQLite file (on PostgreSQL: a path nothing is stored at).
    let path: String
    let store: SQLStorage
    private let database: PostgresTestDatabase?

    /// A fresh store on the engine under test.
    static func make() async throws -> StoreFixture {
        guard let postgresURL else { return try StoreFixture() }
        let database = try await PostgresTestDatabase.create(serverURL: postgresURL)
        return try StoreFixture(
            store: try await SQLStorage.postgres(url: try PostgresDatabaseURL(database.url)),
            database: database
        )
    }

    /// A fresh SQLite store (for tests about the SQLite engine; others use ``make()``).
    convenience init() throws {
        let directory = Self.temporaryDirectory()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("patchpilot.sqlite").path
        try self.init(directory: directory, path: path, store: try SQLStorage(path: path), database: nil)
    }

    private convenience init(store: SQLStorage, database: PostgresTestDatabase) throws {
        let directory = Self.temporaryDirectory()
        try self.init(
            directory: directory,
            path: directory.appendingPathComponent("unused.sqlite").path,
            store: store,
            database: database
        )
    }

    private init(directory: URL, path: String, store: SQLStorage, database: PostgresTestDatabase?) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        self.directory = directory
        self.path = path
        self.store = store
        self.database = database
    }

    private static func temporaryDirectory() -> URL {
        FileManager.default.temporaryDirectory
            .appendingPathComponent("patchstore-tests-\(UUID().uuidString)", isDirectory: true)
    }

    deinit {
        try? FileManager.default.removeItem(at: directory)
        if let database {
            let store = store
            Task {
                await store.close()
                await database.drop()
            }
        }
    }

    /// A separate GRDB connection to the same SQLite file, to look behind the storage API (SQLite
    /// tests only; engine-neutral tests use ``read(_:)`` and ``write(_:)``).
    func rawQueue() throws -> DatabaseQueue {
        try DatabaseQueue(path: path)
    }

    /// A second store on the same database (as another process or replica opens it); the caller closes it.
    func reopen() async throws -> SQLStorage {
        if let database { return try await SQLStorage.postgres(url: try PostgresDatabaseURL(database.url)) }
        return try SQLStorage(path: path)
    }

    /// Runs `body` on a read snapshot of the store's database, behind the storage API.
    func read<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) throws -> T) async throws -> T {
        try await store.engine.read(body)
    }

    /// Runs `body` in a write transaction of the store's database, behind the storage API.
    func write<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) throws -> T) async throws -> T {
        try await store.engine.write(body)
    }

    /// Creates an enrollment token that allows `uses` enrollments.
    func makeToken(
        id: String = "tok1",
        secretHash: String = "hash1",
        uses: Int = 100,
        createdAt: Date = T.base,
        expiresAt: Date = T.base.addingTimeInterval(30 * 86400),
        hostID: String? = nil
    ) async throws {
        try await store.createEnrollmentToken(
            EnrollmentTokenRecord(
                id: id,
                secretHash: secretHash,
                usesAllowed: uses,
                createdAt: createdAt,
                expiresAt: expiresAt,
                createdBy: "user:admin",
                hostID: hostID
            ),
            actor: "user:admin"
        )
    }

    /// Enrolls a host through the store and returns its host id.
    @discardableResult
    func enrollHost(
        _ facts: HostFacts,
        agentID: String? = nil,
        hostID: String? = nil,
        tokenID: String = "tok1",
        secretHash: String = "hash1",
        now: Date = T.base
    ) async throws -> String {
        let outcome = try await store.enroll(
            tokenID: tokenID,
            secretHash: secretHash,
            registration: AgentRegistration(
                agentID: agentID ?? "agt-\(facts.machineID)",
                newHostID: hostID ?? "host-\(facts.machineID)",
                publicKey: "cHVibGljLWtleQ==",
                facts: facts
            ),
            now: now
        )
        guard case .enrolled(_, let hostID) = outcome else {
            Issue.record("enrollment of \(facts.hostname) failed: \(outcome)")
            throw StoreError(code: .notFound, message: "enrollment failed")
        }
        return hostID
    }
}

/// Fixed times: whole seconds so that millisecond storage round-trips exactly.
enum T {
    static let base = Date(timeIntervalSince1970: 1_700_000_000)
    static func at(_ seconds: TimeInterval) -> Date { base.addingTimeInterval(seconds) }
}

func facts(
    hostname: String,
    machineID: String? = nil,
    os: (String, String) = ("debian", "12"),
    kernel: String = "6.1.0-18-amd64",
    reboot: Bool = false
) -> HostFacts {
    HostFacts(
        hostname: hostname,
        machineID: machineID ?? "mid-\(hostname)",
        bootID: "boot-\(hostname)",
        os: OSRelease(id: os.0, versionID: os.1),
        architecture: "x86_64",
        kernelRunning: kernel,
        kernelNewestInstalled: kernel,
        rebootRequired: reboot,
        rebootRequiredPackages: reboot ? ["linux-image-amd64"] : [],
        uptimeSeconds: 12345.5
    )
}

func pkg(
    _ name: String,
    _ version: String,
    arch: String = "amd64",
    state: PackageState = .installed
)
    -> InstalledPackage
{
    InstalledPackage(name: name, architecture: arch, version: version, state: state, manager: .dpkg)
}
