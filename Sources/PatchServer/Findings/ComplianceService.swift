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

    /// What the report accumulates while the findings stream past: counts, and the rows with the
    /// earliest due dates (at most twice the limit between prunes).
    struct Tally: Sendable {
        var totals: [String: Int] = [:]
        var byGroup: [String: [String: Int]] = [:]
        var byTier: [String: [String: Int]] = [:]
        var rows: [Row] = []
    }

    /// Where a host sits for the report.
    struct Placed: Sendable {
        var hostname: String
        var groups: [HostGroup]
        var groupNames: Set<String>
        var tier: String?
    }

    func report(framework: SLAFramework, rowLimit: Int) async throws -> Report {
        let now = clock.now()
        let current = try await storage.currentPolicy()
        let document =
            try current.map { try LoadedPolicy.load($0.files).document } ?? PolicyDocument()
        let profile =
            document.slaProfiles.first { $0.framework == framework } ?? SLAProfile.builtIn(framework)
        let sla = SLAClock(profile: profile)
        // Every host's place once, described with only the packages the policy's groups test.
        let tested = document.groups.reduce(into: Set<String>()) { $0.formUnion($1.query.referencedPackages) }
        let installed = try await storage.installedPackageNames(tested)
        var placed: [String: Placed] = [:]
        var query = HostQuery()
        query.limit = 1000
        while true {
            let page = try await storage.hosts(query)
            for host in page.hosts {
                let description = HostDescription(
                    id: host.id,
                    facts: host.facts,
                    labels: host.labels,
                    tags: Set(host.tags),
                    packages: installed[host.id] ?? []
                )
                let groups = document.groups(of: description)
                placed[host.id] = Placed(
                    hostname: host.facts.hostname,
                    groups: groups,
                    groupNames: Set(groups.map(\.name)),
                    tier: groups.compactMap(\.tier).first
                )
            }
            query.offset += page.hosts.count
            if page.hosts.isEmpty || query.offset >= page.total { break }
        }
        let published = try await storage.advisoryPublicationDates()
        let register = document.register
        let hosts = placed
        let limit = max(0, rowLimit)
        // Open findings and findings fixed in the last 90 days, folded in one pass.
        var tally = try await storage.reduceFindings(
            into: Tally(),
            fixedSince: now.addingTimeInterval(-90 * 86400)
        ) { tally, stored in
            guard let host = hosts[stored.hostID] else { return }
            let item = SLAItem(
                finding: stored.finding,
                tier: host.tier,
                published: published[stored.finding.advisory],
                firstDetected: stored.firstSeen,
                fixedAt: stored.fixedAt
            )
            let pauses = register.pauses(
                hostID: stored.hostID,
                groups: host.groupNames,
                packages: [stored.finding.package, stored.finding.sourcePackage],
                advisories: [stored.finding.advisory] + stored.finding.aliases
            )
            let status = sla.evaluate(item, pauses: pauses, now: now)
            let state = status.state.rawValue
            tally.totals[state, default: 0] += 1
            for group in host.groups { tally.byGroup[group.name, default: [:]][state, default: 0] += 1 }
            tally.byTier[host.tier ?? "(no tier)", default: [:]][state, default: 0] += 1
            guard limit > 0 else { return }
            tally.rows.append(
                Row(
                    hostID: stored.hostID,
                    hostname: host.hostname,
                    groups: host.groups.map(\.name),
                    tier: host.tier,
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
            if tally.rows.count >= 2 * limit { tally.rows = Self.earliest(tally.rows, limit) }
        }
        tally.rows = Self.earliest(tally.rows, limit)
        func buckets(_ values: [String: [String: Int]]) -> [Bucket] {
            values.map { Bucket(name: $0.key, counts: $0.value) }.sorted { $0.name < $1.name }
        }
        return Report(
            framework: framework.rawValue,
            profile: profile.name,
            policyVersion: current?.version,
            totals: tally.totals,
            byGroup: buckets(tally.byGroup),
            byTier: buckets(tally.byTier),
            rows: tally.rows
        )
    }

    /// The `limit` rows due first (undated last), in due order; ties keep a stable order by host,
    /// package and advisory so that a report does not depend on the order findings were read in.
    static func earliest(_ rows: [Row], _ limit: Int) -> [Row] {
        let sorted = rows.sorted {
            let left = $0.dueDate ?? .distantFuture
            let right = $1.dueDate ?? .distantFuture
            if left != right { return left < right }
            return ($0.hostID, $0.package, $0.advisory, $0.fixedAt == nil ? 0 : 1)
                < ($1.hostID, $1.package, $1.advisory, $1.fixedAt == nil ? 0 : 1)
        }
        return Array(sorted.prefix(limit))
    }
}
