import ChangeControl
import Foundation
import Hummingbird
import HummingbirdCore
import Mustache
import PatchAPI
import PatchStore
import SecurityAdvisories

extension DashboardController {
    func addAdvisoryRoutes(to authenticated: RouterGroup<AppRequestContext>) {
        authenticated.get("advisories", use: advisoriesPage)
    }

    /// `/advisories`: the advisories open on the fleet, searchable by id, CVE alias or package, with
    /// severity, KEV, EPSS and affected hosts; `format=csv` exports every match.
    @Sendable func advisoriesPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let identity = context.identity else { return redirectToLogin() }
        guard identity.has(.fleetRead) else {
            throw Problem.forbidden("\(identity.username) cannot read the fleet")
        }
        let parameters = request.uri.queryParameters
        let query = try Self.advisoryQuery(parameters)
        if parameters["format"] == "csv" {
            var table = CSVTable(header: [
                "advisory", "aliases", "severity", "cvss", "epss", "kev", "kev_due", "fixable", "hosts", "findings",
                "packages",
            ])
            let dates = ISO8601DateFormatter()
            dates.formatOptions = [.withFullDate]
            let base = query
            try await table.appendPages(
                fetch: { offset, limit in
                    var page = base
                    (page.offset, page.limit) = (offset, limit)
                    return try await storage.advisorySummaries(page).advisories
                },
                row: { advisory in
                    let cvss: String = advisory.cvss.map { String($0) } ?? ""
                    let epss: String = advisory.epss.map { String($0) } ?? ""
                    let due: String = advisory.kevDue.map { dates.string(from: $0) } ?? ""
                    return [
                        advisory.id, advisory.aliases.joined(separator: " "), advisory.severity.rawValue, cvss, epss,
                        String(advisory.knownExploited), due, String(advisory.fixable), String(advisory.hosts),
                        String(advisory.findings), advisory.packages.joined(separator: " "),
                    ]
                }
            )
            return table.response(filename: "advisories.csv")
        }
        let (advisories, total) = try await storage.advisorySummaries(query)
        var data = page(identity, title: "Advisories")
        data["navAdvisories"] = true
        data["total"] = total
        data["search"] = query.search ?? ""
        data["epss"] = query.minimumEPSS.map { String($0) } ?? ""
        data["kevTrue"] = query.knownExploited == true
        data["severities"] = [Severity.low, .medium, .high, .critical].map {
            ["value": $0.rawValue, "selected": query.minimumSeverity == $0] as [String: Any]
        }
        data["sorts"] = AdvisorySummaryQuery.Order.allCases.map {
            ["value": $0.rawValue, "selected": query.order == $0] as [String: Any]
        }
        let dates = ISO8601DateFormatter()
        dates.formatOptions = [.withFullDate]
        data["advisories"] = advisories.map { advisory -> [String: Any] in
            let shown = advisory.packages.prefix(3).joined(separator: ", ")
            return [
                "id": advisory.id,
                "path": advisory.id.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? advisory.id,
                "aliases": advisory.aliases.prefix(4).joined(separator: " ")
                    + (advisory.aliases.count > 4 ? " +\(advisory.aliases.count - 4)" : ""),
                "severity": advisory.severity.rawValue,
                "cvss": advisory.cvss.map { String(format: "%.1f", $0) } ?? "—",
                "epss": advisory.epss.map { String(format: "%.3f", $0) } ?? "—",
                "kev": advisory.knownExploited,
                "kevDue": advisory.kevDue.map { dates.string(from: $0) } ?? "",
                "fixable": advisory.fixable,
                "hosts": advisory.hosts,
                "findings": advisory.findings,
                "packages": advisory.packages.count > 3 ? shown + " +\(advisory.packages.count - 3)" : shown,
                // The publisher and the first CVE's pages; the rest on the advisory's own page.
                "links": AdvisoryLinks.links(id: advisory.id, aliases: advisory.aliases).prefix(2).map {
                    ["label": $0.label, "url": $0.url]
                },
            ]
        }
        data["from"] = total == 0 ? 0 : query.offset + 1
        data["to"] = query.offset + advisories.count
        if query.offset > 0 {
            data["prev"] = Self.link("/advisories", parameters, ["offset": String(max(0, query.offset - query.limit))])
        }
        if query.offset + advisories.count < total {
            data["next"] = Self.link("/advisories", parameters, ["offset": String(query.offset + query.limit)])
        }
        data["csv"] = Self.link("/advisories", parameters, ["format": "csv", "offset": ""])
        return html(library.render(data, withTemplate: "advisories"))
    }

    static func advisoryQuery(_ parameters: FlatDictionary<Substring, Substring>) throws -> AdvisorySummaryQuery {
        let values = QueryParameters(parameters.map { (String($0.key), String($0.value)) })
        var query = AdvisorySummaryQuery()
        if let search = values.nonEmpty("q") {
            guard search.count <= 200 else {
                throw Problem.badRequest("query parameter 'q' must be at most 200 characters, got \(search.count)")
            }
            query.search = search
        }
        if let severity = try values.oneOf("severity", Severity.allCases.map(\.rawValue)) {
            query.minimumSeverity = Severity(rawValue: severity)
        }
        if let kev = try values.boolean("kev") { query.knownExploited = kev }
        if let epss = values.nonEmpty("epss") {
            guard let value = Double(epss), (0...1).contains(value) else {
                throw Problem.badRequest("query parameter 'epss' must be a number from 0 to 1, got '\(epss)'")
            }
            query.minimumEPSS = value
        }
        if let order = try values.oneOf("sort", AdvisorySummaryQuery.Order.allCases.map(\.rawValue)) {
            query.order = AdvisorySummaryQuery.Order(rawValue: order) ?? .risk
        }
        (query.limit, query.offset) = try values.paging(defaultLimit: 50, maxLimit: 500)
        return query
    }
}
