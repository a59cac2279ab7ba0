import FleetModel
import Foundation
import SecurityAdvisories

/// The package catalog and its correlation results: advisories are matched against each distinct
/// package once, whatever the number of hosts that run it.
extension SQLStorage {
    public func registerPackages(release: String, packages: [InstalledPackage]) async throws -> [CatalogPackage] {
        guard !packages.isEmpty else { return [] }
        // Most uploads name only known packages: look first in memory (an upload of known
        // versions ends here, without a database read), then in the catalog; write only when
        // something is new.
        let cache = catalogIDs
        let candidates = cache.unremembered(
            packages.map { (CatalogWriter.Identity(release: release, package: $0), $0) }
        )
        guard !candidates.isEmpty else { return [] }
        let unknown = try await engine.read { db in
            var correlated: [(CatalogWriter.Identity, Int64)] = []
            let unknown = try candidates.filter { identity, _ in
                guard let row = try CatalogWriter.find(identity, db), row.correlated else { return true }
                correlated.append((identity, row.id))
                return false
            }
            // Read outside any write: these rows are committed.
            cache.remember(correlated)
            return unknown.map(\.1)
        }
        guard !unknown.isEmpty else { return [] }
        return try await write { db in
            var catalog = CatalogWriter(committed: cache)
            var pending: [CatalogPackage] = []
            for package in unknown {
                let id = try catalog.id(release: release, package: package, db)
                guard
                    let row = try SQLRow.fetchOne(
                        db.cachedStatement(sql: "SELECT * FROM packages WHERE id = ? AND correlated_at IS NULL"),
                        arguments: [id]
                    )
                else { continue }
                pending.append(Self.catalogPackage(row))
            }
            return pending
        }
    }

    public func uncorrelatedPackages(limit: Int) async throws -> [CatalogPackage] {
        try await engine.read { db in
            try SQLRow.fetchAll(
                db,
                sql: "SELECT * FROM packages WHERE correlated_at IS NULL ORDER BY id LIMIT ?",
                arguments: [max(0, limit)]
            ).map(Self.catalogPackage)
        }
    }

    public func catalogPackages(afterID: Int64, limit: Int) async throws -> [CatalogPackage] {
        try await engine.read { db in
            try SQLRow.fetchAll(
                db,
                sql: "SELECT * FROM packages WHERE id > ? ORDER BY id LIMIT ?",
                arguments: [afterID, max(0, limit)]
            ).map(Self.catalogPackage)
        }
    }

    public func catalogPackages(named names: Set<String>) async throws -> [CatalogPackage] {
        guard !names.isEmpty else { return [] }
        let list = names.sorted()
        return try await engine.read { db in
            var found: [Int64: CatalogPackage] = [:]
            for start in stride(from: 0, to: list.count, by: 400) {
                let chunk = Array(list[start..<min(list.count, start + 400)])
                let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
                for row in try SQLRow.fetchAll(
                    db,
                    sql: "SELECT * FROM packages WHERE name IN (\(marks)) OR source_name IN (\(marks))",
                    arguments: SQLArguments(chunk + chunk)
                ) {
                    let package = Self.catalogPackage(row)
                    found[package.id] = package
                }
            }
            return found.values.sorted { $0.id < $1.id }
        }
    }

