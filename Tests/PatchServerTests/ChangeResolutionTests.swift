import AgentProtocol
import ChangeControl
import FleetModel
import Foundation
import Hummingbird
import HummingbirdTesting
import PatchPolicy
import PatchStore
import SecurityAdvisories
import Testing

@testable import PatchServer

/// What a change reaches is resolved from fleet-wide reads (the findings that concern the change
/// per package finding, placement from the packages the policy's groups test) instead of each
/// host's inventory and findings. This checks it against the host-by-host resolution on a fleet
/// where hosts differ in packages, versions (fixed or not), labels, groups and tiers.
@Suite struct ChangeResolutionTests {
    static func package(_ name: String, _ version: String, source: String? = nil) -> InstalledPackage {
        InstalledPackage(name: name, architecture: "amd64", version: version, sourceName: source, manager: .dpkg)
    }

    static func advisory(_ id: String, _ name: String, _ fixed: String, _ severity: Severity, at: Date) -> Advisory {
        ComplianceGroupingTests.advisory(id, name, fixed, severity, at: at)
    }

    /// The host-by-host resolution (the previous implementation, kept here as the oracle).
    static func oneByOne(
        _ content: ChangeContent,
        storage: any PatchStorage,
        updates: UpdatesController,
        now: Date
    ) async throws -> (hosts: [String: String], severity: String, kev: Bool, baseline: Bool, holds: Int) {
        let document =
            try await storage.currentPolicy().map { try LoadedPolicy.load($0.files).document } ?? PolicyDocument()
        let shared = try await updates.context()
        var query = HostQuery()
        query.limit = 1000
        var hosts: [String: String] = [:]
        var severities: [Severity] = []
        var kev = false
        var baseline = true
        var holds = 0
        let names = Set(content.packages.map(\.name))
        let addresses = Set(content.addresses)
        for host in try await storage.hosts(query).hosts where host.duplicateOf == nil {
            let packages = try await storage.inventory(hostID: host.id).packages
            let description = HostDescription(
                id: host.id,
                facts: host.facts,
                labels: host.labels,
                tags: Set(host.tags),
                installed: packages
            )
            let placement = document.placement(of: description)
            let environment = placement.environment?.name ?? "unassigned"
            guard
                content.hosts.contains(host.id) || !placement.groups.isDisjoint(with: content.groups)
                    || content.environments.contains(environment)
            else { continue }
            hosts[host.id] = environment
            let rows = try await updates.updates(for: host, installed: packages, context: shared).updates.filter {
                content.allApprovedByBaseline
                    ? $0.decision == "approved" : names.contains($0.package) || addresses.contains($0.advisory)
            }
            if !content.allApprovedByBaseline {
                let concerned = rows.filter { names.contains($0.package) }
                if concerned.isEmpty || concerned.contains(where: { $0.decision != "approved" }) { baseline = false }
            }
            for row in rows {
                severities.append(Severity(rawValue: row.severity) ?? .unknown)
                kev = kev || row.knownExploited
            }
            holds +=
                document.register.holds(
                    hostID: host.id,
                    groups: placement.groups,
                    packages: Array(names),
                    advisories: Array(addresses),
                    at: now
                ).count
        }
        return (hosts, (severities.max() ?? .unknown).rawValue, kev, !hosts.isEmpty && baseline, holds)
    }

