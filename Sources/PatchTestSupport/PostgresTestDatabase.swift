import Foundation
import Logging
import PatchStore
import PostgresNIO

/// A database of its own on the test PostgreSQL server (`PATCHPILOT_TEST_POSTGRES_URL`, started by
/// `scripts/test.sh`), created for one fixture and dropped after. Test code only.
public struct PostgresTestDatabase: Sendable {
    /// The URL of the new database.
    public let url: String
    private let serverURL: PostgresDatabaseURL
    private let name: String

    /// Creates an empty database beside the one `serverURL` names.
    public static func create(serverURL: String) async throws -> PostgresTestDatabase {
        let server = try PostgresDatabaseURL(serverURL)
        let name = "pp_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        try await run("CREATE DATABASE \(name)", on: server)
        guard var components = URLComponents(string: serverURL) else {
            throw StoreError(code: .unavailable, message: "bad test database URL")
        }
        components.path = "/" + name
        return PostgresTestDatabase(url: components.string!, serverURL: server, name: name)
    }

    /// Drops the database (connections to it must be closed).
    public func drop() async {
        try? await Self.run("DROP DATABASE IF EXISTS \(name) WITH (FORCE)", on: serverURL)
    }

    private static func run(_ sql: String, on server: PostgresDatabaseURL) async throws {
        let logger = Logger(label: "patchpilot.tests.postgres")
        let connection = try await PostgresConnection.connect(
            configuration: try server.connectionConfiguration(),
            id: 1,
            logger: logger
        )
        do {
            try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger)
        } catch {
            try? await connection.close()
            throw error
        }
        try await connection.close()
    }
}

extension PostgresTestDatabase {
    /// The test server's URL, when the tests run against PostgreSQL.
    public static var serverURL: String? { ProcessInfo.processInfo.environment["PATCHPILOT_TEST_POSTGRES_URL"] }

    /// Whether the suites that run on either engine should use PostgreSQL
    /// (`PATCHPILOT_TEST_ENGINE=postgres` with a server URL).
    public static var selected: Bool {
        ProcessInfo.processInfo.environment["PATCHPILOT_TEST_ENGINE"] == "postgres" && serverURL != nil
    }
}