    public func recordCorrelation(_ results: [PackageCorrelation], now: Date) async throws -> CorrelationOutcome {
        guard !results.isEmpty else { return CorrelationOutcome() }
        let at = Self.millis(now)
        let encoded = try results.map { result in
            try result.findings.map { try Self.json($0.aliases) }
        }
        return try await write { db -> CorrelationOutcome in
            var outcome = CorrelationOutcome()
            let insert = try db.makeStatement(
                sql: """
                    INSERT INTO package_findings (package, advisory_id, fixed_version, status, severity, severity_rank,
                        cvss, epss, epss_percentile, kev, kev_due, aliases, first_seen)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """
            )
            let update = try db.makeStatement(
                sql: """
                    UPDATE package_findings SET fixed_version = ?, status = ?, severity = ?, severity_rank = ?,
                        cvss = ?, epss = ?, epss_percentile = ?, kev = ?, kev_due = ?, aliases = ?
                    WHERE id = ?
                    """
            )
            for (index, result) in results.enumerated() {
                guard
                    let package = try SQLRow.fetchOne(
                        db,
                        sql: "SELECT * FROM packages WHERE id = ?",
                        arguments: [result.packageID]
                    )
                else { continue }
                outcome.packages += 1
                let wasCorrelated = (package["correlated_at"] as Int64?) != nil
                let hostCount: Int = package["host_count"]
                var stored: [String: (id: Int64, values: [SQLValue])] = [:]
                for row in try SQLRow.fetchAll(
                    db,
                    sql: """
                        SELECT id, advisory_id, fixed_version, status, severity, severity_rank, cvss, epss,
                            epss_percentile, kev, kev_due, aliases
                        FROM package_findings WHERE package = ?
                        """,
                    arguments: [result.packageID]
                ) {
                    stored[row["advisory_id"]] = (row["id"], Array(row.values.dropFirst(2)))
                }
                var seen = Set<String>()
                for (position, finding) in result.findings.enumerated() where seen.insert(finding.advisory).inserted {
                    let values: [SQLValue] = [
                        finding.fixedVersion.sqlValue, finding.status.rawValue.sqlValue,
                        finding.severity.rawValue.sqlValue, Self.rank(finding.severity).sqlValue,
                        finding.cvssScore.sqlValue, finding.epssScore.sqlValue,
                        finding.epssPercentile.sqlValue, finding.knownExploited.sqlValue,
                        Self.millis(finding.kevDueDate).sqlValue, encoded[index][position].sqlValue,
                    ]
                    if let existing = stored.removeValue(forKey: finding.advisory) {
                        guard existing.values != values else { continue }
                        try update.execute(arguments: SQLArguments(values + [existing.id.sqlValue]))
                        outcome.changed += 1
                        continue
                    }
                    // A package seen for the first time takes the start the same advisory already has
                    // on other versions of the package, so an upgrade that stays affected keeps it.
                    var start = at
                    if !wasCorrelated,
                        let earlier = try Int64.fetchOne(
                            db,
                            sql: """
                                SELECT MIN(pf.first_seen) FROM package_findings pf JOIN packages p ON p.id = pf.package
                                WHERE p.release = ? AND p.name = ? AND p.architecture = ? AND pf.advisory_id = ?
                                """,
                            arguments: [
                                package["release"] as String, package["name"] as String,
                                package["architecture"] as String, finding.advisory,
                            ]
                        )
                    {
                        start = min(at, earlier)
                    }
                    try insert.execute(
                        arguments: SQLArguments(
                            [result.packageID.sqlValue, finding.advisory.sqlValue] + values
                                + [start.sqlValue]
                        )
                    )
                    outcome.added += 1
                    outcome.opened += hostCount
                }
                // Advisories that no longer apply: every host running the package gets it as fixed.
                for (advisory, existing) in stored {
                    outcome.closed += try Self.fixPackageFinding(existing.id, advisory: advisory, at: at, db)
                    outcome.removed += 1
                }
                try db.execute(
                    sql: "UPDATE packages SET correlated_at = ? WHERE id = ?",
                    arguments: [at, result.packageID]
                )
            }
            if outcome.opened > 0 || outcome.closed > 0 {
                try Self.insertEvent(
                    EventRecord(
                        at: now,
                        actor: "system",
                        action: "findings.correlated",
                        target: "fleet",
                        details: try Self.json([
                            "packages": outcome.packages, "added": outcome.added, "changed": outcome.changed,
                            "removed": outcome.removed, "opened": outcome.opened, "closed": outcome.closed,
                        ])
                    ),
                    db
                )
            }
            return outcome
        }
    }

    /// Stores a package finding as fixed on every host running the package, then removes it.
    /// Returns the number of host findings closed.
    static func fixPackageFinding(_ id: Int64, advisory: String, at: Int64, _ db: any SQLSession) throws -> Int {
        try db.execute(
            sql: """
                INSERT INTO fixed_findings (host, package, advisory_id, fixed_version, status, severity, severity_rank,
                    cvss, epss, epss_percentile, kev, kev_due, aliases, first_seen, last_seen, fixed_at)
                SELECT hp.host, pf.package, pf.advisory_id, pf.fixed_version, pf.status, pf.severity, pf.severity_rank,
                    pf.cvss, pf.epss, pf.epss_percentile, pf.kev, pf.kev_due, pf.aliases,
                    COALESCE(fs.first_seen, \(derivedStartSQL)), h.last_seen, ?
                FROM package_findings pf
                JOIN host_packages hp ON hp.package = pf.package AND hp.state IS NULL
                JOIN hosts h ON h.number = hp.host
                LEFT JOIN finding_starts fs
                    ON fs.host = hp.host AND fs.package = hp.package AND fs.advisory_id = pf.advisory_id
                WHERE pf.id = ?
                """,
            arguments: [at, id]
        )
        let closed = db.changesCount
        try db.execute(
            sql: """
                DELETE FROM finding_starts WHERE package = (SELECT package FROM package_findings WHERE id = ?)
                    AND advisory_id = ?
                """,
            arguments: [id, advisory]
        )
        try db.execute(sql: "DELETE FROM package_findings WHERE id = ?", arguments: [id])
        return closed
    }

    static func catalogPackage(_ row: SQLRow) -> CatalogPackage {
        CatalogPackage(
            id: row["id"],
            release: row["release"],
            package: InstalledPackage(
                name: row["name"],
                architecture: row["architecture"],
                version: row["version"],
                sourceName: row["source_name"],
                sourceVersion: row["source_version"],
                state: .installed,
                manager: PackageManagerKind(rawValue: row["manager"]) ?? .dpkg
            ),
            hostCount: row["host_count"]
        )
    }
}
