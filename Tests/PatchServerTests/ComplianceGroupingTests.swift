import AgentProtocol
import FleetModel
import Foundation
import Hummingbird
import HummingbirdTesting
import PatchAPI
import PatchPolicy
import PatchStore
import SecurityAdvisories
import Testing

@testable import PatchServer

/// The compliance report evaluates open findings once per (package finding, placement, day of
/// start) instead of once per host finding. This checks it against the one-by-one evaluation on a
/// fleet built to hit the edges: hosts enrolled over many days (different starts within and across
/// days), an advisory that appeared after some hosts, fixes, tiers from groups, exceptions by group
/// and by host (pausing the clock, some active now), KEV due dates, and several instants.
@Suite struct ComplianceGroupingTests {
    static let day: TimeInterval = 86_400

    static func advisory(_ id: String, _ name: String, _ fixed: String, _ severity: Severity, at: Date) -> Advisory {
        Advisory(
            id: id,
            aliases: ["CVE-\(id)"],
            source: .dsa,
            published: at,
            modified: at,
            severity: severity,
            affected: [
                AffectedPackage(
                    release: EcosystemRelease(.debian, "12"),
                    name: name,
                    nameKind: .source,
                    status: .fixed,
                    fixedVersion: fixed
                )
            ]
        )
    }

    static func package(_ name: String, _ version: String) -> InstalledPackage {
        InstalledPackage(name: name, architecture: "amd64", version: version, manager: .dpkg)
    }

