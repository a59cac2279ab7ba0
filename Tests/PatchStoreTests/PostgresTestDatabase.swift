import Foundation
import Logging
import PostgresNIO

@testable import PatchStore

/// A database of its own on the test PostgreSQL server, created for one fixture and dropped after.
struct PostgresTestDatabase: Sendable {
    /// The URL of the new database.
    let url: String
    private let serverURL: PostgresDatabaseURL
    private let name: String

    /// Creates an empty database beside the one `serverURL` names.
    static func create(serverURL: String) async throws -> PostgresTestDatabase {
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
    func drop() async {
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
