import FleetModel
import Foundation
import GRDB

/// v11: the normalized fleet. Distinct package versions are stored once (`packages`); a host's
/// inventory is a set of (host number, package id) rows; findings are stored per (package,
/// advisory) and a host's findings are a join. What is per host and cannot be derived is kept
/// compactly: the time a host's package lineage began (`host_packages.since`, NULL for the first
/// inventory), the start of a finding where it differs from the derived one (`finding_starts`),
/// and fixed findings (`fixed_findings`).
///
/// The migration moves every host's inventory, its history (the first inventory becomes the
/// baseline, later changes become rows) and every finding with its first seen / fixed at, then
/// drops the per-host tables of v1/v2.
enum NormalizedFleetMigration {
    static let schema = """
        CREATE TABLE packages (
            id INTEGER PRIMARY KEY,
            release TEXT NOT NULL,
            manager TEXT NOT NULL,
            name TEXT NOT NULL,
            architecture TEXT NOT NULL,
            version TEXT NOT NULL,
            source_name TEXT NOT NULL,
            source_version TEXT NOT NULL,
            host_count INTEGER NOT NULL DEFAULT 0,
            correlated_at INTEGER,
            UNIQUE (release, name, architecture, version, source_name, source_version, manager)
        );
        CREATE INDEX packages_name ON packages(name);
        CREATE INDEX packages_source ON packages(source_name);
        CREATE INDEX packages_uncorrelated ON packages(id) WHERE correlated_at IS NULL;
        ALTER TABLE hosts ADD COLUMN number INTEGER;
        ALTER TABLE hosts ADD COLUMN inventory_since INTEGER;
        UPDATE hosts SET number = rowid;
        CREATE UNIQUE INDEX hosts_number ON hosts(number);
        CREATE TABLE host_packages (
            host INTEGER NOT NULL,
            package INTEGER NOT NULL,
            since INTEGER,
            state TEXT,
            PRIMARY KEY (host, package)
        ) WITHOUT ROWID;
        CREATE INDEX host_packages_package ON host_packages(package, host);
        CREATE TABLE inventory_history (
            id INTEGER PRIMARY KEY,
            host INTEGER NOT NULL,
            at INTEGER NOT NULL,
            old_package INTEGER,
            new_package INTEGER,
            old_state TEXT,
            new_state TEXT
        );
        CREATE INDEX inventory_history_host ON inventory_history(host, id);
        CREATE TABLE package_findings (
            id INTEGER PRIMARY KEY,
            package INTEGER NOT NULL REFERENCES packages(id),
            advisory_id TEXT NOT NULL,
            fixed_version TEXT,
            status TEXT NOT NULL,
            severity TEXT NOT NULL,
            severity_rank INTEGER NOT NULL,
            cvss REAL,
            epss REAL,
            epss_percentile REAL,
            kev INTEGER NOT NULL,
            kev_due INTEGER,
            aliases TEXT NOT NULL,
            first_seen INTEGER NOT NULL,
            UNIQUE (package, advisory_id)
        );
        CREATE INDEX package_findings_advisory ON package_findings(advisory_id);
        CREATE INDEX package_findings_rank ON package_findings(kev, severity_rank);
        CREATE TABLE finding_starts (
            host INTEGER NOT NULL,
            package INTEGER NOT NULL,
            advisory_id TEXT NOT NULL,
            first_seen INTEGER NOT NULL,
            PRIMARY KEY (host, package, advisory_id)
        ) WITHOUT ROWID;
        CREATE INDEX finding_starts_package ON finding_starts(package, advisory_id);
        CREATE TABLE fixed_findings (
            id INTEGER PRIMARY KEY,
            host INTEGER NOT NULL,
            package INTEGER NOT NULL REFERENCES packages(id),
            advisory_id TEXT NOT NULL,
            fixed_version TEXT,
            status TEXT NOT NULL,
            severity TEXT NOT NULL,
            severity_rank INTEGER NOT NULL,
            cvss REAL,
            epss REAL,
            epss_percentile REAL,
            kev INTEGER NOT NULL,
            kev_due INTEGER,
            aliases TEXT NOT NULL,
            first_seen INTEGER NOT NULL,
            last_seen INTEGER NOT NULL,
            fixed_at INTEGER NOT NULL
        );
        CREATE INDEX fixed_findings_host ON fixed_findings(host, fixed_at);
        CREATE INDEX fixed_findings_advisory ON fixed_findings(advisory_id);
        CREATE INDEX fixed_findings_fixed ON fixed_findings(fixed_at);
        """

