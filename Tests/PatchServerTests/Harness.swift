import AgentProtocol
import ChangeControl
import Crypto
import FleetModel
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import PatchAPI
import PatchServer
import PatchStore
import PatchTestSupport
import SecurityAdvisories
import Synchronization

/// A clock the test moves by hand.
final class ManualClock: WallClock {
    private let current: Mutex<Date>
    init(_ start: Date = Date(timeIntervalSince1970: 1_800_000_000)) { current = Mutex(start) }
    func now() -> Date { current.withLock { $0 } }
    func advance(_ seconds: TimeInterval) { current.withLock { $0 = $0.addingTimeInterval(seconds) } }
}

/// A server on a temporary SQLite file — or, with `PATCHPILOT_TEST_ENGINE=postgres`, a database of
/// its own on the test PostgreSQL server — with an admin, an operator and a viewer and their API tokens.
struct Harness {
    /// Where the harness's store lives: SQLite in `directory`, or a fresh PostgreSQL database.
    static func makeDatabase(directory: URL) async throws -> String? {
        guard PostgresTestDatabase.selected, let server = PostgresTestDatabase.serverURL else { return nil }
        // The throwaway cluster is removed with all its databases at the end of the run.
        return try await PostgresTestDatabase.create(serverURL: server).url
    }

    /// Opens the harness's store (again, for a restart).
    func reopen() async throws -> SQLStorage {
        try await Self.open(directory: directory, databaseURL: databaseURL)
    }

    static func open(directory: URL, databaseURL: String?) async throws -> SQLStorage {
        if let databaseURL {
            return try await SQLStorage.postgres(url: PostgresDatabaseURL(databaseURL), connections: 3)
        }
        return try SQLStorage(path: directory.appendingPathComponent("db.sqlite").path)
    }

    let directory: URL
    /// The PostgreSQL database, when the tests run on PostgreSQL.
    let databaseURL: String?
    let storage: SQLStorage
    let clock: ManualClock
    let identities: IdentityService
    var configuration: ServerConfiguration
    let tokens: [Role: String]

    static func make(
        clockStart: Date = Date(timeIntervalSince1970: 1_800_000_000),
        configure: (inout ServerConfiguration) -> Void = { _ in }
    ) async throws -> Harness {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pp-server-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let databaseURL = try await makeDatabase(directory: directory)
        let storage = try await open(directory: directory, databaseURL: databaseURL)
        let clock = ManualClock(clockStart)
        var configuration = ServerConfiguration()
        configuration.bcryptCost = 4
        configure(&configuration)
        let identities = IdentityService(storage: storage, clock: clock, bcryptCost: 4)
        var tokens: [Role: String] = [:]
        for role in Role.builtIn {
            let user = try await identities.createUser(
                username: role.name + "-user",
                password: "correct horse battery staple",
                role: role.name,
                actor: "test"
            )
            tokens[role] = try await identities.createAPIToken(
                userID: user.id,
                name: "test",
                expiresIn: nil,
                actor: "test"
            ).text
        }
        return Harness(
            directory: directory,
            databaseURL: databaseURL,
            storage: storage,
            clock: clock,
            identities: identities,
            configuration: configuration,
            tokens: tokens
        )
    }

    func application() async throws -> some ApplicationProtocol {
        try await buildApplication(
            configuration: configuration,
            dependencies: ServerDependencies(storage: storage, clock: clock, logger: Self.logger)
        )
    }

    /// Quiet unless something is wrong, so test output stays readable.
    static var logger: Logger {
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        return logger
    }

    func enrollmentToken(uses: Int = 5, expiresIn: TimeInterval = 3600, host: String? = nil) async throws -> String {
        try await identities.createEnrollmentToken(uses: uses, expiresIn: expiresIn, hostID: host, actor: "test").text
    }

    /// Stores advisory, KEV and EPSS data as one feed import at the harness clock's time.
    func importAdvisories(
        _ advisories: [Advisory],
        knownExploited: [KnownExploitedVulnerability] = [],
        epss: [EPSSScore] = []
    ) async throws {
        _ = try await storage.importAdvisories(
            advisories,
            knownExploited: knownExploited,
            epss: epss,
            skipped: 0,
            source: "test",
            format: "test",
            actor: "test",
            now: clock.now()
        )
    }

