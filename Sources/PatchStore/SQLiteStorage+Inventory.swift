import FleetModel
import Foundation
import GRDB

extension SQLiteStorage {
    public func recordCheckIn(hostID: String, facts: HostFacts, now: Date) async throws {
        let factsJSON = try Self.json(facts)
        try await write { db in
            try Self.updateFacts(hostID: hostID, facts: facts, factsJSON: factsJSON, now: now, db)
            if db.changesCount == 0 { throw StoreError(code: .notFound, message: "no host with id \(hostID)") }
        }
    }

    public func inventory(hostID: String) async throws -> StoredInventory {
        try await pool.read { db in try Self.inventory(hostID: hostID, db) }
    }

    public func replaceInventory(
        hostID: String,
        expectedFingerprint: String?,
        packages: [InstalledPackage],
        fingerprint: String,
        now: Date
    ) async throws -> PackageSetDiff {
        var keys = Set<PackageKey>()
        for package in packages where !keys.insert(package.key).inserted {
            throw StoreError(
                code: .invalidData,
                message: "inventory of host \(hostID) lists \(package.name):\(package.architecture) twice"
            )
        }
        return try await write { db -> PackageSetDiff in
            let stored = try Self.inventory(hostID: hostID, db)
            guard stored.fingerprint == expectedFingerprint else {
                throw StoreError(
                    code: .conflict,
                    message: "inventory of host \(hostID) changed meanwhile (stored \(stored.fingerprint ?? "none"))"
                )
            }
            let diff = PackageSetDiff(from: stored.packages, to: packages)
            let previous = Dictionary(stored.packages.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
            let at = Self.millis(now)
            let delete = try db.makeStatement(
                sql: "DELETE FROM installed_packages WHERE host_id = ? AND name = ? AND architecture = ?"
            )
            let upsert = try db.makeStatement(
                sql: """
                    INSERT OR REPLACE INTO installed_packages
                        (host_id, name, architecture, version, source_name, source_version, state, manager)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """
            )
            let history = try db.makeStatement(
                sql: """
                    INSERT INTO inventory_changes
                        (host_id, at, kind, name, architecture, old_version, new_version, old_state, new_state)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """
            )
            for key in diff.removed {
                try delete.execute(arguments: [hostID, key.name, key.architecture])
                let old = previous[key]
                try history.execute(arguments: [
                    hostID, at, PackageChange.Kind.removed.rawValue, key.name, key.architecture,
                    old?.version, nil, old?.state.rawValue, nil,
                ])
            }
            for (kind, list) in [(PackageChange.Kind.added, diff.added), (.changed, diff.changed)] {
                for package in list {
                    try upsert.execute(arguments: [
                        hostID, package.name, package.architecture, package.version, package.sourceName,
                        package.sourceVersion, package.state.rawValue, package.manager.rawValue,
                    ])
                    let old = previous[package.key]
                    try history.execute(arguments: [
                        hostID, at, kind.rawValue, package.name, package.architecture, old?.version,
                        package.version, old?.state.rawValue, package.state.rawValue,
                    ])
                }
            }
            try db.execute(
                sql: "UPDATE hosts SET inventory_fingerprint = ?, package_count = ?, last_seen = ? WHERE id = ?",
                arguments: [fingerprint, packages.count, at, hostID]
            )
            try Self.insertEvent(
                EventRecord(
                    at: now,
                    actor: "host:\(hostID)",
                    action: "inventory.updated",
                    target: "host:\(hostID)",
                    details: try Self.json([
                        "added": diff.added.count, "removed": diff.removed.count, "changed": diff.changed.count,
                        "packages": packages.count,
                    ])
                ),
                db
            )
            return diff
        }
    }

    public func inventoryHistory(hostID: String, limit: Int, offset: Int) async throws -> [PackageChange] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT * FROM inventory_changes WHERE host_id = ? ORDER BY id DESC LIMIT ? OFFSET ?",
                arguments: [hostID, limit, offset]
            ).map { row in
                PackageChange(
                    hostID: row["host_id"],
                    at: Self.date(row["at"] as Int64),
                    kind: PackageChange.Kind(rawValue: row["kind"]) ?? .changed,
                    name: row["name"],
                    architecture: row["architecture"],
                    oldVersion: row["old_version"],
                    newVersion: row["new_version"],
                    oldState: row["old_state"],
                    newState: row["new_state"]
                )
            }
        }
    }

    static func inventory(hostID: String, _ db: Database) throws -> StoredInventory {
        guard
            let fingerprintRow = try Row.fetchOne(
                db,
                sql: "SELECT inventory_fingerprint FROM hosts WHERE id = ?",
                arguments: [hostID]
            )
        else { throw StoreError(code: .notFound, message: "no host with id \(hostID)") }
        let packages = try Row.fetchAll(
            db,
            sql: "SELECT * FROM installed_packages WHERE host_id = ? ORDER BY name, architecture",
            arguments: [hostID]
        ).map { row in
            InstalledPackage(
                name: row["name"],
                architecture: row["architecture"],
                version: row["version"],
                sourceName: row["source_name"],
                sourceVersion: row["source_version"],
                state: PackageState(rawValue: row["state"]) ?? .notInstalled,
                manager: PackageManagerKind(rawValue: row["manager"]) ?? .dpkg
            )
        }
        return StoredInventory(fingerprint: fingerprintRow["inventory_fingerprint"], packages: packages)
    }
}
