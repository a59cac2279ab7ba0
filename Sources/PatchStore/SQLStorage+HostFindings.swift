import Foundation
import SecurityAdvisories

/// A host's open findings are the join of its installed packages with the findings of those
/// packages. Their start (first seen) is derived: the later of the time the host's lineage of
/// that package began (`host_packages.since`, or the first inventory) and the time the package
/// finding appeared; `finding_starts` keeps the start where the host's own history says otherwise
/// (a finding that persisted across an upgrade, or reappeared after a downgrade).
extension SQLStorage {
    /// One open finding of one host.
    struct OpenHostFinding {
        var packageID: Int64
        var packageFindingID: Int64
        var advisory: String
        /// The start the join derives.
        var derived: Int64
        /// The stored start, when it differs from the derived one.
        var start: Int64?
        var effectiveStart: Int64 { start ?? derived }
    }

    /// The SQL for the derived start of `hp` × `pf` joined with `h` and `fs`.
    // The larger of the two, spelled for both engines (SQLite's two-argument MAX is PostgreSQL's GREATEST).
    static let derivedStartSQL = """
        (CASE WHEN COALESCE(hp.since, h.inventory_since, 0) > pf.first_seen
            THEN COALESCE(hp.since, h.inventory_since, 0) ELSE pf.first_seen END)
        """

    static func openHostFindings(_ number: Int64, _ db: any SQLSession) throws -> [FindingKey: OpenHostFinding] {
        var findings: [FindingKey: OpenHostFinding] = [:]
        for row in try SQLRow.fetchAll(
            db,
            sql: """
                SELECT hp.package, p.name, p.architecture, pf.id AS pf_id, pf.advisory_id,
                    \(derivedStartSQL) AS derived, fs.first_seen AS start
                FROM host_packages hp
                JOIN hosts h ON h.number = hp.host
                JOIN packages p ON p.id = hp.package
                JOIN package_findings pf ON pf.package = hp.package
                LEFT JOIN finding_starts fs
                    ON fs.host = hp.host AND fs.package = hp.package AND fs.advisory_id = pf.advisory_id
                WHERE hp.host = ? AND hp.state IS NULL
                """,
            arguments: [number]
        ) {
            let key = FindingKey(package: row["name"], architecture: row["architecture"], advisory: row["advisory_id"])
            findings[key] = OpenHostFinding(
                packageID: row["package"],
                packageFindingID: row["pf_id"],
                advisory: row["advisory_id"],
                derived: row["derived"],
                start: row["start"]
            )
        }
        return findings
    }

    /// After a host's inventory changed: findings that disappeared are stored as fixed (with their
    /// start); findings that stayed keep their start and new ones start `at`, stored in
    /// `finding_starts` only where the derived start differs. Returns (opened, closed, open).
    static func settleHostFindings(
        _ number: Int64,
        before: [FindingKey: OpenHostFinding],
        lastSeen: Int64,
        at: Int64,
        _ db: any SQLSession
    ) throws -> (opened: Int, closed: Int, open: Int) {
        let after = try openHostFindings(number, db)
        var closed = 0
        let fix = try db.makeStatement(sql: fixFromPackageFindingSQL)
        for (key, finding) in before where after[key] == nil {
            try fix.execute(arguments: [number, finding.effectiveStart, lastSeen, at, finding.packageFindingID])
            closed += 1
        }
        // Starts of packages the host no longer has go; the rest are set where needed.
        try db.execute(
            sql: """
                DELETE FROM finding_starts WHERE host = ?
                    AND package NOT IN (SELECT package FROM host_packages WHERE host = ? AND state IS NULL)
                """,
            arguments: [number, number]
        )
        let upsert = try db.makeStatement(
            sql: """
                INSERT INTO finding_starts (host, package, advisory_id, first_seen) VALUES (?, ?, ?, ?)
                ON CONFLICT (host, package, advisory_id) DO UPDATE SET first_seen = excluded.first_seen
                """
        )
        let drop = try db.makeStatement(
            sql: "DELETE FROM finding_starts WHERE host = ? AND package = ? AND advisory_id = ?"
        )
        var opened = 0
        for (key, finding) in after {
            let desired = before[key]?.effectiveStart ?? at
            if before[key] == nil { opened += 1 }
            if finding.derived != desired {
                if finding.start != desired {
                    try upsert.execute(arguments: [number, finding.packageID, finding.advisory, desired])
                }
            } else if finding.start != nil {
                try drop.execute(arguments: [number, finding.packageID, finding.advisory])
            }
        }
        return (opened, closed, after.count)
    }

    /// Copies one package finding into `fixed_findings` for a host:
    /// arguments host, first seen, last seen, fixed at, package finding id.
    static let fixFromPackageFindingSQL = """
        INSERT INTO fixed_findings (host, package, advisory_id, fixed_version, status, severity, severity_rank,
            cvss, epss, epss_percentile, kev, kev_due, aliases, first_seen, last_seen, fixed_at)
        SELECT ?1, package, advisory_id, fixed_version, status, severity, severity_rank, cvss, epss,
            epss_percentile, kev, kev_due, aliases, ?2, ?3, ?4
        FROM package_findings WHERE id = ?5
        """
}
