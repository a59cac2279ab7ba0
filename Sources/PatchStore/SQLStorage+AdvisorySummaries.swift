import Foundation
import SecurityAdvisories

extension SQLStorage {
    public func advisorySummaries(
        _ query: AdvisorySummaryQuery
    ) async throws -> (advisories: [AdvisorySummary], total: Int) {
        var conditions = ["p.host_count > 0"]
        var arguments: [SQLValue] = []
        if let search = query.search?.trimmingCharacters(in: .whitespaces), !search.isEmpty {
            // The advisory matches when any of its affected packages does, and then counts all of them.
            let pattern = "%" + Self.likeEscaped(search.lowercased()) + "%"
            conditions.append(
                """
                pf.advisory_id IN (SELECT pf2.advisory_id FROM package_findings pf2 JOIN packages p2 ON p2.id = pf2.package
                    WHERE p2.host_count > 0 AND (LOWER(pf2.advisory_id) LIKE ? ESCAPE '\\' OR LOWER(pf2.aliases) LIKE ? ESCAPE '\\'
                    OR p2.name = ? OR p2.source_name = ?))
                """
            )
            arguments += [pattern.sqlValue, pattern.sqlValue, search.sqlValue, search.sqlValue]
        }
        var having: [String] = []
        if let severity = query.minimumSeverity {
            having.append("MAX(pf.severity_rank) >= ?")
            arguments.append(Self.rank(severity).sqlValue)
        }
        if let kev = query.knownExploited {
            having.append("MAX(pf.kev) = ?")
            arguments.append((kev ? 1 : 0).sqlValue)
        }
        if let epss = query.minimumEPSS {
            having.append("MAX(pf.epss) >= ?")
            arguments.append(epss.sqlValue)
        }
        let grouped = """
            SELECT pf.advisory_id AS id, MAX(pf.severity_rank) AS severity_rank, MAX(pf.cvss) AS cvss,
                MAX(pf.epss) AS epss, MAX(pf.kev) AS kev, MIN(pf.kev_due) AS kev_due, MIN(pf.aliases) AS aliases,
                CAST(MAX(CASE WHEN pf.fixed_version IS NULL THEN 0 ELSE 1 END) AS BIGINT) AS fixable,
                CAST(SUM(p.host_count) AS BIGINT) AS findings
            FROM package_findings pf JOIN packages p ON p.id = pf.package
            WHERE \(conditions.joined(separator: " AND "))
            GROUP BY pf.advisory_id
            \(having.isEmpty ? "" : "HAVING " + having.joined(separator: " AND "))
            """
        let order =
            switch query.order {
            case .risk: "kev DESC, severity_rank DESC, COALESCE(cvss, 0) DESC, COALESCE(epss, 0) DESC, id"
            case .findings: "findings DESC, id"
            case .epss: "COALESCE(epss, -1) DESC, id"
            case .cvss: "COALESCE(cvss, -1) DESC, id"
            case .id: "id"
            }
        let limit = max(0, min(query.limit, 1000))
        let offset = max(0, query.offset)
        let filter = SQLArguments(arguments)
        return try await engine.read { db in
            let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM (\(grouped)) t", arguments: filter) ?? 0
            let rows = try SQLRow.fetchAll(
                db,
                sql: "SELECT * FROM (\(grouped)) t ORDER BY \(order) LIMIT \(limit) OFFSET \(offset)",
                arguments: filter
            )
            let packages = try db.makeStatement(
                sql: """
                    SELECT DISTINCT p.name, p.architecture FROM package_findings pf JOIN packages p ON p.id = pf.package
                    WHERE pf.advisory_id = ? AND p.host_count > 0 ORDER BY p.name, p.architecture LIMIT 50
                    """
            )
            let hosts = try db.makeStatement(
                sql: """
                    SELECT COUNT(DISTINCT hp.host) FROM package_findings pf
                    JOIN host_packages hp ON hp.package = pf.package AND hp.state IS NULL
                    WHERE pf.advisory_id = ?
                    """
            )
            var aliases: [String: [String]] = [:]
            return (
                try rows.map { row in
                    let id: String = row["id"]
                    let aliasText: String = row["aliases"]
                    if aliases[aliasText] == nil {
                        aliases[aliasText] = try Self.decode([String].self, aliasText, what: "aliases of \(id)")
                    }
                    let rank = Int(row["severity_rank"] as Int64)
                    return AdvisorySummary(
                        id: id,
                        aliases: aliases[aliasText] ?? [],
                        severity: Severity.allCases.indices.contains(rank) ? Severity.allCases[rank] : .unknown,
                        cvss: row["cvss"],
                        epss: row["epss"],
                        knownExploited: (row["kev"] as Int64) != 0,
                        kevDue: Self.date(row["kev_due"] as Int64?),
                        fixable: (row["fixable"] as Int64) != 0,
                        findings: Int(row["findings"] as Int64),
                        packages: try SQLRow.fetchAll(packages, arguments: [id]).map { package in
                            "\(package["name"] as String) (\(package["architecture"] as String))"
                        },
                        hosts: try Int.fetchOne(hosts, arguments: [id]) ?? 0
                    )
                },
                total
            )
        }
    }

    /// `text` with LIKE's wildcards and the escape character escaped (for `ESCAPE '\'`).
    static func likeEscaped(_ text: String) -> String {
        var escaped = ""
        for character in text {
            if character == "\\" || character == "%" || character == "_" { escaped.append("\\") }
            escaped.append(character)
        }
        return escaped
    }
}