    static func migrate(_ db: Database) throws {
        try db.execute(sql: schema)
        let now = SQLStorage.millis(Date())
        var catalog = CatalogWriter()
        let hosts = try Row.fetchAll(db, sql: "SELECT id, number, facts_json, first_seen FROM hosts ORDER BY number")
        for host in hosts {
            let hostID: String = host["id"]
            let number: Int64 = host["number"]
            let facts = try SQLStorage.decode(HostFacts.self, host["facts_json"], what: "facts of host \(hostID)")
            let release = CatalogRelease.of(facts.os)
            try moveInventory(
                hostID: hostID,
                number: number,
                release: release,
                firstSeen: host["first_seen"],
                catalog: &catalog,
                db
            )
            try moveFindings(hostID: hostID, number: number, release: release, catalog: &catalog, db)
        }
        // Starts equal to the derived value (lineage start or the package finding's first seen,
        // whichever is later) are dropped once every host is in; the rest keep the host's own.
        try db.execute(
            sql: """
                DELETE FROM finding_starts WHERE first_seen = (
                    SELECT MAX(COALESCE(hp.since, h.inventory_since, 0), pf.first_seen)
                    FROM host_packages hp
                    JOIN hosts h ON h.number = hp.host
                    JOIN package_findings pf ON pf.package = hp.package AND pf.advisory_id = finding_starts.advisory_id
                    WHERE hp.host = finding_starts.host AND hp.package = finding_starts.package)
                """
        )
        try db.execute(
            sql: """
                UPDATE packages SET correlated_at = ?,
                    host_count = (SELECT COUNT(*) FROM host_packages WHERE package = packages.id AND state IS NULL)
                """,
            arguments: [now]
        )
        try db.execute(
            sql: """
                DROP TABLE findings;
                DROP TABLE inventory_changes;
                DROP TABLE installed_packages;
                """
        )
    }

