import Foundation

/// Chooses and opens the storage engine for a data directory: the one place outside this module's
/// engines that names a concrete engine. Everything else speaks ``PatchStorage``.
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
        return try SQLiteStorage(path: databasePath(dataDirectory: dataDirectory))
    }
}
