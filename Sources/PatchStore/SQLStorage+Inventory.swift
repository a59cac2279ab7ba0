import FleetModel
import Foundation

extension SQLStorage {
    public func recordCheckIn(hostID: String, facts: HostFacts, now: Date) async throws {
        let factsJSON = try Self.json(facts)
        try await write { db in
            try Self.updateFacts(hostID: hostID, facts: facts, factsJSON: factsJSON, now: now, db)
            if db.changesCount == 0 { throw StoreError(code: .notFound, message: "no host with id \(hostID)") }
        }
    }

    public func inventory(hostID: String) async throws -> StoredInventory {
        try await engine.read { db in
            let host = try Self.inventoryHost(hostID: hostID, db)
            return StoredInventory(
                fingerprint: host.fingerprint,
                packages: try Self.hostPackages(host.number, db).values.map(\.package).sorted { $0.key < $1.key }
            )
        }
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
        let cache = catalogIDs
        return try await write { db -> PackageSetDiff in
            let host = try Self.inventoryHost(hostID: hostID, db)
            guard host.fingerprint == expectedFingerprint else {
                throw StoreError(
                    code: .conflict,
                    message: "inventory of host \(hostID) changed meanwhile (stored \(host.fingerprint ?? "none"))"
                )
            }
            let at = Self.millis(now)
            // The same inventory again touches one row.
            if host.fingerprint == fingerprint, host.inventorySince != nil {
                try db.execute(sql: "UPDATE hosts SET last_seen = ? WHERE number = ?", arguments: [at, host.number])
                return PackageSetDiff(from: [], to: [])
            }
            let stored = try Self.hostPackages(host.number, db)
            let diff = PackageSetDiff(from: stored.values.map(\.package), to: packages)
            let before = try Self.openHostFindings(host.number, db)
            try Self.applyInventoryDiff(diff, host: host, stored: stored, at: at, catalog: cache, db)
            try db.execute(
                sql: """
                    UPDATE hosts SET inventory_fingerprint = ?, package_count = ?, last_seen = ?,
                        inventory_since = COALESCE(inventory_since, ?)
                    WHERE number = ?
                    """,
                arguments: [fingerprint, packages.count, at, at, host.number]
            )
            let (opened, closed, open) = try Self.settleHostFindings(
                host.number,
                before: before,
                lastSeen: host.lastSeen,
                at: at,
                db
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
            if opened > 0 || closed > 0 {
                try Self.insertEvent(
                    EventRecord(
                        at: now,
                        actor: "system",
                        action: "findings.changed",
                        target: "host:\(hostID)",
                        details: try Self.json(["opened": opened, "closed": closed, "open": open])
                    ),
                    db
                )
            }
            return diff
        }
    }

    public func inventoryHistoryCount(hostID: String) async throws -> Int {
        try await engine.read { db in
            let host = try Self.inventoryHost(hostID: hostID, db)
            let changes =
                try Int.fetchOne(
                    db,
                    sql: "SELECT COUNT(*) FROM inventory_history WHERE host = ?",
                    arguments: [host.number]
                ) ?? 0
            // The first inventory's additions are listed after the change rows (see below).
            guard host.inventorySince != nil else { return changes }
            return changes + (try Self.baselineInventory(host.number, db).count)
        }
    }

    public func inventoryHistory(hostID: String, limit: Int, offset: Int) async throws -> [PackageChange] {
        let limit = max(0, limit)
        let offset = max(0, offset)
        return try await engine.read { db in
            let host = try Self.inventoryHost(hostID: hostID, db)
            let rows = try SQLRow.fetchAll(
                db,
                sql: """
                    SELECT ih.at, ih.old_state, ih.new_state, ih.old_package, ih.new_package,
                        op.name AS old_name, op.architecture AS old_architecture, op.version AS old_version,
                        np.name AS new_name, np.architecture AS new_architecture, np.version AS new_version
                    FROM inventory_history ih
                    LEFT JOIN packages op ON op.id = ih.old_package
                    LEFT JOIN packages np ON np.id = ih.new_package
                    WHERE ih.host = ? ORDER BY ih.id DESC LIMIT ? OFFSET ?
                    """,
                arguments: [host.number, limit, offset]
            )
            var changes = rows.map { row -> PackageChange in
                let oldVersion: String? = row["old_version"]
                let newVersion: String? = row["new_version"]
                let kind: PackageChange.Kind =
                    oldVersion == nil ? .added : (newVersion == nil ? .removed : .changed)
                return PackageChange(
                    hostID: hostID,
                    at: Self.date(row["at"] as Int64),
                    kind: kind,
                    name: row["new_name"] ?? row["old_name"] ?? "",
                    architecture: row["new_architecture"] ?? row["old_architecture"] ?? "",
                    oldVersion: oldVersion,
                    newVersion: newVersion,
                    oldState: oldVersion == nil ? nil : Self.stateText(row["old_state"]),
                    newState: newVersion == nil ? nil : Self.stateText(row["new_state"])
                )
            }
            // The first inventory is the baseline: its additions follow the change rows.
            guard changes.count < limit, let since = host.inventorySince else { return changes }
            let changeCount =
                try Int.fetchOne(
                    db,
                    sql: "SELECT COUNT(*) FROM inventory_history WHERE host = ?",
                    arguments: [host.number]
                )
                ?? 0
            let baseline = try Self.baselineInventory(host.number, db)
            let start = max(0, offset - changeCount)
            guard start < baseline.count else { return changes }
            for package in baseline[start..<min(baseline.count, start + limit - changes.count)] {
                changes.append(
                    PackageChange(
                        hostID: hostID,
                        at: Self.date(since),
                        kind: .added,
                        name: package.name,
                        architecture: package.architecture,
                        oldVersion: nil,
                        newVersion: package.version,
                        oldState: nil,
                        newState: package.state.rawValue
                    )
                )
            }
            return changes
        }
    }

    // MARK: Rows

    /// The inventory columns of a host row.
    struct InventoryHost {
        var number: Int64
        var fingerprint: String?
        var inventorySince: Int64?
        var lastSeen: Int64
        var release: String
    }

    /// One package row of a host.
    struct HostPackage {
        var id: Int64
        var since: Int64?
        var package: InstalledPackage
    }

    static func inventoryHost(hostID: String, _ db: any SQLSession) throws -> InventoryHost {
        guard
            let row = try SQLRow.fetchOne(
                db,
                sql: """
                    SELECT number, inventory_fingerprint, inventory_since, last_seen, facts_json FROM hosts WHERE id = ?
                    """,
                arguments: [hostID]
            )
        else { throw StoreError(code: .notFound, message: "no host with id \(hostID)") }
        let facts = try decode(HostFacts.self, row["facts_json"], what: "facts of host \(hostID)")
        return InventoryHost(
            number: row["number"],
            fingerprint: row["inventory_fingerprint"],
            inventorySince: row["inventory_since"],
            lastSeen: row["last_seen"],
            release: CatalogRelease.of(facts.os)
        )
    }

    static func hostPackages(_ number: Int64, _ db: any SQLSession) throws -> [PackageKey: HostPackage] {
        var packages: [PackageKey: HostPackage] = [:]
        for row in try SQLRow.fetchAll(
            db,
            sql: """
                SELECT hp.package, hp.since, hp.state, p.name, p.architecture, p.version, p.source_name,
                    p.source_version, p.manager
                FROM host_packages hp JOIN packages p ON p.id = hp.package WHERE hp.host = ?
                """,
            arguments: [number]
        ) {
            let package = InstalledPackage(
                name: row["name"],
                architecture: row["architecture"],
                version: row["version"],
                sourceName: row["source_name"],
                sourceVersion: row["source_version"],
                state: state(row["state"]),
                manager: PackageManagerKind(rawValue: row["manager"]) ?? .dpkg
            )
            packages[package.key] = HostPackage(id: row["package"], since: row["since"], package: package)
        }
        return packages
    }

    /// Writes a diff: host rows, the catalog's host counts, and history (none for the first
    /// inventory, which is the baseline). A package keeps its lineage start (`since`) across
    /// version changes while it stays installed.
    static func applyInventoryDiff(
        _ diff: PackageSetDiff,
        host: InventoryHost,
        stored: [PackageKey: HostPackage],
        at: Int64,
        catalog committed: CatalogIDCache? = nil,
        _ db: any SQLSession
    ) throws {
        let first = host.inventorySince == nil
        var catalog = CatalogWriter(committed: committed)
        // What the diff writes, gathered first: row by row on SQLite (in-process, prepared
        // statements), as four set-based statements on PostgreSQL (a first inventory is hundreds of
        // rows; one round trip each would keep the transaction open for the whole exchange).
        var changes = InventoryRowChanges()
        func stateColumn(_ state: PackageState) -> String? { state == .installed ? nil : state.rawValue }
        for key in diff.removed {
            guard let old = stored[key] else { continue }
            changes.deleted.append(old.id)
            if old.package.state.countsAsInstalled { changes.count(old.id, by: -1) }
            changes.history.append(.init(oldPackage: old.id, newPackage: nil, oldState: stateColumn(old.package.state)))
        }
        for package in diff.added {
            let id = try catalog.id(release: host.release, package: package, db)
            changes.inserted.append(.init(package: id, since: first ? nil : at, state: stateColumn(package.state)))
            if package.state.countsAsInstalled { changes.count(id, by: 1) }
            if !first {
                changes.history.append(.init(oldPackage: nil, newPackage: id, newState: stateColumn(package.state)))
            }
        }
        for package in diff.changed {
            guard let old = stored[package.key] else { continue }
            let id = try catalog.id(release: host.release, package: package, db)
            let continued = old.package.state.countsAsInstalled && package.state.countsAsInstalled
            changes.deleted.append(old.id)
            changes.inserted.append(
                .init(package: id, since: continued ? old.since : (first ? nil : at), state: stateColumn(package.state))
            )
            if old.package.state.countsAsInstalled { changes.count(old.id, by: -1) }
            if package.state.countsAsInstalled { changes.count(id, by: 1) }
            changes.history.append(
                .init(
                    oldPackage: old.id,
                    newPackage: id,
                    oldState: stateColumn(old.package.state),
                    newState: stateColumn(package.state)
                )
            )
        }
        try changes.write(host: host.number, at: at, db)
    }

    /// The first inventory, rebuilt by undoing the history from the current one, by name.
    static func baselineInventory(_ number: Int64, _ db: any SQLSession) throws -> [InstalledPackage] {
        var set: [Int64: String?] = [:]
        for row in try SQLRow.fetchAll(
            db,
            sql: "SELECT package, state FROM host_packages WHERE host = ?",
            arguments: [number]
        ) {
            set[row["package"]] = .some(row["state"])
        }
        for row in try SQLRow.fetchAll(
            db,
            sql: "SELECT old_package, new_package, old_state FROM inventory_history WHERE host = ? ORDER BY id DESC",
            arguments: [number]
        ) {
            if let new = row["new_package"] as Int64? { set[new] = nil }
            if let old = row["old_package"] as Int64? { set[old] = .some(row["old_state"]) }
        }
        guard !set.isEmpty else { return [] }
        var packages: [InstalledPackage] = []
        let ids = Array(set.keys)
        for start in stride(from: 0, to: ids.count, by: 500) {
            let chunk = Array(ids[start..<min(ids.count, start + 500)])
            let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
            for row in try SQLRow.fetchAll(
                db,
                sql: "SELECT * FROM packages WHERE id IN (\(marks))",
                arguments: SQLArguments(chunk)
            ) {
                let id: Int64 = row["id"]
                packages.append(
                    InstalledPackage(
                        name: row["name"],
                        architecture: row["architecture"],
                        version: row["version"],
                        sourceName: row["source_name"],
                        sourceVersion: row["source_version"],
                        state: state(set[id] ?? nil),
                        manager: PackageManagerKind(rawValue: row["manager"]) ?? .dpkg
                    )
                )
            }
        }
        return packages.sorted { $0.key < $1.key }
    }

    /// A state column: NULL is `installed`.
    static func state(_ text: String?) -> PackageState {
        guard let text else { return .installed }
        return PackageState(rawValue: text) ?? .notInstalled
    }

    static func stateText(_ text: String?) -> String { state(text).rawValue }
}