    /// The router with its findings engine loaded from what the store holds now.
    func routerWithFindings() async throws -> BuiltRouter {
        let built = try await buildRouter(
            configuration: configuration,
            dependencies: ServerDependencies(storage: storage, clock: clock, logger: Self.logger)
        )
        try await built.vulnerabilities.refreshIfNeeded()
        return built
    }

    func bearer(_ role: Role) -> HTTPFields { [.authorization: "Bearer \(tokens[role]!)"] }
}

/// A simulated agent inside a test: key, facts, packages.
struct TestAgent {
    let key = Curve25519.Signing.PrivateKey()
    var facts: HostFacts
    var packages: [InstalledPackage]
    var agentID = ""
    var hostID = ""

    init(machineID: String = UUID().uuidString, hostname: String = "web-01") {
        facts = HostFacts(
            hostname: hostname,
            machineID: machineID,
            bootID: UUID().uuidString,
            os: OSRelease(id: "debian", versionID: "12", versionCodename: "bookworm"),
            architecture: "x86_64",
            kernelRunning: "6.1.0-18-amd64"
        )
        packages = [
            InstalledPackage(
                name: "bash",
                architecture: "amd64",
                version: "5.2.15-2+b8",
                sourceName: "bash",
                sourceVersion: "5.2.15-2",
                manager: .dpkg
            ),
            InstalledPackage(
                name: "bsdutils",
                architecture: "amd64",
                version: "1:2.38.1-5+deb12u3",
                sourceName: "util-linux",
                sourceVersion: "2.38.1-5+deb12u3",
                manager: .dpkg
            ),
            InstalledPackage(name: "openssl", architecture: "amd64", version: "3.0.15-1~deb12u1", manager: .dpkg),
        ]
    }

    func enrollBody(token: String) throws -> ByteBuffer {
        let request = EnrollmentRequest(
            token: token,
            publicKey: Base64.encode(Array(key.publicKey.rawRepresentation)),
            facts: facts
        )
        return ByteBuffer(bytes: try JSONEncoder().encode(request))
    }

    /// Signed headers for a POST of `body` to `path` at `time`.
    func signedHeaders(
        path: String,
        body: [UInt8],
        time: Date,
        nonce: String? = nil,
        signingKey: Curve25519.Signing.PrivateKey? = nil
    )
        throws -> HTTPFields
    {
        let signature = try RequestSignature.sign(
            method: "POST",
            path: path,
            body: body,
            agentID: agentID,
            key: signingKey ?? key,
            timestamp: Int64(time.timeIntervalSince1970),
            nonce: nonce ?? UUID().uuidString
        )
        var fields: HTTPFields = [.contentType: "application/json"]
        for header in signature.headers { fields[HTTPField.Name(header.name)!] = header.value }
        return fields
    }
}

extension TestClientProtocol {
    /// Enrolls the agent and records its ids.
    func enroll(_ agent: inout TestAgent, token: String) async throws {
        let response = try await execute(
            uri: "/api/v1/agent/enroll",
            method: .post,
            body: try agent.enrollBody(token: token)
        )
        guard response.status == .created else {
            throw TestFailure("enrollment failed: \(response.status) \(String(buffer: response.body))")
        }
        let answer = try JSONDecoder().decode(EnrollmentResponse.self, from: Data(response.body.readableBytesView))
        agent.agentID = answer.agentID
        agent.hostID = answer.hostID
    }

    /// Sends a signed POST and returns the response.
    func signedPost<Body: Encodable>(
        _ path: String,
        _ value: Body,
        agent: TestAgent,
        clock: ManualClock
    ) async throws
        -> TestResponse
    {
        try await signedPost(path, bytes: Array(try JSONEncoder().encode(value)), agent: agent, clock: clock)
    }

    /// A signed agent POST of exactly `bytes` (a retry sends the same bytes again).
    func signedPost(_ path: String, bytes: [UInt8], agent: TestAgent, clock: ManualClock) async throws -> TestResponse {
        let headers = try agent.signedHeaders(path: path, body: bytes, time: clock.now())
        return try await execute(uri: path, method: .post, headers: headers, body: ByteBuffer(bytes: bytes))
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

extension TestResponse {
    var text: String { String(buffer: body) }
    /// The body decoded as the API's clients decode it.
    func json<T: Decodable>(_ type: T.Type) throws -> T {
        try APIJSON.decoder.decode(type, from: Data(body.readableBytesView))
    }
}
