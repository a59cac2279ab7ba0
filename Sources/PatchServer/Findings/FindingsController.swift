import ChangeControl
import Foundation
import Hummingbird
import HummingbirdCore
import PatchAPI
import PatchStore
import SecurityAdvisories

/// The findings API: fleet-wide, per host, per advisory, and the risk summary.
struct FindingsController: Sendable {
    let storage: any PatchStorage
    let vulnerabilities: VulnerabilityService

    func addRoutes(to group: RouterGroup<AppRequestContext>, table: SecuredRoutes) {
        let prefix = "/api/v1"
        table.add(.get, "findings", on: group, prefix: prefix, permission: .fleetRead) { request, _, _ in
            let query = try FindingQueryParser.parse(request.uri.queryParameters)
            return try JSONResponse.make(try await page(query))
        }
        table.add(.get, "hosts/{id}/findings", on: group, prefix: prefix, permission: .fleetRead) {
            request,
            context,
            _ in
            let id = try context.parameters.requireDecoded("id")
            guard try await storage.host(id: id) != nil else { throw Problem.notFound("no host with id '\(id)'") }
            var query = try FindingQueryParser.parse(request.uri.queryParameters)
            query.hostID = id
            return try JSONResponse.make(try await page(query))
        }
        table.add(.get, "advisories/{id}", on: group, prefix: prefix, permission: .fleetRead) { request, context, _ in
            let id = try context.parameters.requireDecoded("id")
            guard let advisory = try await storage.advisory(id: id) else {
                throw Problem.notFound("no advisory with id '\(id)'")
            }
            var query = try FindingQueryParser.parse(request.uri.queryParameters)
            query.advisory = id
            return try JSONResponse.make(AdvisoryView(advisory: advisory, findings: try await page(query)))
        }
        table.add(.get, "risk/summary", on: group, prefix: prefix, permission: .fleetRead) { _, _, _ in
            try JSONResponse.make(RiskSummaryView(try await storage.riskSummary()))
        }
    }

    func page(_ query: FindingQuery) async throws -> FindingPage {
        let (findings, total) = try await storage.findings(query)
        return FindingPage(
            findings: findings.map(FindingView.init),
            total: total,
            limit: query.limit,
            offset: query.offset
        )
    }
}

/// Turns query parameters into a ``FindingQuery``.
enum FindingQueryParser {
    static func parse(_ parameters: FlatDictionary<Substring, Substring>) throws -> FindingQuery {
        var query = FindingQuery()
        func text(_ name: String) -> String? {
            guard let value = parameters[Substring(name)], !value.isEmpty else { return nil }
            return String(value)
        }
        func flag(_ name: String) throws -> Bool? {
            guard let value = text(name) else { return nil }
            guard value == "true" || value == "false" else {
                throw Problem.badRequest("query parameter '\(name)' must be true or false, got '\(value)'")
            }
            return value == "true"
        }
        query.hostID = text("host")
        query.advisory = text("advisory")
        query.package = text("package")
        query.osID = text("os")
        query.osVersionID = text("version")
        if let severity = text("severity") {
            guard let value = Severity(rawValue: severity) else {
                let allowed = Severity.allCases.map(\.rawValue).joined(separator: ", ")
                throw Problem.badRequest("query parameter 'severity' must be one of \(allowed), got '\(severity)'")
            }
            query.minimumSeverity = value
        }
        if let epss = text("epss") {
            guard let value = Double(epss), (0...1).contains(value) else {
                throw Problem.badRequest("query parameter 'epss' must be a number from 0 to 1, got '\(epss)'")
            }
            query.minimumEPSS = value
        }
        query.knownExploited = try flag("kev")
        query.fixable = try flag("fixable")
        query.includeFixed = try flag("include_fixed") ?? false
        if let sort = text("sort") {
            guard let order = FindingOrder(rawValue: sort) else {
                let allowed = FindingOrder.allCases.map(\.rawValue).joined(separator: ", ")
                throw Problem.badRequest("query parameter 'sort' must be one of \(allowed), got '\(sort.prefix(40))'")
            }
            query.order = order
        }
        (query.limit, query.offset) = try Paging.parse(parameters, defaultLimit: 100, maxLimit: 5000)
        return query
    }
}

extension FindingView {
    init(_ stored: StoredFinding) {
        let finding = stored.finding
        self.init(
            id: stored.id,
            hostID: stored.hostID,
            package: finding.package,
            architecture: finding.architecture,
            installedVersion: finding.installedVersion,
            sourcePackage: finding.sourcePackage,
            sourceVersion: finding.sourceVersion,
            advisory: finding.advisory,
            aliases: finding.aliases,
            fixedVersion: finding.fixedVersion,
            status: finding.status.rawValue,
            severity: finding.severity.rawValue,
            cvssScore: finding.cvssScore,
            epssScore: finding.epssScore,
            epssPercentile: finding.epssPercentile,
            knownExploited: finding.knownExploited,
            kevDueDate: finding.kevDueDate,
            firstSeen: stored.firstSeen,
            lastSeen: stored.lastSeen,
            fixedAt: stored.fixedAt
        )
    }
}

extension RiskSummaryView {
    init(_ summary: RiskSummary) {
        self.init(
            bySeverity: summary.bySeverity,
            knownExploited: summary.knownExploited,
            fixable: summary.fixable,
            hostsWithCritical: summary.hostsWithCritical,
            hostsWithKnownExploited: summary.hostsWithKnownExploited,
            advisories: summary.advisories
        )
    }
}
