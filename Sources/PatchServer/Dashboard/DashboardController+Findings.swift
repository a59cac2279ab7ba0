import ChangeControl
import FleetModel
import Foundation
import Hummingbird
import HummingbirdCore
import Mustache
import PatchAPI
import PatchPolicy
import PatchStore
import SecurityAdvisories

extension DashboardController {
    func addFindingsRoutes(to authenticated: RouterGroup<AppRequestContext>) {
        authenticated.get("findings", use: findingsPage)
        authenticated.get("advisories/:id", use: advisoryPage)
        authenticated.get("compliance", use: compliancePage)
        authenticated.get("windows", use: windowsPage)
    }

    @Sendable func findingsPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let identity = context.identity else { return redirectToLogin() }
        guard identity.has(.fleetRead) else {
            throw Problem.forbidden("\(identity.username) cannot read the fleet")
        }
        let parameters = request.uri.queryParameters
        var query = try FindingQueryParser.parse(parameters)
        if parameters["limit"] == nil { query.limit = 100 }
        if parameters["format"] == "csv" { return try await findingsCSV(query) }
        let (findings, total) = try await storage.findings(query)
        var data = page(identity, title: "Findings")
        data["navFindings"] = true
        data["findingTotal"] = total
        data["showHost"] = true
        data["findings"] = try await findingRows(findings, withHosts: true)
        data["package"] = query.package ?? ""
        data["advisory"] = query.advisory ?? ""
        data["epss"] = query.minimumEPSS.map { String($0) } ?? ""
        data["kevTrue"] = query.knownExploited == true
        data["fixableTrue"] = query.fixable == true
        data["fixableFalse"] = query.fixable == false
        data["severities"] = [Severity.low, .medium, .high, .critical].map {
            ["value": $0.rawValue, "selected": query.minimumSeverity == $0] as [String: Any]
        }
        data["from"] = total == 0 ? 0 : query.offset + 1
        data["to"] = query.offset + findings.count
        if query.offset > 0 {
            data["prev"] = Self.link("/findings", parameters, ["offset": String(max(0, query.offset - query.limit))])
        }
        if query.offset + findings.count < total {
            data["next"] = Self.link("/findings", parameters, ["offset": String(query.offset + query.limit)])
        }
        data["csv"] = Self.link("/findings", parameters, ["format": "csv", "offset": ""])
        if identity.has(.changesRequest), !findings.isEmpty {
            data["fixThese"] = Self.fixLink(
                title: "Fix \(Set(findings.map(\.finding.advisory)).count) advisories",
                packages: Array(Set(findings.map(\.finding.package))).sorted(),
                hosts: Array(Set(findings.map(\.hostID))).sorted(),
                advisories: Array(Set(findings.map(\.finding.advisory))).sorted()
            )
        }
        var sort: [String: Any] = [:]
        for order in FindingOrder.allCases {
            sort[order.rawValue] = Self.link("/findings", parameters, ["sort": order.rawValue, "offset": ""])
            sort[order.rawValue + "Arrow"] = query.order == order ? " ▼" : ""
        }
        data["sort"] = sort
        return html(library.render(data, withTemplate: "findings"))
    }

    /// The new-change form filled in to fix `advisories` on `hosts` by updating `packages`.
    static func fixLink(title: String, packages: [String], hosts: [String], advisories: [String]) -> String {
        let fields = [
            ("fix.title", title), ("fix.packages", packages.joined(separator: "\n")),
            ("fix.hosts", hosts.joined(separator: ", ")), ("fix.addresses", advisories.joined(separator: ", ")),
        ]
        let query = fields.map { key, value in
            "\(key)=\(value.addingPercentEncoding(withAllowedCharacters: .urlQueryValueAllowed) ?? value)"
        }.joined(separator: "&")
        return "/changes?\(query)#new-change"
    }

    /// Every finding matching `query` (up to ``CSVTable/maxRows``), as CSV.
    func findingsCSV(_ query: FindingQuery) async throws -> Response {
        var table = CSVTable(header: [
            "host_id", "hostname", "package", "architecture", "installed_version", "source_package", "advisory",
            "aliases", "severity", "cvss", "epss", "kev", "fixed_version", "first_seen",
        ])
        let stamp = ISO8601DateFormatter()
        var hostnames: [String: String] = [:]
        try await table.appendPages(
            fetch: { offset, limit in
                var page = query
                (page.offset, page.limit) = (offset, limit)
                let found = try await storage.findings(page).findings
                for id in Set(found.map(\.hostID)) where hostnames[id] == nil && hostnames.count < 200_000 {
                    hostnames[id] = try await storage.host(id: id)?.facts.hostname ?? ""
                }
                return found
            },
            row: { stored in
                let finding = stored.finding
                return [
                    stored.hostID, hostnames[stored.hostID] ?? "", finding.package, finding.architecture,
                    finding.installedVersion, finding.sourcePackage, finding.advisory,
                    finding.aliases.joined(separator: " "), finding.severity.rawValue,
                    finding.cvssScore.map { String($0) } ?? "", finding.epssScore.map { String($0) } ?? "",
                    finding.knownExploited ? "true" : "false", finding.fixedVersion ?? "",
                    stamp.string(from: stored.firstSeen),
                ]
            }
        )
        return table.response(filename: "findings.csv")
    }

    @Sendable func advisoryPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let identity = context.identity else { return redirectToLogin() }
        guard identity.has(.fleetRead) else {
            throw Problem.forbidden("\(identity.username) cannot read the fleet")
        }
        let id = try context.parameters.requireDecoded("id")
        guard let advisory = try await storage.advisory(id: id) else {
            throw Problem.notFound("no advisory with id '\(id)'")
        }
        var query = FindingQuery()
        query.advisory = id
        query.limit = 500
        let (findings, total) = try await storage.findings(query)
        let formatter = ISO8601DateFormatter()
        var data = page(identity, title: advisory.id)
        data["navFindings"] = true
        data["advisory"] =
            [
                "id": advisory.id, "severity": advisory.severity.rawValue, "source": advisory.source.rawValue,
                "summary": advisory.summary.isEmpty ? "—" : advisory.summary,
                "aliases": advisory.aliases.joined(separator: " "),
                "published": advisory.published.map { formatter.string(from: $0) } ?? "unknown",
                "modified": formatter.string(from: advisory.modified),
                "cvss": advisory.cvss.map { "\($0.vector) (\($0.baseScore.map { String($0) } ?? "?"))" }.joined(
                    separator: "; "
                ),
            ] as [String: Any]
        data["affected"] = advisory.affected.map { entry -> [String: Any] in
            [
                "release": entry.release.osvEcosystem, "name": entry.name, "kind": entry.nameKind.rawValue,
                "status": entry.status.rawValue, "fixed": entry.fixedVersion ?? "",
            ]
        }
        data["findingTotal"] = total
        // Distinct hosts over every finding, not only the page's.
        var summaryQuery = AdvisorySummaryQuery()
        summaryQuery.search = advisory.id
        summaryQuery.limit = 1000
        let summary = try await storage.advisorySummaries(summaryQuery).advisories.first { $0.id == advisory.id }
        data["hostCount"] = summary?.hosts ?? Set(findings.map(\.hostID)).count
        data["links"] = AdvisoryLinks.links(id: advisory.id, aliases: advisory.aliases).map {
            ["label": $0.label, "url": $0.url]
        }
        // "Fix these": a change request filled in with the affected packages and hosts.
        if identity.has(.changesRequest) {
            let packages =
                (summary?.packages.compactMap { $0.split(separator: " ").first.map(String.init) }
                    ?? findings.map(\.finding.package))
            data["fixThese"] = Self.fixLink(
                title: "Fix \(advisory.id)",
                packages: Array(Set(packages)).sorted(),
                hosts: Array(Set(findings.map(\.hostID))).sorted(),
                advisories: [advisory.id]
            )
        }
        if total > findings.count {
            data["shown"] = findings.count
            data["moreFindings"] =
                "/findings?advisory=\(advisory.id.addingPercentEncoding(withAllowedCharacters: .urlQueryValueAllowed) ?? advisory.id)"
        }
        data["showHost"] = true
        data["findings"] = try await findingRows(findings, withHosts: true)
        return html(library.render(data, withTemplate: "advisory"))
    }

    @Sendable func compliancePage(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let identity = context.identity else { return redirectToLogin() }
        guard identity.has(.fleetRead) else {
            throw Problem.forbidden("\(identity.username) cannot read the fleet")
        }
        let parameters = request.uri.queryParameters
        let framework = try ComplianceQuery.framework(parameters)
        let csv = parameters["format"] == "csv"
        // Rows by due date, 300 a page: the report keeps the earliest offset + 300.
        let pageSize = 300
        let offset =
            try QueryParameters(parameters.map { (String($0.key), String($0.value)) })
            .integer("offset", in: 0...(CSVTable.maxRows - pageSize)) ?? 0
        let report = try await compliance.report(
            framework: framework,
            rowLimit: csv ? CSVTable.maxRows : offset + pageSize
        )
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate]
        if csv {
            var table = CSVTable(header: [
                "due", "state", "host_id", "hostname", "tier", "package", "advisory", "severity", "fixed",
            ])
            for row in report.rows {
                table.append([
                    row.dueDate.map { formatter.string(from: $0) } ?? "", row.state, row.hostID, row.hostname,
                    row.tier ?? "", row.package, row.advisory, row.severity,
                    row.fixedAt.map { formatter.string(from: $0) } ?? "",
                ])
            }
            return table.response(filename: "compliance-\(framework.rawValue).csv")
        }
        var data = page(identity, title: "Compliance")
        data["navCompliance"] = true
        data["profile"] = report.profile
        data["policyVersion"] = report.policyVersion.map { String($0) } ?? "none (built-in defaults)"
        data["frameworks"] = SLAFramework.allCases.filter { $0 != .custom }.map {
            ["value": $0.rawValue, "selected": $0 == framework] as [String: Any]
        }
        let states = ["onTime", "dueSoon", "overdue", "excepted", "notCovered", "fixedOnTime", "fixedLate"]
        data["totals"] = Dictionary(uniqueKeysWithValues: states.map { ($0, report.totals[$0] ?? 0) })
        func bucket(_ bucket: ComplianceService.Bucket) -> [String: Any] {
            var row: [String: Any] = ["name": bucket.name]
            for state in states { row[state] = bucket.counts[state] ?? 0 }
            return row
        }
        data["byGroup"] = report.byGroup.map(bucket)
        data["byTier"] = report.byTier.map(bucket)
        let shownRows = report.rows.dropFirst(offset)
        let rowTotal = report.totals.values.reduce(0, +)
        data["rowTotal"] = rowTotal
        data["rowFrom"] = shownRows.isEmpty ? 0 : offset + 1
        data["rowTo"] = shownRows.isEmpty ? 0 : offset + shownRows.count
        if offset > 0 {
            data["rowPrev"] = Self.link("/compliance", parameters, ["offset": String(max(0, offset - pageSize))])
        }
        if offset + shownRows.count < rowTotal, report.rows.count == offset + pageSize {
            data["rowNext"] = Self.link("/compliance", parameters, ["offset": String(offset + pageSize)])
        }
        data["rows"] = shownRows.map { row -> [String: Any] in
            [
                "due": row.dueDate.map { formatter.string(from: $0) } ?? "—", "state": row.state,
                "stateClass": row.state == "overdue"
                    ? "reboot" : ["dueSoon", "fixedLate"].contains(row.state) ? "stale" : "online",
                "hostID": row.hostID, "hostname": row.hostname, "tier": row.tier ?? "—", "package": row.package,
                "advisory": row.advisory, "severity": row.severity,
                "fixed": row.fixedAt.map { formatter.string(from: $0) } ?? "",
            ]
        }
        data["csv"] = "/compliance?framework=\(framework.rawValue)&format=csv"
        return html(library.render(data, withTemplate: "compliance"))
    }

    func findingRows(_ findings: [StoredFinding], withHosts: Bool) async throws -> [[String: Any]] {
        var hostnames: [String: String] = [:]
        if withHosts {
            for id in Set(findings.map(\.hostID)) {
                hostnames[id] = try await storage.host(id: id)?.facts.hostname ?? id
            }
        }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate]
        return findings.map { stored in
            let finding = stored.finding
            let cves = finding.aliases.filter { $0.hasPrefix("CVE-") }
            let shown = cves.prefix(2).joined(separator: " ") + (cves.count > 2 ? " +\(cves.count - 2)" : "")
            var row: [String: Any] = [
                "package": finding.package, "installedVersion": finding.installedVersion,
                "sourcePackage": finding.sourcePackage, "sourceVersion": finding.sourceVersion,
                "advisory": finding.advisory, "aliases": shown, "allAliases": finding.aliases.joined(separator: " "),
                "severity": finding.severity.rawValue,
                "cvss": finding.cvssScore.map { String(format: "%.1f", $0) } ?? "",
                "epss": finding.epssScore.map { String(format: "%.3f", $0) } ?? "", "kev": finding.knownExploited,
                "kevDue": finding.kevDueDate.map { formatter.string(from: $0) } ?? "",
                "status": finding.status.rawValue,
                "hostID": stored.hostID, "hostname": hostnames[stored.hostID] ?? stored.hostID,
                "firstSeen": formatter.string(from: stored.firstSeen),
            ]
            if let fixed = finding.fixedVersion { row["fixedVersion"] = fixed }
            return row
        }
    }
}
