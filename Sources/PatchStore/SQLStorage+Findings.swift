import Foundation
import SecurityAdvisories

extension SQLStorage {
    public func findings(_ query: FindingQuery) async throws -> (findings: [StoredFinding], total: Int) {
        // Filters on the package finding alone: walk the (package, advisory) groups in order, using
        // the catalog's host counts for the total and the page position, and read only the hosts
        // of the page. Filters on hosts (or fixed findings): the join, filtered.
        if query.hostID == nil, query.osID == nil, query.osVersionID == nil, !query.includeFixed {
            return try await groupedOpenFindings(query)
        }
        var (conditions, arguments) = Self.packageFindingConditions(
            query,
            prefix: "f.",
            packageColumns: ("f.package", "f.source_package")
        )
        if let host = query.hostID {
            conditions.append("f.host_id = ?")
            arguments.append(host.sqlValue)
        }
        if let osID = query.osID {
            conditions.append("f.os_id = ?")
            arguments.append(osID.sqlValue)
        }
        if let version = query.osVersionID {
            conditions.append("f.os_version_id = ?")
            arguments.append(version.sqlValue)
        }
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let limit = max(0, min(query.limit, 10_000))
        let offset = max(0, query.offset)
        let filter = SQLArguments(arguments)
        let source =
            query.includeFixed
            ? "(\(Self.openFindingsSQL) UNION ALL \(Self.fixedFindingsSQL))" : "(\(Self.openFindingsSQL))"
        return try await engine.read { db in
            let total =
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(source) f \(whereClause)", arguments: filter) ?? 0
            let rows = try SQLRow.fetchAll(
                db,
                sql: """
                    SELECT f.* FROM \(source) f \(whereClause)
                    ORDER BY \(Self.findingOrder("f.", query.order)), f.host_number, f.fixed_at IS NOT NULL, f.first_seen
                    LIMIT \(limit) OFFSET \(offset)
                    """,
                arguments: filter
            )
            return (try rows.map(Self.storedFinding), total)
        }
    }

    /// The order of findings: known exploited first, then severity, CVSS, package and advisory;
    /// hosts in enrollment order within one (package, advisory).
    static func findingOrder(_ prefix: String, _ order: FindingOrder = .risk) -> String {
        findingOrder(prefix, order, package: "\(prefix)package", architecture: "\(prefix)architecture")
    }

    /// `order` over columns named with `prefix` (and the package's name and architecture columns).
    static func findingOrder(_ prefix: String, _ order: FindingOrder, package: String, architecture: String) -> String {
        switch order {
        case .risk:
            """
            \(prefix)kev DESC, \(prefix)severity_rank DESC, COALESCE(\(prefix)cvss, 0) DESC, \(package), \(architecture),
                \(prefix)advisory_id
            """
        case .package: "\(package), \(architecture), \(prefix)advisory_id"
        case .advisory: "\(prefix)advisory_id, \(package), \(architecture)"
        case .cvss: "COALESCE(\(prefix)cvss, -1) DESC, \(package), \(architecture), \(prefix)advisory_id"
        case .epss: "COALESCE(\(prefix)epss, -1) DESC, \(package), \(architecture), \(prefix)advisory_id"
        }
    }

    /// WHERE terms for the filters that concern the package finding alone.
    static func packageFindingConditions(
        _ query: FindingQuery,
        prefix: String,
        packageColumns: (name: String, source: String)
    ) -> ([String], [SQLValue]) {
        var conditions: [String] = []
        var arguments: [SQLValue] = []
        if let advisory = query.advisory {
            conditions.append("(\(prefix)advisory_id = ? OR LOWER(\(prefix)aliases) LIKE LOWER(?))")
            arguments += [advisory.sqlValue, "%\"\(advisory)\"%".sqlValue]
        }
        if let severity = query.minimumSeverity {
            conditions.append("\(prefix)severity_rank >= ?")
            arguments.append(rank(severity).sqlValue)
        }
        if let kev = query.knownExploited {
            conditions.append("\(prefix)kev = ?")
            arguments.append(kev.sqlValue)
        }
        if let epss = query.minimumEPSS {
            conditions.append("\(prefix)epss >= ?")
            arguments.append(epss.sqlValue)
        }
        if let fixable = query.fixable {
            conditions.append(fixable ? "\(prefix)fixed_version IS NOT NULL" : "\(prefix)fixed_version IS NULL")
        }
        if let package = query.package {
            conditions.append("(\(packageColumns.name) = ? OR \(packageColumns.source) = ?)")
            arguments += [package.sqlValue, package.sqlValue]
        }
        return (conditions, arguments)
    }