    @Test func fleetWideResolutionMatchesTheHostByHostOne() async throws {
        let harness = try await Harness.make()
        let start = harness.clock.now().addingTimeInterval(-10 * 86_400)
        try await harness.importAdvisories(
            [
                Self.advisory("DSA-9100-1", "openssl", "3.0.15-1~deb12u1", .critical, at: start),
                Self.advisory("DSA-9101-1", "curl", "7.88.1-10+deb12u8", .high, at: start),
                Self.advisory("DSA-9102-1", "nginx", "1.22.1-9+deb12u1", .medium, at: start),
            ],
            knownExploited: [
                KnownExploitedVulnerability(
                    cveID: "CVE-DSA-9101-1",
                    vendorProject: "curl",
                    product: "curl",
                    name: "curl",
                    dateAdded: start,
                    dueDate: start.addingTimeInterval(20 * 86_400),
                    knownRansomwareCampaignUse: "Unknown",
                    requiredAction: "update"
                )
            ]
        )
        let built = try await harness.routerWithFindings()
        let token = try await harness.enrollmentToken(uses: 50)
        try await Application(router: built.router).test(.router) { client in
            for index in 0..<18 {
                var agent = TestAgent(hostname: "host-\(index)")
                agent.packages = [
                    Self.package(
                        "libssl3",
                        index % 3 == 0 ? "3.0.15-1~deb12u1" : "3.0.11-1~deb12u2",
                        source: "openssl"
                    ),
                    Self.package("curl", index % 5 == 0 ? "7.88.1-10+deb12u8" : "7.88.1-10+deb12u5"),
                ]
                if index % 4 == 1 { agent.packages.append(Self.package("nginx", "1.22.1-9")) }
                if index == 7 { agent.packages.removeFirst() }
                try await client.enroll(&agent, token: token)
                let upload = try await client.signedPost(
                    "/api/v1/agent/inventory",
                    InventoryUpload.full(agent.packages),
                    agent: agent,
                    clock: harness.clock
                )
                #expect(upload.status == .ok || upload.status == .accepted, "\(upload.text)")
                if index % 2 == 0 {
                    _ = try await harness.storage.setLabels(
                        hostID: agent.hostID,
                        labels: ["env": index % 4 == 0 ? "prod" : "dev"],
                        tags: [],
                        actor: "test",
                        now: harness.clock.now()
                    )
                }
            }
        }
        try await built.vulnerabilities.refreshIfNeeded()
        let policy = """
            tiers:
              - name: edge
                rank: 1
            environments: [dev, prod]
            groups:
              - name: web
                query: {package: nginx}
                tier: edge
              - name: dev-hosts
                labels: {env: dev}
                environment: dev
              - name: prod-hosts
                labels: {env: prod}
                environment: prod
            baselines:
              - name: debian-edge
                os: debian
                tiers: [edge]
                rules:
                  - name: all-security
                    classification: security
                    approveAfterDays: 1
            """
        _ = try await harness.storage.applyPolicy(
            files: [PolicyFile(name: "policy.yaml", text: policy)],
            actor: "test",
            reason: "test",
            changes: [],
            now: harness.clock.now()
        )
        let changes = built.rollouts.changes
        let now = harness.clock.now()
        let contents: [ChangeContent] = [
            ChangeContent(packages: [.init(name: "libssl3")], environments: ["dev", "prod"]),
            ChangeContent(packages: [.init(name: "curl")], groups: ["web"], addresses: ["DSA-9100-1"]),
            ChangeContent(packages: [.init(name: "nginx")], groups: ["web"]),
            ChangeContent(environments: ["prod"], addresses: ["DSA-9101-1"]),
            ChangeContent(packages: [.init(name: "zsh")], environments: ["dev"]),
            ChangeContent(allApprovedByBaseline: true, groups: ["web", "dev-hosts"]),
        ]
        var reached = 0
        for content in contents {
            let resolved = try await changes.resolve(content, now: now)
            let expected = try await Self.oneByOne(
                content,
                storage: harness.storage,
                updates: changes.updates,
                now: now
            )
            let at = "\(content.packages.map(\.name)) \(content.addresses) \(content.groups) \(content.environments)"
            #expect(
                Dictionary(uniqueKeysWithValues: resolved.hosts.map { ($0.id, $0.environment) }) == expected.hosts,
                "\(at)"
            )
            #expect(resolved.impact.highestSeverity == expected.severity, "\(at)")
            #expect(resolved.impact.addressesKnownExploited == expected.kev, "\(at)")
            #expect(resolved.impact.baselineApproved == expected.baseline, "\(at)")
            #expect(resolved.impact.hostCount == expected.hosts.count, "\(at)")
            reached += resolved.hosts.count
        }
        // Not vacuous: the contents reach hosts, with several severities and KEV among them.
        #expect(reached > 20)
        let severities = try await contents.asyncMap { try await changes.resolve($0, now: now).impact.highestSeverity }
        #expect(Set(severities).isSuperset(of: ["critical", "high"]))
    }
}

extension Sequence {
    fileprivate func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var result: [T] = []
        for element in self { result.append(try await transform(element)) }
        return result
    }
}