    /// Current packages become host rows; the first upload becomes the baseline; later changes
    /// become history rows with package ids (a past version's source is taken from the host's
    /// current package of that name, as the old history did not record it).
    static func moveInventory(
        hostID: String,
        number: Int64,
        release: String,
        firstSeen: Int64,
        catalog: inout CatalogWriter,
        _ db: Database
    ) throws {
        let installed = try Row.fetchAll(
            db,
            sql: "SELECT * FROM installed_packages WHERE host_id = ? ORDER BY name, architecture",
            arguments: [hostID]
        ).map(Self.installedPackage)
        let changes = try Row.fetchAll(
            db,
            sql: "SELECT * FROM inventory_changes WHERE host_id = ? ORDER BY id",
            arguments: [hostID]
        )
        let baselineAt: Int64? = changes.first?["at"] ?? (installed.isEmpty ? nil : firstSeen)
        let current = Dictionary(installed.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        let manager = installed.first?.manager.rawValue ?? "dpkg"
        // Lineage start: the last time the name:arch was added after the baseline.
        var lastAdded: [PackageKey: Int64] = [:]
        for change in changes {
            let at: Int64 = change["at"]
            guard at != baselineAt else { continue }
            let key = PackageKey(name: change["name"], architecture: change["architecture"])
            if (change["kind"] as String) == PackageChange.Kind.added.rawValue { lastAdded[key] = at }
        }
        for package in installed {
            let id = try catalog.id(release: release, package: package, SQLiteSession(db))
            try db.execute(
                sql: "INSERT INTO host_packages (host, package, since, state) VALUES (?, ?, ?, ?)",
                arguments: [
                    number, id, lastAdded[package.key],
                    package.state == .installed ? nil : package.state.rawValue,
                ]
            )
        }
        for change in changes {
            let at: Int64 = change["at"]
            guard at != baselineAt else { continue }
            let key = PackageKey(name: change["name"], architecture: change["architecture"])
            func id(_ version: String?) throws -> Int64? {
                guard let version else { return nil }
                let now = current[key]
                let package = InstalledPackage(
                    name: key.name,
                    architecture: key.architecture,
                    version: version,
                    sourceName: now?.sourceName ?? key.name,
                    sourceVersion: now.map { $0.version == version ? $0.sourceVersion : version } ?? version,
                    manager: now?.manager ?? PackageManagerKind(rawValue: manager) ?? .dpkg
                )
                return try catalog.id(release: release, package: package, SQLiteSession(db))
            }
            func state(_ text: String?) -> String? { text == PackageState.installed.rawValue ? nil : text }
            try db.execute(
                sql: """
                    INSERT INTO inventory_history (host, at, old_package, new_package, old_state, new_state)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    number, at, try id(change["old_version"]), try id(change["new_version"]),
                    state(change["old_state"]), state(change["new_state"]),
                ]
            )
        }
        try db.execute(
            sql: "UPDATE hosts SET inventory_since = ? WHERE number = ?",
            arguments: [baselineAt, number]
        )
    }

    /// Open findings become (package, advisory) rows plus a start where the derived one differs;
    /// fixed findings are kept as they are.
    static func moveFindings(
        hostID: String,
        number: Int64,
        release: String,
        catalog: inout CatalogWriter,
        _ db: Database
    ) throws {
        let rows = try Row.fetchAll(
            db,
            sql: "SELECT * FROM findings WHERE host_id = ? ORDER BY id",
            arguments: [hostID]
        )
        let manager = try managerOfHost(number, db)
        for row in rows {
            let package = InstalledPackage(
                name: row["package"],
                architecture: row["architecture"],
                version: row["installed_version"],
                sourceName: row["source_package"],
                sourceVersion: row["source_version"],
                manager: manager
            )
            let packageID = try catalog.id(release: release, package: package, SQLiteSession(db))
            let firstSeen: Int64 = row["first_seen"]
            let payload: [(any DatabaseValueConvertible)?] = [
                row["fixed_version"] as String?, row["status"] as String, row["severity"] as String,
                row["severity_rank"] as Int64, row["cvss"] as Double?, row["epss"] as Double?,
                row["epss_percentile"] as Double?, row["kev"] as Int64, row["kev_due"] as Int64?,
                row["aliases"] as String,
            ]
            if let fixedAt = row["fixed_at"] as Int64? {
                try db.execute(
                    sql: """
                        INSERT INTO fixed_findings (host, package, advisory_id, fixed_version, status, severity,
                            severity_rank, cvss, epss, epss_percentile, kev, kev_due, aliases, first_seen, last_seen, fixed_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: StatementArguments(
                        [number, packageID, row["advisory_id"] as String] + payload
                            + [firstSeen, row["last_seen"] as Int64, fixedAt]
                    )
                )
                continue
            }
            let since = try Row.fetchOne(
                db,
                sql: "SELECT since FROM host_packages WHERE host = ? AND package = ?",
                arguments: [number, packageID]
            )
            guard since != nil else {
                // An open finding whose package the host no longer lists (cannot happen with the old
                // code): kept as fixed when it was last seen.
                try db.execute(
                    sql: """
                        INSERT INTO fixed_findings (host, package, advisory_id, fixed_version, status, severity,
                            severity_rank, cvss, epss, epss_percentile, kev, kev_due, aliases, first_seen, last_seen, fixed_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: StatementArguments(
                        [number, packageID, row["advisory_id"] as String] + payload
                            + [firstSeen, row["last_seen"] as Int64, row["last_seen"] as Int64]
                    )
                )
                continue
            }
            // The (package, advisory) row starts at the earliest first seen of any host.
            try db.execute(
                sql: """
                    INSERT INTO package_findings (package, advisory_id, fixed_version, status, severity, severity_rank,
                        cvss, epss, epss_percentile, kev, kev_due, aliases, first_seen)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (package, advisory_id) DO UPDATE SET first_seen = MIN(first_seen, excluded.first_seen)
                    """,
                arguments: StatementArguments([packageID, row["advisory_id"] as String] + payload + [firstSeen])
            )
            try db.execute(
                sql: "INSERT INTO finding_starts (host, package, advisory_id, first_seen) VALUES (?, ?, ?, ?)",
                arguments: [number, packageID, row["advisory_id"] as String, firstSeen]
            )
        }
    }

    static func managerOfHost(_ number: Int64, _ db: Database) throws -> PackageManagerKind {
        let text = try String.fetchOne(
            db,
            sql:
                "SELECT p.manager FROM host_packages hp JOIN packages p ON p.id = hp.package WHERE hp.host = ? LIMIT 1",
            arguments: [number]
        )
        return text.flatMap(PackageManagerKind.init(rawValue:)) ?? .dpkg
    }

    static func installedPackage(_ row: Row) -> InstalledPackage {
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
}
