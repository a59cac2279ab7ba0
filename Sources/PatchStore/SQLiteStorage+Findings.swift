import Foundation
import GRDB
import SecurityAdvisories

extension SQLiteStorage {
    public func reconcileFindings(hostID: String, findings: [Finding], now: Date) async throws -> FindingsReconciliation
    {
        let at = Self.millis(now)
        let encodedAliases = try findings.map { try Self.json($0.aliases) }
        return try await write { db -> FindingsReconciliation in
            var open: [FindingKey: Int64] = [:]
            for row in try Row.fetchAll(
                db,
                sql:
                    "SELECT id, package, architecture, advisory_id FROM findings WHERE host_id = ? AND fixed_at IS NULL",
                arguments: [hostID]
            ) {
                open[
                    FindingKey(package: row["package"], architecture: row["architecture"], advisory: row["advisory_id"])
                ] =
                    row["id"]
            }
            let insert = try db.makeStatement(
                sql: """
                    INSERT INTO findings (host_id, package, architecture, advisory_id, installed_version, source_package,
                        source_version, fixed_version, status, severity, severity_rank, cvss, epss, epss_percentile, kev,
                        kev_due, aliases, first_seen, last_seen, fixed_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)
                    """
            )
            let update = try db.makeStatement(
                sql: """
                    UPDATE findings SET installed_version = ?, source_package = ?, source_version = ?, fixed_version = ?,
                        status = ?, severity = ?, severity_rank = ?, cvss = ?, epss = ?, epss_percentile = ?, kev = ?,
                        kev_due = ?, aliases = ?, last_seen = ?
                    WHERE id = ?
                    """
            )
            var opened = 0
            var seen = Set<FindingKey>()
            for (index, finding) in findings.enumerated() {
                let key = finding.key
                guard seen.insert(key).inserted else { continue }
                let values: [(any DatabaseValueConvertible)?] = [
                    finding.installedVersion, finding.sourcePackage, finding.sourceVersion, finding.fixedVersion,
                    finding.status.rawValue, finding.severity.rawValue, Self.rank(finding.severity), finding.cvssScore,
                    finding.epssScore, finding.epssPercentile, finding.knownExploited, Self.millis(finding.kevDueDate),
                    encodedAliases[index],
                ]
                if let id = open.removeValue(forKey: key) {
                    try update.execute(arguments: StatementArguments(values + [at, id]))
                } else {
                    let head: [(any DatabaseValueConvertible)?] = [
                        hostID, finding.package, finding.architecture, finding.advisory,
                    ]
                    try insert.execute(arguments: StatementArguments(head + values + [at, at]))
                    opened += 1
                }
            }
            let close = try db.makeStatement(sql: "UPDATE findings SET fixed_at = ? WHERE id = ?")
            for id in open.values { try close.execute(arguments: [at, id]) }
            if opened > 0 || !open.isEmpty {
                try Self.insertEvent(
                    EventRecord(
                        at: now,
                        actor: "system",
                        action: "findings.changed",
                        target: "host:\(hostID)",
                        details: try Self.json(["opened": opened, "closed": open.count, "open": seen.count])
                    ),
                    db
                )
            }
            return FindingsReconciliation(opened: opened, closed: open.count, open: seen.count)
        }
    }

