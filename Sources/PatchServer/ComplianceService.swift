import FleetModel
import Foundation
import PatchPolicy
import PatchStore
import SecurityAdvisories

/// SLA compliance of the fleet's findings under one framework profile of the policy in force.
///
/// Each finding gets the tier of its host (the first policy group that matches the host and names
/// a tier), the profile's deadline for severity × tier, and pauses from active exceptions that cover
/// it. Open findings and findings fixed in the last 90 days are evaluated.
struct ComplianceService: Sendable {
    let storage: any PatchStorage
    let clock: any WallClock

    /// One finding's SLA.
    struct Row: Codable, Sendable {
        var hostID: String
        var hostname: String
        var groups: [String]
        var tier: String?
        var package: String
        var advisory: String
        var severity: String
        var knownExploited: Bool
        var clockStarted: Date?
        var dueDate: Date?
        var state: String
        var met: Bool?
        var fixedAt: Date?
    }

    /// Counts per state for one group or tier.
    struct Bucket: Codable, Sendable {
        var name: String
        var counts: [String: Int]
    }

    /// The report.
    struct Report: Codable, Sendable {
        var framework: String
        var profile: String
        var policyVersion: Int64?
        var totals: [String: Int]
        var byGroup: [Bucket]
        var byTier: [Bucket]
        var rows: [Row]
    }

    func report(framework: SLAFramework, rowLimit: Int) async throws -> Report {
        let now = clock.now()
        let current = try await storage.currentPolicy()
        let document =
            try current.map { try LoadedPolicy.load($0.files).document } ?? PolicyDocument()
        let profile =
            document.slaProfiles.first { $0.framework == framework } ?? SLAProfile.builtIn(framework)
        let clock = SLAClock(profile: profile)
        var query = FindingQuery()
        query.includeFixed = true
        query.limit = 5000
        var findings: [StoredFinding] = []
        while true {
            let page = try await storage.findings(query)
            findings += page.findings
            query.offset += page.findings.count
            if page.findings.isEmpty || query.offset >= page.total { break }
        }
        let recent = now.addingTimeInterval(-90 * 86400)
        findings = findings.filter { $0.fixedAt == nil || $0.fixedAt! >= recent }
        var hosts: [String: (HostRecord, [HostGroup])] = [:]
        var published: [String: Date?] = [:]
        var rows: [Row] = []
        var totals: [String: Int] = [:]
        var byGroup: [String: [String: Int]] = [:]
        var byTier: [String: [String: Int]] = [:]
        for stored in findings {
            if hosts[stored.hostID] == nil, let host = try await storage.host(id: stored.hostID) {
                let packages = try await storage.inventory(hostID: host.id).packages
                let description = HostDescription(
                    id: host.id,
                    facts: host.facts,
                    labels: host.labels,
                    tags: Set(host.tags),
                    installed: packages
                )
                hosts[host.id] = (host, document.groups(of: description))
            }
            guard let (host, groups) = hosts[stored.hostID] else { continue }
            if published[stored.finding.advisory] == nil {
                published[stored.finding.advisory] = try await storage.advisory(id: stored.finding.advisory)?.published
            }
            let tier = groups.compactMap(\.tier).first
            let item = SLAItem(
                finding: stored.finding,
                tier: tier,
                published: published[stored.finding.advisory] ?? nil,
                firstDetected: stored.firstSeen,
                fixedAt: stored.fixedAt
            )
            let pauses = document.register.pauses(
                hostID: host.id,
                groups: Set(groups.map(\.name)),
                packages: [stored.finding.package, stored.finding.sourcePackage],
                advisories: [stored.finding.advisory] + stored.finding.aliases
            )
            let status = clock.evaluate(item, pauses: pauses, now: now)
            let state = status.state.rawValue
            totals[state, default: 0] += 1
            for group in groups { byGroup[group.name, default: [:]][state, default: 0] += 1 }
            byTier[tier ?? "(no tier)", default: [:]][state, default: 0] += 1
            if rows.count < rowLimit {
                rows.append(
                    Row(
                        hostID: host.id,
                        hostname: host.facts.hostname,
                        groups: groups.map(\.name),
                        tier: tier,
                        package: stored.finding.package,
                        advisory: stored.finding.advisory,
                        severity: stored.finding.severity.rawValue,
                        knownExploited: stored.finding.knownExploited,
                        clockStarted: status.clockStarted,
                        dueDate: status.dueDate,
                        state: state,
                        met: status.met,
                        fixedAt: stored.fixedAt
                    )
                )
            }
        }
        func buckets(_ values: [String: [String: Int]]) -> [Bucket] {
            values.map { Bucket(name: $0.key, counts: $0.value) }.sorted { $0.name < $1.name }
        }
        return Report(
            framework: framework.rawValue,
            profile: profile.name,
            policyVersion: current?.version,
            totals: totals,
            byGroup: buckets(byGroup),
            byTier: buckets(byTier),
            rows: rows.sorted { ($0.dueDate ?? .distantFuture) < ($1.dueDate ?? .distantFuture) }
        )
    }
}
