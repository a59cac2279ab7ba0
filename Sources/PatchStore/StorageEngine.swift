import Foundation

/// Chooses and opens the storage engine — SQLite in a data directory, or PostgreSQL at a URL: the one
/// place outside this module's engines that names a concrete engine. Everything else speaks
/// ``PatchStorage``.
public enum StorageEngine {
    /// The database file of the embedded engine in `dataDirectory`.
    public static func databasePath(dataDirectory: String) -> String {
        dataDirectory + "/patchpilot.sqlite"
    }

    /// Opens (creating the directory, owner-only, and the database if needed) the store of
    /// `dataDirectory`.
    public static func open(dataDirectory: String) throws -> any PatchStorage {
        try FileManager.default.createDirectory(
            atPath: dataDirectory,
            withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o700]
        )
        return try SQLStorage(path: databasePath(dataDirectory: dataDirectory))
    }

    /// Opens PostgreSQL at `databaseURL` when one is given, else SQLite in `dataDirectory`. On
    /// PostgreSQL, a session stalled in an open transaction for `stalledTransactionSeconds` is
    /// ended by the database (its locks released); a replica passes its lease period.
    public static func open(
        databaseURL: String?,
        dataDirectory: String,
        stalledTransactionSeconds: Int = 15
    ) async throws -> any PatchStorage {
        guard let databaseURL, !databaseURL.isEmpty else { return try open(dataDirectory: dataDirectory) }
        return try await SQLStorage.postgres(
            url: try PostgresDatabaseURL(databaseURL),
            stalledTransactionSeconds: stalledTransactionSeconds
        )
    }
}