    /// Open findings filtered on the package finding: the groups come from `package_findings` and
    /// the catalog (thousands of rows, not one per host), the page's hosts from the index of
    /// `host_packages` by package.
    func groupedOpenFindings(_ query: FindingQuery) async throws -> (findings: [StoredFinding], total: Int) {
        var (conditions, arguments) = Self.packageFindingConditions(
            query,
            prefix: "pf.",
            packageColumns: ("p.name", "p.source_name")
        )
        conditions.append("p.host_count > 0")
        let whereClause = conditions.joined(separator: " AND ")
        let limit = max(0, min(query.limit, 10_000))
        let offset = max(0, query.offset)
        let filter = SQLArguments(arguments)
        return try await engine.read { db in
            let groups = try SQLRow.fetchAll(
                db,
                sql: """
                    SELECT pf.id, p.host_count FROM package_findings pf JOIN packages p ON p.id = pf.package
                    WHERE \(whereClause)
                    ORDER BY \(Self.findingOrder("pf.", query.order, package: "p.name", architecture: "p.architecture"))
                    """,
                arguments: filter
            )
            var total = 0
            var skip = offset
            var findings: [StoredFinding] = []
            let hosts = try db.makeStatement(
                sql: "\(Self.openFindingsSQL) WHERE pf.id = ? ORDER BY hp.host LIMIT ? OFFSET ?"
            )
            for group in groups {
                let count: Int = group["host_count"]
                total += count
                guard findings.count < limit else { continue }
                if skip >= count {
                    skip -= count
                    continue
                }
                let rows = try SQLRow.fetchAll(hosts, arguments: [group["id"] as Int64, limit - findings.count, skip])
                findings += try rows.map(Self.storedFinding)
                skip = 0
            }
            return (findings, total)
        }
    }

    public func reduceFindings<State: Sendable>(
        into state: State,
        fixedSince: Date,
        _ body: @escaping @Sendable (inout State, StoredFinding) throws -> Void
    ) async throws -> State {
        let since = Self.millis(fixedSince)
        return try await engine.read { db in
            var state = state
            var aliases: [String: [String]] = [:]
            let open = try SQLRow.fetchCursor(db, sql: Self.openFindingsSQL)
            while let row = try open.next() { try body(&state, try Self.storedFinding(row, aliases: &aliases)) }
            try Self.foldFixedFindings(db, since: since, into: &state, aliases: &aliases, body)
            return state
        }
    }

    public func reduceFixedFindings<State: Sendable>(
        into state: State,
        fixedSince: Date,
        _ body: @escaping @Sendable (inout State, StoredFinding) throws -> Void
    ) async throws -> State {
        let since = Self.millis(fixedSince)
        return try await engine.read { db in
            var state = state
            var aliases: [String: [String]] = [:]
            try Self.foldFixedFindings(db, since: since, into: &state, aliases: &aliases, body)
            return state
        }
    }

    static func foldFixedFindings<State>(
        _ db: any SQLSession,
        since: Int64,
        into state: inout State,
        aliases: inout [String: [String]],
        _ body: (inout State, StoredFinding) throws -> Void
    ) throws {
        let fixed = try SQLRow.fetchCursor(db, sql: "\(fixedFindingsSQL) WHERE ff.fixed_at >= ?", arguments: [since])
        while let row = try fixed.next() { try body(&state, try storedFinding(row, aliases: &aliases)) }
    }

    public func installedPackageNames(_ names: Set<String>) async throws -> [String: Set<String>] {
        guard !names.isEmpty else { return [:] }
        let list = names.sorted()
        return try await engine.read { db in
            var result: [String: Set<String>] = [:]
            for start in stride(from: 0, to: list.count, by: 400) {
                let chunk = Array(list[start..<min(list.count, start + 400)])
                let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
                for row in try SQLRow.fetchAll(
                    db,
                    sql: """
                        SELECT h.id, p.name FROM packages p
                        JOIN host_packages hp ON hp.package = p.id AND hp.state IS NULL
                        JOIN hosts h ON h.number = hp.host
                        WHERE p.name IN (\(marks))
                        """,
                    arguments: SQLArguments(chunk)
                ) {
                    result[row["id"], default: []].insert(row["name"])
                }
            }
            return result
        }
    }

    /// Open host findings as rows with the columns of a stored finding (and the host's OS).
    static let openFindingsSQL = """
        SELECT (hp.host << 32) | pf.id AS id, h.id AS host_id, hp.host AS host_number, p.name AS package, p.architecture,
            p.version AS installed_version, p.source_name AS source_package, p.source_version, pf.advisory_id,
            pf.aliases, pf.fixed_version, pf.status, pf.severity, pf.severity_rank, pf.cvss, pf.epss,
            pf.epss_percentile, pf.kev, pf.kev_due,
            COALESCE(fs.first_seen, \(derivedStartSQL)) AS first_seen, h.last_seen AS last_seen, NULL AS fixed_at,
            h.os_id, h.os_version_id
        FROM package_findings pf
        JOIN packages p ON p.id = pf.package
        JOIN host_packages hp ON hp.package = pf.package AND hp.state IS NULL
        JOIN hosts h ON h.number = hp.host
        LEFT JOIN finding_starts fs ON fs.host = hp.host AND fs.package = hp.package AND fs.advisory_id = pf.advisory_id
        """

