import ArgumentParser
import Foundation
import PatchServer
import PatchStore

/// `--data-dir`, shared by every command that opens the server's database directly.
struct DataDirectoryOptions: ParsableArguments {
    @Option(name: .customLong("data-dir"), help: "Directory holding the server's database.")
    var dataDirectory = ServerConfiguration().dataDirectory

    /// Opens (creating if needed) the store in the data directory.
    func openStorage() throws -> any PatchStorage {
        try StorageEngine.open(dataDirectory: dataDirectory)
    }

    var databasePath: String { StorageEngine.databasePath(dataDirectory: dataDirectory) }

    /// The key that signs audit checkpoints.
    var auditKeyPath: String { dataDirectory + "/audit-signing.key" }

    /// Seals the audit chain's head with the data directory's audit key: a command that wrote events
    /// leaves no unsealed tail behind it.
    func sealAudit(_ storage: any PatchStorage) async throws {
        let audit = AuditService(
            storage: storage,
            clock: SystemWallClock(),
            key: try PlanSigningKey.loadOrCreate(path: auditKeyPath)
        )
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
