import FleetModel

/// Finds or adds catalog rows for packages inside one write transaction, remembering the ids it
/// has seen (one statement per distinct package, not per host).
struct CatalogWriter {
    struct Identity: Hashable {
        var release: String
        var manager: String
        var name: String
        var architecture: String
        var version: String
        var sourceName: String
        var sourceVersion: String

        init(release: String, package: InstalledPackage) {
            self.release = release
            manager = package.manager.rawValue
            name = package.name
            architecture = package.architecture
            version = package.version
            sourceName = package.sourceName
            sourceVersion = package.sourceVersion
        }
    }

    private var known: [Identity: Int64] = [:]
    /// Committed catalog rows shared across transactions (see ``CatalogIDCache``).
    private let committed: CatalogIDCache?

    init(committed: CatalogIDCache? = nil) { self.committed = committed }

    /// The catalog row of a package identity, if stored: its id and whether it was correlated.
    static func find(_ identity: Identity, _ db: any SQLSession) throws -> (id: Int64, correlated: Bool)? {
        guard
            // Asked for every package of every upload: a cached statement is parsed and authorized once.
            let row = try SQLRow.fetchOne(
                db.cachedStatement(
                    sql: """
                        SELECT id, correlated_at FROM packages WHERE release = ? AND name = ? AND architecture = ?
                            AND version = ? AND source_name = ? AND source_version = ? AND manager = ?
                        """
                ),
                arguments: [
                    identity.release, identity.name, identity.architecture, identity.version, identity.sourceName,
                    identity.sourceVersion, identity.manager,
                ]
            )
        else { return nil }
        return (row["id"], (row["correlated_at"] as Int64?) != nil)
    }
    /// Ids this writer added (new to the catalog).
    private(set) var added: [Int64] = []

    /// The catalog id of `package` on hosts of `release`, adding the row when it is new.
    mutating func id(release: String, package: InstalledPackage, _ db: any SQLSession) throws -> Int64 {
        let identity = Identity(release: release, package: package)
        if let id = known[identity] ?? committed?.id(identity) {
            known[identity] = id
            return id
        }
        if let row = try Self.find(identity, db) {
            known[identity] = row.id
            return row.id
        }
        let arguments: SQLArguments = [
            identity.release, identity.name, identity.architecture, identity.version, identity.sourceName,
            identity.sourceVersion, identity.manager,
        ]
        // Another replica's transaction may add the same row meanwhile: DO NOTHING turns that race
        // into a serialization failure on PostgreSQL (the row is not in this snapshot; the write
        // runs again and finds it) instead of a unique violation that fails the upload.
        let inserted = try SQLRow.fetchOne(
            db.cachedStatement(
                sql: """
                    INSERT INTO packages (release, name, architecture, version, source_name, source_version, manager)
                    VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id
                    """
            ),
            arguments: arguments
        )
        let existing = inserted == nil ? try Self.find(identity, db)?.id : nil
        guard let id: Int64 = inserted?["id"] ?? existing else {
            throw StoreError(
                code: .conflict,
                message: "package \(identity.name) \(identity.version) could not be added"
            )
        }
        known[identity] = id
        if inserted != nil { added.append(id) }
        return id
    }
}
