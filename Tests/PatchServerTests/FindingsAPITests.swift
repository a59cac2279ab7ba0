import AgentProtocol
import ChangeControl
import FleetModel
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import PatchAPI
import PatchServer
import PatchStore
import SecurityAdvisories
import Testing

@Suite struct FindingsAPITests {
    static let cve = "CVE-2024-28085"

    static func advisory(
        _ id: String,
        source: String,
        fixed: String,
        modified: TimeInterval = 1_700_000_000
    ) -> Advisory {
        Advisory(
            id: id,
            aliases: [cve],
            source: .dsa,
            published: Date(timeIntervalSince1970: modified),
            modified: Date(timeIntervalSince1970: modified),
            summary: "\(source) security update",
            affected: [
                AffectedPackage(
                    release: EcosystemRelease(.debian, "12"),
                    name: source,
                    nameKind: .source,
                    status: .fixed,
                    fixedVersion: fixed
                )
            ]
        )
    }

    static let kev = KnownExploitedVulnerability(
        cveID: cve,
        vendorProject: "util-linux",
        product: "wall",
        name: "WallEscape",
        dateAdded: Date(timeIntervalSince1970: 1_711_000_000),
        dueDate: Date(timeIntervalSince1970: 1_713_000_000),
        knownRansomwareCampaignUse: "Unknown",
        requiredAction: "Apply updates."
    )

    func bsdutils(_ revision: String) -> InstalledPackage {
        InstalledPackage(
            name: "bsdutils",
            architecture: "amd64",
            version: "1:2.38.1-5+deb12u\(revision)",
            sourceName: "util-linux",
            sourceVersion: "2.38.1-5+deb12u\(revision)",
            manager: .dpkg
        )
    }

    @Test func findingsFollowInventoryAndAdvisoryChanges() async throws {
        let harness = try await Harness.make()
        try await harness.importAdvisories(
            [Self.advisory("DSA-5650-1", source: "util-linux", fixed: "2.38.1-5+deb12u1")],
            knownExploited: [Self.kev],
            epss: [EPSSScore(cveID: Self.cve, score: 0.42, percentile: 0.97)]
        )
        let built = try await harness.routerWithFindings()
        let vulnerabilities = built.vulnerabilities
        let token = try await harness.enrollmentToken()
        try await Application(router: built.router).test(.router) { client in
            var agent = TestAgent()
            agent.packages = [
                bsdutils("0"),
                InstalledPackage(name: "zlib1g", architecture: "amd64", version: "1:1.2.13.dfsg-1", manager: .dpkg),
            ]
            try await client.enroll(&agent, token: token)
            let upload = try await client.signedPost(
                "/api/v1/agent/inventory",
                InventoryUpload.full(agent.packages),
                agent: agent,
                clock: harness.clock
            )
            #expect(upload.status == .ok)

            let host = try await client.execute(
                uri: "/api/v1/hosts/\(agent.hostID)/findings",
                method: .get,
                headers: harness.bearer(.viewer)
            )
            .json(FindingPage.self)
            #expect(host.total == 1)
            #expect(host.findings.first?.package == "bsdutils")
            #expect(host.findings.first?.sourcePackage == "util-linux")
            #expect(host.findings.first?.fixedVersion == "2.38.1-5+deb12u1")
            #expect(host.findings.first?.knownExploited == true)

            let kev = try await client.execute(
                uri: "/api/v1/findings?kev=true&epss=0.4",
                method: .get,
                headers: harness.bearer(.viewer)
            )
            .json(FindingPage.self)
            #expect(kev.total == 1)
            let critical = try await client.execute(
                uri: "/api/v1/findings?severity=critical",
                method: .get,
                headers: harness.bearer(.viewer)
            )
            .json(FindingPage.self)
            #expect(critical.total == 0)
            let byCVE = try await client.execute(
                uri: "/api/v1/findings?advisory=\(Self.cve)",
                method: .get,
                headers: harness.bearer(.viewer)
            )
            .json(FindingPage.self)
            #expect(byCVE.total == 1)
            let bad = try await client.execute(
                uri: "/api/v1/findings?severity=urgent",
                method: .get,
                headers: harness.bearer(.viewer)
            )
            #expect(bad.status == .badRequest)

            let advisory = try await client.execute(
                uri: "/api/v1/advisories/DSA-5650-1",
                method: .get,
                headers: harness.bearer(.viewer)
            )
            #expect(advisory.status == .ok)
            #expect(advisory.text.contains("\"total\":1"))
            let missing = try await client.execute(
                uri: "/api/v1/advisories/DSA-0-0",
                method: .get,
                headers: harness.bearer(.viewer)
            )
            #expect(missing.status == .notFound)

            // A new advisory reaches the fleet without any upload.
            harness.clock.advance(60)
            try await harness.importAdvisories([
                Self.advisory("DSA-5700-1", source: "util-linux", fixed: "2.38.1-5+deb12u2", modified: 1_710_000_000)
            ])
            #expect(try await vulnerabilities.refreshIfNeeded())
            let two = try await client.execute(
                uri: "/api/v1/hosts/\(agent.hostID)/findings",
                method: .get,
                headers: harness.bearer(.viewer)
            )
            .json(FindingPage.self)
            #expect(Set(two.findings.map(\.advisory)) == ["DSA-5650-1", "DSA-5700-1"])

            // Upgrading closes both, and the history keeps them with the time they were fixed.
            let before = agent.packages
            agent.packages[0] = bsdutils("2")
            harness.clock.advance(60)
            _ = try await client.signedPost(
                "/api/v1/agent/inventory",
                InventoryUpload.delta(from: before, to: agent.packages),
                agent: agent,
                clock: harness.clock
            )
            let open = try await client.execute(uri: "/api/v1/findings", method: .get, headers: harness.bearer(.viewer))
                .json(FindingPage.self)
            #expect(open.total == 0)
            let history = try await client.execute(
                uri: "/api/v1/findings?include_fixed=true",
                method: .get,
                headers: harness.bearer(.viewer)
            )
            .json(FindingPage.self)
            #expect(history.total == 2)
            #expect(history.findings.allSatisfy { $0.fixedAt == harness.clock.now() })
        }
        let summary = try await harness.storage.riskSummary()
        #expect(summary.advisories == 2)
        #expect(summary.knownExploited == 0)
    }
}