    /// Fixed host findings with the same columns.
    static let fixedFindingsSQL = """
        SELECT ff.id, h.id AS host_id, ff.host AS host_number, p.name AS package, p.architecture, p.version AS installed_version,
            p.source_name AS source_package, p.source_version, ff.advisory_id, ff.aliases, ff.fixed_version,
            ff.status, ff.severity, ff.severity_rank, ff.cvss, ff.epss, ff.epss_percentile, ff.kev, ff.kev_due,
            ff.first_seen, ff.last_seen, ff.fixed_at, h.os_id, h.os_version_id
        FROM fixed_findings ff
        JOIN packages p ON p.id = ff.package
        JOIN hosts h ON h.number = ff.host
        """

    public func hostIDsWithOpenFindings() async throws -> [String] {
        try await engine.read { db in
            try String.fetchAll(
                db,
                sql: """
                    SELECT DISTINCT h.id FROM package_findings pf
                    JOIN host_packages hp ON hp.package = pf.package AND hp.state IS NULL
                    JOIN hosts h ON h.number = hp.host
                    ORDER BY h.id
                    """
            )
        }
    }

    public func riskSummary() async throws -> RiskSummary {
        try await engine.read { db in
            var bySeverity: [String: Int] = [:]
            // Counts of host findings come from the catalog's host counts; distinct hosts from the join.
            for row in try SQLRow.fetchAll(
                db,
                sql: """
                    SELECT pf.severity, SUM(p.host_count) AS n FROM package_findings pf
                    JOIN packages p ON p.id = pf.package WHERE p.host_count > 0 GROUP BY pf.severity
                    """
            ) {
                bySeverity[row["severity"]] = row["n"]
            }
            let totals = try SQLRow.fetchOne(
                db,
                sql: """
                    SELECT COALESCE(SUM(CASE WHEN pf.kev = 1 THEN p.host_count END), 0) AS kev,
                        COALESCE(SUM(CASE WHEN pf.fixed_version IS NOT NULL THEN p.host_count END), 0) AS fixable
                    FROM package_findings pf JOIN packages p ON p.id = pf.package
                    """
            )
            func hosts(_ condition: String) throws -> Int {
                try Int.fetchOne(
                    db,
                    sql: """
                        SELECT COUNT(DISTINCT hp.host) FROM package_findings pf
                        JOIN host_packages hp ON hp.package = pf.package AND hp.state IS NULL
                        WHERE \(condition)
                        """
                ) ?? 0
            }
            let criticalHosts = try hosts("pf.severity = 'critical'")
            let kevHosts = try hosts("pf.kev = 1")
            let advisories = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM advisories WHERE withdrawn IS NULL") ?? 0
            return RiskSummary(
                bySeverity: bySeverity,
                knownExploited: totals?["kev"] ?? 0,
                fixable: totals?["fixable"] ?? 0,
                hostsWithCritical: criticalHosts,
                hostsWithKnownExploited: kevHosts,
                advisories: advisories
            )
        }
    }

    static func rank(_ severity: Severity) -> Int { Severity.allCases.firstIndex(of: severity) ?? 0 }

    static func storedFinding(_ row: SQLRow) throws -> StoredFinding {
        var memo: [String: [String]] = [:]
        return try storedFinding(row, aliases: &memo)
    }

    /// A stored finding from a row; `aliases` remembers decoded alias lists, which a fleet-wide
    /// pass meets again for every host of a package (decoding JSON is the costliest part).
    static func storedFinding(_ row: SQLRow, aliases memo: inout [String: [String]]) throws -> StoredFinding {
        StoredFinding(
            id: row["id"],
            hostID: row["host_id"],
            finding: try finding(row, aliases: &memo),
            firstSeen: date(row["first_seen"] as Int64),
            lastSeen: date(row["last_seen"] as Int64),
            fixedAt: date(row["fixed_at"] as Int64?)
        )
    }

    /// The finding's values from a row with the columns of `openFindingsSQL`.
    static func finding(_ row: SQLRow, aliases memo: inout [String: [String]]) throws -> Finding {
        let text: String = row["aliases"]
        let aliases: [String]
        if let known = memo[text] {
            aliases = known
        } else {
            aliases = try decode([String].self, text, what: "aliases of a finding")
            if memo.count < 100_000 { memo[text] = aliases }
        }
        return Finding(
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
    }
}