    @Test func groupedEvaluationMatchesTheOneByOneEvaluation() async throws {
        let harness = try await Harness.make()
        let start = harness.clock.now()
        try await harness.importAdvisories(
            [
                Self.advisory("DSA-9100-1", "openssl", "3.0.15-1~deb12u1", .critical, at: start),
                Self.advisory("DSA-9101-1", "curl", "7.88.1-10+deb12u8", .high, at: start),
            ],
            knownExploited: [
                KnownExploitedVulnerability(
                    cveID: "CVE-DSA-9101-1",
                    vendorProject: "curl",
                    product: "curl",
                    name: "curl",
                    dateAdded: start,
                    dueDate: start.addingTimeInterval(9 * Self.day),
                    knownRansomwareCampaignUse: "Unknown",
                    requiredAction: "update"
                )
            ]
        )
        let built = try await harness.routerWithFindings()
        let token = try await harness.enrollmentToken(uses: 50, expiresIn: 60 * Self.day)
        let vulnerabilities = built.vulnerabilities
        let agents = try await Application(router: built.router).test(.router) { client -> [TestAgent] in
            var agents: [TestAgent] = []
            for index in 0..<36 {
                var agent = TestAgent(hostname: "host-\(index)")
                agent.packages = [
                    Self.package("openssl", index % 3 == 0 ? "3.0.15-1~deb12u1" : "3.0.11-1~deb12u2"),
                    Self.package("curl", "7.88.1-10+deb12u5"),
                    Self.package("nginx", "1.22.1-9"),
                ]
                if index % 4 == 1 { agent.packages.removeLast() }
                try await client.enroll(&agent, token: token)
                let upload = try await client.signedPost(
                    "/api/v1/agent/inventory",
                    InventoryUpload.full(agent.packages),
                    agent: agent,
                    clock: harness.clock
                )
                #expect(upload.status == .ok || upload.status == .accepted, "\(upload.text)")
                agents.append(agent)
                // Six hosts within a third of a day, then most of a day: starts spread over ~7 days, so
                // the day buckets hold several starts that a deadline can fall between.
                harness.clock.advance(index % 6 == 5 ? 0.9 * Self.day : 0.07 * Self.day)
            }
            // An advisory that appears after half the fleet enrolled.
            try await harness.importAdvisories([
                Self.advisory("DSA-9102-1", "nginx", "1.22.1-9+deb12u1", .medium, at: harness.clock.now())
            ])
            try await vulnerabilities.refreshIfNeeded()
            // Some hosts fix openssl (fixed findings with their own dates).
            for index in [1, 5, 10] {
                harness.clock.advance(0.4 * Self.day)
                var agent = agents[index]
                agent.packages[0] = Self.package("openssl", "3.0.15-1~deb12u1")
                agents[index] = agent
                let upload = try await client.signedPost(
                    "/api/v1/agent/inventory",
                    InventoryUpload.full(agent.packages),
                    agent: agent,
                    clock: harness.clock
                )
                #expect(upload.status == .ok || upload.status == .accepted, "\(upload.text)")
            }
            return agents
        }
        let named = agents[7].hostID
        let policy = """
            tiers:
              - name: edge
                rank: 1
            groups:
              - name: web
                query: {package: nginx}
                tier: edge
              - name: everyone
                query: {os: debian}
            sla:
              profiles:
                - name: internal
                  framework: custom
                  clockStart: first-detection
                  dueSoonDays: 3
                  deadlines: {critical: 4, high: 6, medium: 9}
                  tiers:
                    edge: {critical: 2, medium: 5}
                  useKEVDueDate: true
            exceptions:
              - id: EXC-1
                scope: {group: web, package: curl}
                reason: vendor fix pending
                compensatingControl: egress filtered
                owner: alice
                approver: bob
                starts: \(Self.date(start.addingTimeInterval(3 * Self.day)))
                expires: \(Self.date(start.addingTimeInterval(6 * Self.day)))
              - id: EXC-2
                scope: {host: \(named), advisory: DSA-9100-1}
                reason: host retiring
                compensatingControl: isolated VLAN
                owner: alice
                approver: bob
                starts: \(Self.date(start.addingTimeInterval(1 * Self.day)))
                expires: \(Self.date(start.addingTimeInterval(30 * Self.day)))
            """
        _ = try await harness.storage.applyPolicy(
            files: [PolicyFile(name: "policy.yaml", text: policy)],
            actor: "test",
            reason: "test",
            changes: [],
            now: harness.clock.now()
        )
        let service = ComplianceService(storage: harness.storage, clock: harness.clock)
        var compared = 0
        for step in 0..<14 {
            for framework in [SLAFramework.custom, .pciDSS4] {
                for limit in [0, 3, 7, 500] {
                    let grouped = try await service.report(framework: framework, rowLimit: limit)
                    let single = try await Self.oneByOne(harness, framework: framework, rowLimit: limit)
                    let at = "step \(step), \(framework.rawValue), limit \(limit)"
                    #expect(grouped.totals == single.totals, "\(at)")
                    #expect(grouped.byGroup.map(\.name) == single.byGroup.map(\.name), "\(at)")
                    #expect(grouped.byGroup.map(\.counts) == single.byGroup.map(\.counts), "\(at)")
                    #expect(grouped.byTier.map(\.counts) == single.byTier.map(\.counts), "\(at)")
                    #expect(Self.describe(grouped.rows) == Self.describe(single.rows), "\(at)")
                    compared += grouped.totals.values.reduce(0, +)
                }
            }
            harness.clock.advance(0.61 * Self.day)
        }
        // A cached report does not outlive a change of the data: a host fixes openssl, another
        // host's labels change; the next report is the one-by-one evaluation again.
        let before = try await service.report(framework: .custom, rowLimit: 500)
        let fixed = agents[2]
        let stored = try await harness.storage.inventory(hostID: fixed.hostID)
        let upgraded = stored.packages.map {
            $0.name == "openssl" ? Self.package("openssl", "3.0.15-1~deb12u1") : $0
        }
        _ = try await harness.storage.replaceInventory(
            hostID: fixed.hostID,
            expectedFingerprint: stored.fingerprint,
            packages: upgraded,
            fingerprint: InventoryFingerprint.of(upgraded),
            now: harness.clock.now()
        )
        let after = try await service.report(framework: .custom, rowLimit: 500)
        let expected = try await Self.oneByOne(harness, framework: .custom, rowLimit: 500)
        #expect(after.totals == expected.totals)
        #expect(Self.describe(after.rows) == Self.describe(expected.rows))
        #expect(
            after.rows.filter { $0.fixedAt != nil }.count == before.rows.filter { $0.fixedAt != nil }.count + 1,
            "the fix moved a finding from open to fixed"
        )
        // The fleet has findings in several states over the instants (not a vacuous comparison).
        #expect(compared > 500)
        let states = try await service.report(framework: .custom, rowLimit: 0).totals.keys
        #expect(Set(states).count >= 2)
    }

    static func date(_ instant: Date) -> String {
        let formatter = ISO8601DateFormatter()
        return formatter.string(from: instant)
    }

    static func describe(_ rows: [ComplianceService.Row]) -> [String] {
        rows.map {
            "\($0.hostID) \($0.package) \($0.advisory) \($0.state) \($0.dueDate.map { "\($0.timeIntervalSince1970)" } ?? "-") "
                + "\($0.clockStarted.map { "\($0.timeIntervalSince1970)" } ?? "-") \($0.met.map { "\($0)" } ?? "-") "
                + "\($0.groups) \($0.tier ?? "-") \($0.fixedAt.map { "\($0.timeIntervalSince1970)" } ?? "-")"
        }
    }

    /// The report evaluated one host finding at a time (the definition the grouped pass must equal).
    static func oneByOne(
        _ harness: Harness,
        framework: SLAFramework,
        rowLimit: Int
    ) async throws -> ComplianceService.Report {
        let storage = harness.storage
        let now = harness.clock.now()
        let current = try await storage.currentPolicy()
        let document = try current.map { try LoadedPolicy.load($0.files).document } ?? PolicyDocument()
        let profile = document.slaProfiles.first { $0.framework == framework } ?? SLAProfile.builtIn(framework)
        let sla = SLAClock(profile: profile)
        let tested = document.groups.reduce(into: Set<String>()) { $0.formUnion($1.query.referencedPackages) }
        let installed = try await storage.installedPackageNames(tested)
        var placed: [String: (hostname: String, groups: [HostGroup], tier: String?)] = [:]
        for host in try await storage.hosts(HostQuery()).hosts {
            let groups = document.groups(
                of: HostDescription(
                    id: host.id,
                    facts: host.facts,
                    labels: host.labels,
                    tags: Set(host.tags),
                    packages: installed[host.id] ?? []
                )
            )
            placed[host.id] = (host.facts.hostname, groups, groups.compactMap(\.tier).first)
        }
        let hosts = placed
        let published = try await storage.advisoryPublicationDates()
        let register = document.register
        typealias Tally = (
            totals: [String: Int], byGroup: [String: [String: Int]], byTier: [String: [String: Int]],
            rows: [ComplianceService.Row]
        )
        let tally = try await storage.reduceFindings(
            into: Tally([:], [:], [:], []),
            fixedSince: now.addingTimeInterval(-90 * 86400)
        ) { tally, stored in
            guard let host = hosts[stored.hostID] else { return }
            let status = sla.evaluate(
                SLAItem(
                    finding: stored.finding,
                    tier: host.tier,
                    published: published[stored.finding.advisory],
                    firstDetected: stored.firstSeen,
                    fixedAt: stored.fixedAt
                ),
                pauses: register.pauses(
                    hostID: stored.hostID,
                    groups: Set(host.groups.map(\.name)),
                    packages: [stored.finding.package, stored.finding.sourcePackage],
                    advisories: [stored.finding.advisory] + stored.finding.aliases
                ),
                now: now
            )
            // Open findings count by SLA state; fixed ones as fixed on time or late.
            let state = ComplianceService.stateKey(status)
            tally.totals[state, default: 0] += 1
            for group in host.groups { tally.byGroup[group.name, default: [:]][state, default: 0] += 1 }
            tally.byTier[host.tier ?? "(no tier)", default: [:]][state, default: 0] += 1
            tally.rows.append(
                ComplianceService.Row(
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
        }
        func buckets(_ values: [String: [String: Int]]) -> [ComplianceService.Bucket] {
            values.map { ComplianceService.Bucket(name: $0.key, counts: $0.value) }.sorted { $0.name < $1.name }
        }
        return ComplianceService.Report(
            framework: framework.rawValue,
            profile: profile.name,
            policyVersion: current?.version,
            totals: tally.totals,
            byGroup: buckets(tally.byGroup),
            byTier: buckets(tally.byTier),
            rows: ComplianceService.earliest(tally.rows, max(0, rowLimit))
        )
    }
}
