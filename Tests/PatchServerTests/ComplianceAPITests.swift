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

@Suite struct ComplianceAPITests {
    @Test func findingsGetDueDatesAndStatesPerFramework() async throws {
        let harness = try await Harness.make()
        let published = harness.clock.now().addingTimeInterval(-40 * 86400)
        let advisory = Advisory(
            id: "DSA-9000-1",
            aliases: ["CVE-2026-0001"],
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

            let pci = try await client.execute(
                uri: "/api/v1/compliance?framework=pci-dss-4.0",
                method: .get,
                headers: harness.bearer(.viewer)
            )
            .json(ComplianceReport.self)
            #expect(pci.totals["overdue"] == 1)
            #expect(pci.rows.first?.package == "libssl3")
            #expect(pci.rows.first?.dueDate == published.addingTimeInterval(30 * 86400))

            let bod = try await client.execute(
                uri: "/api/v1/compliance?framework=cisa-bod-22-01",
                method: .get,
                headers: harness.bearer(.viewer)
            )
            .json(ComplianceReport.self)
            #expect(bod.totals["notCovered"] == 1, "BOD 22-01 covers KEV entries only")

            let bad = try await client.execute(
                uri: "/api/v1/compliance?framework=iso-27001",
                method: .get,
                headers: harness.bearer(.viewer)
            )
            #expect(bad.status == .badRequest)

            let page = try await client.execute(
                uri: "/compliance?framework=pci-dss-4.0",
                method: .get,
                headers: harness.bearer(.viewer)
            )
            #expect(page.status == .ok)
            #expect(page.text.contains("overdue"))
            #expect(page.text.contains("libssl3"))
            #expect(page.text.contains("<span>1–1 of 1</span>"), "rows are paged with their total")
            let beyond = try await client.execute(
                uri: "/compliance?framework=pci-dss-4.0&offset=300",
                method: .get,
                headers: harness.bearer(.viewer)
            )
            #expect(beyond.text.contains("<span>0–0 of 1</span>") && beyond.text.contains("offset=0"))
            let negative = try await client.execute(
                uri: "/compliance?offset=-1",
                method: .get,
                headers: harness.bearer(.viewer)
            )
            #expect(negative.status == .badRequest)

            // Fixed ten days after its deadline: no longer overdue (only open findings are), but
            // counted as fixed late.
            harness.clock.advance(3600)
            let fixed = [
                InstalledPackage(
                    name: "libssl3",
                    architecture: "amd64",
                    version: "3.0.15-1~deb12u1",
                    sourceName: "openssl",
                    manager: .dpkg
                )
            ]
            agent.packages = fixed
            _ = try await client.signedPost(
                "/api/v1/agent/inventory",
                InventoryUpload.full(fixed),
                agent: agent,
                clock: harness.clock
            )
            let after = try await client.execute(
                uri: "/api/v1/compliance?framework=pci-dss-4.0",
                method: .get,
                headers: harness.bearer(.viewer)
            )
            .json(ComplianceReport.self)
            #expect((after.totals["overdue"] ?? 0) == 0)
            #expect(after.totals["fixedLate"] == 1)
            #expect(after.rows.first?.fixedAt != nil)
        }
    }
}
