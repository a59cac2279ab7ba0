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

@Suite struct UpdatesAPITests {
    static let policy = """
        groups:
          - name: pci-databases
            labels: {role: db}
            tier: production-databases
        baselines:
          - name: debian-prod
            os: debian
            tiers: [production-databases]
            rules:
              - name: critical-fast
                classification: security
                severity: [critical]
                approveAfterDays: 3
              - name: others
                classification: [security]
                approveAfterDays: 14

        """

    @Test func labelsPlaceHostsInGroupsAndBaselinesDecideTheirUpdates() async throws {
        let harness = try await Harness.make()
        let published = harness.clock.now().addingTimeInterval(-5 * 86400)
        let advisory = Advisory(
            id: "DSA-9100-1",
            aliases: ["CVE-2026-0100"],
            source: .dsa,
            published: published,
            modified: published,
            severity: .critical,
            affected: [
                AffectedPackage(
                    release: EcosystemRelease(.debian, "12"),
                    name: "openssl",
                    nameKind: .source,
                    status: .fixed,
                    fixedVersion: "3.0.15-1~deb12u1"
                )
            ]
        )
        try await harness.importAdvisories([advisory])
        _ = try await harness.storage.applyPolicy(
            files: [PolicyFile(name: "policy.yaml", text: Self.policy)],
            actor: "test",
            reason: "test",
            changes: [],
            now: harness.clock.now()
        )
        let built = try await harness.routerWithFindings()
        let token = try await harness.enrollmentToken()
        try await Application(router: built.router).test(.router) { client in
            var agent = TestAgent()
            agent.packages = [
                InstalledPackage(
                    name: "libssl3",
                    architecture: "amd64",
                    version: "3.0.11-1~deb12u2",
                    sourceName: "openssl",
                    manager: .dpkg
                )
            ]
            try await client.enroll(&agent, token: token)
            _ = try await client.signedPost(
                "/api/v1/agent/inventory",
                InventoryUpload.full(agent.packages),
                agent: agent,
                clock: harness.clock
            )

            let unplaced = try await client.execute(
                uri: "/api/v1/hosts/\(agent.hostID)/updates",
                method: .get,
                headers: harness.bearer(.viewer)
            )
            .json(HostUpdates.self)
            #expect(unplaced.baseline == nil)
            #expect(unplaced.updates.map(\.decision) == ["pending"])

            let viewerCannot = try await client.execute(
                uri: "/api/v1/hosts/\(agent.hostID)/labels",
                method: .put,
                headers: harness.bearer(.viewer),
                body: ByteBuffer(string: #"{"labels":{"role":"db"},"tags":["pci"]}"#)
            )
            #expect(viewerCannot.status == .forbidden)
            let labelled = try await client.execute(
                uri: "/api/v1/hosts/\(agent.hostID)/labels",
                method: .put,
                headers: harness.bearer(.operator),
                body: ByteBuffer(string: #"{"labels":{"role":"db"},"tags":["pci"]}"#)
            )
            #expect(labelled.status == .ok)

            let placed = try await client.execute(
                uri: "/api/v1/hosts/\(agent.hostID)/updates",
                method: .get,
                headers: harness.bearer(.viewer)
            )
            .json(HostUpdates.self)
            #expect(placed.baseline == "debian-prod")
            #expect(placed.tier == "production-databases")
            #expect(placed.updates.first?.package == "libssl3")
            #expect(placed.updates.first?.fixedVersion == "3.0.15-1~deb12u1")
            #expect(placed.updates.first?.decision == "approved", "critical, published 5 days ago, approved after 3")
            #expect(placed.updates.first?.rule.contains("critical-fast") == true)
        }
        #expect(try await harness.storage.events(limit: 50).contains { $0.action == "host.labels.changed" })
    }
}