    public func findings(_ query: FindingQuery) async throws -> (findings: [StoredFinding], total: Int) {
        var conditions: [String] = []
        var arguments: [DatabaseValue] = []
        if !query.includeFixed { conditions.append("f.fixed_at IS NULL") }
        if let host = query.hostID {
            conditions.append("f.host_id = ?")
            arguments.append(host.databaseValue)
        }
        if let advisory = query.advisory {
            conditions.append("(f.advisory_id = ? OR f.aliases LIKE ?)")
            arguments += [advisory.databaseValue, "%\"\(advisory)\"%".databaseValue]
        }
        if let severity = query.minimumSeverity {
            conditions.append("f.severity_rank >= ?")
            arguments.append(Self.rank(severity).databaseValue)
        }
        if let kev = query.knownExploited {
            conditions.append("f.kev = ?")
            arguments.append(kev.databaseValue)
        }
        if let epss = query.minimumEPSS {
            conditions.append("f.epss >= ?")
            arguments.append(epss.databaseValue)
        }
        if let fixable = query.fixable {
            conditions.append(fixable ? "f.fixed_version IS NOT NULL" : "f.fixed_version IS NULL")
        }
        if let package = query.package {
            conditions.append("(f.package = ? OR f.source_package = ?)")
            arguments += [package.databaseValue, package.databaseValue]
        }
        if let osID = query.osID {
            conditions.append("h.os_id = ?")
            arguments.append(osID.databaseValue)
        }
        if let version = query.osVersionID {
            conditions.append("h.os_version_id = ?")
            arguments.append(version.databaseValue)
        }
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let limit = max(0, min(query.limit, 10_000))
        let offset = max(0, query.offset)
        let filter = StatementArguments(arguments)
        return try await pool.read { db in
            let total =
                try Int.fetchOne(
                    db,
                    sql: "SELECT COUNT(*) FROM findings f JOIN hosts h ON h.id = f.host_id \(whereClause)",
                    arguments: filter
                ) ?? 0
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT f.* FROM findings f JOIN hosts h ON h.id = f.host_id \(whereClause)
                    ORDER BY f.kev DESC, f.severity_rank DESC, COALESCE(f.cvss, 0) DESC, f.host_id, f.package, f.advisory_id
                    LIMIT \(limit) OFFSET \(offset)
                    """,
                arguments: filter
            )
            return (try rows.map(Self.storedFinding), total)
        }
    }

    public func hostIDs(withPackagesNamed names: Set<String>) async throws -> [String] {
        guard !names.isEmpty else { return [] }
        let list = Array(names)
        return try await pool.read { db in
            var hosts = Set<String>()
            // Chunks keep the statement under SQLite's bound-parameter limit.
            for start in stride(from: 0, to: list.count, by: 400) {
                let chunk = Array(list[start..<min(start + 400, list.count)])
                let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
                let arguments = StatementArguments(chunk + chunk)
                hosts.formUnion(
                    try String.fetchAll(
                        db,
                        sql: """
                            SELECT DISTINCT host_id FROM installed_packages
                            WHERE source_name IN (\(marks)) OR name IN (\(marks))
                            """,
                        arguments: arguments
                    )
                )
            }
            return hosts.sorted()
        }
    }

    public func hostIDsWithOpenFindings() async throws -> [String] {
        try await pool.read { db in
            try String.fetchAll(
                db,
                sql: "SELECT DISTINCT host_id FROM findings WHERE fixed_at IS NULL ORDER BY host_id"
            )
        }
    }

    public func riskSummary() async throws -> RiskSummary {
        try await pool.read { db in
            var bySeverity: [String: Int] = [:]
            for row in try Row.fetchAll(
                db,
                sql: "SELECT severity, COUNT(*) AS n FROM findings WHERE fixed_at IS NULL GROUP BY severity"
            ) {
                bySeverity[row["severity"]] = row["n"]
            }
            let totals = try Row.fetchOne(
                db,
                sql: """
                    SELECT COALESCE(SUM(kev), 0) AS kev, COALESCE(SUM(fixed_version IS NOT NULL), 0) AS fixable,
                        COUNT(DISTINCT CASE WHEN severity = 'critical' THEN host_id END) AS critical_hosts,
                        COUNT(DISTINCT CASE WHEN kev = 1 THEN host_id END) AS kev_hosts
                    FROM findings WHERE fixed_at IS NULL
                    """
            )
            let advisories = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM advisories WHERE withdrawn IS NULL") ?? 0
            return RiskSummary(
                bySeverity: bySeverity,
                knownExploited: totals?["kev"] ?? 0,
                fixable: totals?["fixable"] ?? 0,
                hostsWithCritical: totals?["critical_hosts"] ?? 0,
                hostsWithKnownExploited: totals?["kev_hosts"] ?? 0,
                advisories: advisories
            )
        }
    }

    static func rank(_ severity: Severity) -> Int { Severity.allCases.firstIndex(of: severity) ?? 0 }

    static func storedFinding(_ row: Row) throws -> StoredFinding {
        let aliases = try decode([String].self, row["aliases"], what: "aliases of a finding")
        let finding = Finding(
            package: row["package"],
            architecture: row["architecture"],
            installedVersion: row["installed_version"],
            sourcePackage: row["source_package"],
            sourceVersion: row["source_version"],
            advisory: row["advisory_id"],
            aliases: aliases,
            fixedVersion: row["fixed_version"],
            status: AffectedStatus(rawValue: row["status"]) ?? .affected,
            severity: Severity(rawValue: row["severity"]) ?? .unknown,
            cvssScore: row["cvss"],
            cvssVector: nil,
            epssScore: row["epss"],
            epssPercentile: row["epss_percentile"],
            knownExploited: row["kev"],
            kevDueDate: date(row["kev_due"] as Int64?)
        )
        return StoredFinding(
            id: row["id"],
            hostID: row["host_id"],
            finding: finding,
            firstSeen: date(row["first_seen"] as Int64),
            lastSeen: date(row["last_seen"] as Int64),
            fixedAt: date(row["fixed_at"] as Int64?)
        )
    }
}
