import ArgumentParser
import Crypto
import Foundation
import PatchServer
import PatchStore

/// `--data-dir` and `--database`, shared by every command that opens the server's database directly.
struct DataDirectoryOptions: ParsableArguments {
    @Option(
        name: .customLong("data-dir"),
        help: "Directory holding the server's SQLite database (when no --database is given) and keys."
    )
    var dataDirectory = ServerConfiguration().dataDirectory

    @Option(
        name: .customLong("database"),
        help: ArgumentHelp(
            "PostgreSQL instead of SQLite: postgres://USER[:PASSWORD]@HOST[:PORT]/DB[?sslmode=require|verify-full] (or set PATCHPILOT_DATABASE_URL).",
            valueName: "url"
        )
    )
    var database: String?

    /// The PostgreSQL URL from the option or the environment, if any.
    var databaseURL: String? { database ?? ProcessInfo.processInfo.environment["PATCHPILOT_DATABASE_URL"] }

    /// Opens the store: PostgreSQL when a database URL is given, else SQLite in the data directory
    /// (created if needed).
    func openStorage(stalledTransactionSeconds: Int = 15) async throws -> any PatchStorage {
        try await StorageEngine.open(
            databaseURL: databaseURL,
            dataDirectory: dataDirectory,
            stalledTransactionSeconds: stalledTransactionSeconds
        )
    }

    var databasePath: String { StorageEngine.databasePath(dataDirectory: dataDirectory) }

    /// The key that signs audit checkpoints.
    var auditKeyPath: String { dataDirectory + "/audit-signing.key" }

    /// The key that signs agents' plans: a file in the data directory on SQLite; on PostgreSQL, in
    /// the database, so that every replica signs with the one key agents pinned.
    func planKey(_ storage: any PatchStorage) async throws -> Curve25519.Signing.PrivateKey {
        guard databaseURL != nil else { return try PlanSigningKey.loadOrCreate(dataDirectory: dataDirectory) }
        return try await PlanSigningKey.loadOrCreate(named: "plan-signing", in: storage, now: SystemWallClock().now())
    }

    /// The key that signs audit checkpoints (where ``planKey(_:)`` says).
    func auditKey(_ storage: any PatchStorage) async throws -> Curve25519.Signing.PrivateKey {
        guard databaseURL != nil else { return try PlanSigningKey.loadOrCreate(path: auditKeyPath) }
        return try await PlanSigningKey.loadOrCreate(named: "audit-signing", in: storage, now: SystemWallClock().now())
    }

    /// The audit key if one exists, without creating one (for verification).
    func existingAuditKey(_ storage: any PatchStorage) async throws -> Curve25519.Signing.PrivateKey? {
        guard databaseURL != nil else {
            return try FileManager.default.contents(atPath: auditKeyPath).map {
                try Curve25519.Signing.PrivateKey(rawRepresentation: $0)
            }
        }
        return try await auditKey(storage)
    }

    /// Seals the audit chain's head with the deployment's audit key: a command that wrote events
    /// leaves no unsealed tail behind it.
    func sealAudit(_ storage: any PatchStorage) async throws {
        let audit = AuditService(storage: storage, clock: SystemWallClock(), key: try await auditKey(storage))
        try await audit.seal()
    }
}

/// Parses durations such as `90s`, `15m`, `24h`, `30d`.
struct DurationArgument: ExpressibleByArgument, Sendable {
    var seconds: TimeInterval

    init?(argument: String) {
        // Finite, positive and at most 100 years: nothing downstream converts an absurd duration.
        guard let unit = argument.last, let value = Double(argument.dropLast()), value.isFinite, value > 0,
            value <= 100 * 366 * 86400
        else { return nil }
        switch unit {
        case "s": seconds = value
        case "m": seconds = value * 60
        case "h": seconds = value * 3600
        case "d": seconds = value * 86400
        default: return nil
        }
        guard seconds <= 100 * 366 * 86400 else { return nil }
    }

    static var defaultCompletionKind: CompletionKind { .default }
}

/// Parses `host:port`.
struct ListenAddress: ExpressibleByArgument, Sendable {
    var host: String
    var port: Int

    init?(argument: String) {
        guard let colon = argument.lastIndex(of: ":"), let port = Int(argument[argument.index(after: colon)...]),
            (0...65535).contains(port)
        else { return nil }
        var host = String(argument[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { return nil }
        self.host = host
        self.port = port
    }
}
