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

/// The analyst's pages: advisories with search and source links, the audit log with filters and
/// chain verification, and CSV exports of every list — over a real enrolled agent's findings.
@Suite struct AnalystPagesTests {
    /// One host (named like a spreadsheet formula) with bsdutils hit by DSA-5650-1 (KEV, EPSS 0.42).
    func withFleet(
        _ body: @Sendable (Harness, any TestClientProtocol, TestAgent) async throws -> Void
    ) async throws {
        let harness = try await Harness.make()
        try await harness.importAdvisories(
            [FindingsAPITests.advisory("DSA-5650-1", source: "util-linux", fixed: "2.38.1-5+deb12u1")],
            knownExploited: [FindingsAPITests.kev],
            epss: [EPSSScore(cveID: FindingsAPITests.cve, score: 0.42, percentile: 0.97)]
        )
        let built = try await harness.routerWithFindings()
        let token = try await harness.enrollmentToken()
        try await Application(router: built.router).test(.router) { client in
            var agent = TestAgent(hostname: "=HYPERLINK(\"http://x\",\"y\")")
            agent.packages = [
                InstalledPackage(
                    name: "bsdutils",
                    architecture: "amd64",
                    version: "1:2.38.1-5+deb12u0",
                    sourceName: "util-linux",
                    sourceVersion: "2.38.1-5+deb12u0",
                    manager: .dpkg
                )
            ]
            try await client.enroll(&agent, token: token)
            let upload = try await client.signedPost(
                "/api/v1/agent/inventory",
                InventoryUpload.full(agent.packages),
                agent: agent,
                clock: harness.clock
            )
            #expect(upload.status == .ok)
            try await body(harness, client, agent)
        }
    }

    static func csvLines(_ response: TestResponse) -> [String] {
        response.text.components(separatedBy: "\r\n").filter { !$0.isEmpty }
    }

    @Test func advisoriesAreListedSearchedLinkedAndExported() async throws {
        try await withFleet { harness, client, agent in
            let viewer = harness.bearer(.viewer)
            let page = try await client.execute(uri: "/advisories", method: .get, headers: viewer)
            #expect(page.status == .ok)
            #expect(page.text.contains("(1 affecting the fleet)"))
            #expect(page.text.contains(#"<a href="/advisories/DSA-5650-1">DSA-5650-1</a>"#))
            #expect(page.text.contains("https://security-tracker.debian.org/tracker/DSA-5650-1"))
            #expect(page.text.contains("https://nvd.nist.gov/vuln/detail/CVE-2024-28085"))
            #expect(page.text.contains(">KEV</span>"))
            #expect(page.text.contains("<td>0.420</td>"), "EPSS")
            #expect(page.text.contains("<label>Search <input name=\"q\""), "filters are labelled")

            let one = try await client.execute(uri: "/advisories/DSA-5650-1", method: .get, headers: viewer)
            #expect(one.text.contains("https://security-tracker.debian.org/tracker/DSA-5650-1"), "links on the page")
            #expect(one.text.contains("(1 hosts, 1 findings)"))
            #expect(!one.text.contains("Fix these"), "a viewer cannot request changes")

            // "Fix these": the new-change form, filled in with the affected packages and hosts.
            let operatorHeaders = harness.bearer(.operator)
            let asOperator = try await client.execute(
                uri: "/advisories/DSA-5650-1",
                method: .get,
                headers: operatorHeaders
            )
            let fixLink = try #require(
                asOperator.text.range(of: "href=\"/changes?fix.").map {
                    String(asOperator.text[asOperator.text.index($0.lowerBound, offsetBy: 6)...].prefix { $0 != "\"" })
                }
            )
            let form = try await client.execute(
                uri: fixLink.replacingOccurrences(of: "&amp;", with: "&").replacingOccurrences(
                    of: "#new-change",
                    with: ""
                ),
                method: .get,
                headers: operatorHeaders
            )
            #expect(form.text.contains(#"<details class="panel" id="new-change" open>"#))
            #expect(form.text.contains(#"value="Fix DSA-5650-1""#))
            #expect(form.text.contains(">bsdutils</textarea>"))
            #expect(form.text.contains(#"name="content.addresses:list" value="DSA-5650-1""#))
            #expect(form.text.contains(agent.hostID))

            let byCVE = try await client.execute(uri: "/advisories?q=cve-2024-28085", method: .get, headers: viewer)
            #expect(byCVE.text.contains("DSA-5650-1"))
            let byPackage = try await client.execute(uri: "/advisories?q=util-linux", method: .get, headers: viewer)
            #expect(byPackage.text.contains("DSA-5650-1"))
            let none = try await client.execute(uri: "/advisories?q=nothing-like-it", method: .get, headers: viewer)
            #expect(none.text.contains("No advisory matches."))
            let bad = try await client.execute(uri: "/advisories?severity=bogus", method: .get, headers: viewer)
            #expect(bad.status == .badRequest)
            #expect(bad.text.contains("severity"))

            let csv = try await client.execute(uri: "/advisories?format=csv", method: .get, headers: viewer)
            #expect(csv.status == .ok)
            #expect(csv.headers[.contentType] == "text/csv; charset=utf-8")
            #expect(csv.headers[.contentDisposition] == "attachment; filename=\"advisories.csv\"")
            let lines = Self.csvLines(csv)
            #expect(lines.first == "advisory,aliases,severity,cvss,epss,kev,kev_due,fixable,hosts,findings,packages")
            #expect(lines.count == 2)
            #expect(lines.last?.hasPrefix("DSA-5650-1,CVE-2024-28085,") == true)
            #expect(lines.last?.contains(",0.42,true,2024-04-13,true,1,1,bsdutils (amd64)") == true)
        }
    }

    @Test func everyListExportsCSVWithFormulasDefused() async throws {
        try await withFleet { harness, client, agent in
            let viewer = harness.bearer(.viewer)
            let hosts = Self.csvLines(try await client.execute(uri: "/hosts?format=csv", method: .get, headers: viewer))
            #expect(hosts.first?.hasPrefix("id,hostname,os,os_version,kernel,packages,last_seen,state") == true)
            #expect(hosts.count == 2)
            // The host name starts with "=": prefixed with ' and quoted (it has quotes and a comma).
            #expect(
                hosts.last == "\(agent.hostID),\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",debian,12,"
                    + "6.1.0-18-amd64,1,\(ISO8601DateFormatter().string(from: harness.clock.now())),online,false"
            )

            let findings = Self.csvLines(
                try await client.execute(uri: "/findings?format=csv&kev=true", method: .get, headers: viewer)
            )
            #expect(findings.count == 2)
            #expect(findings.last?.contains(",bsdutils,amd64,1:2.38.1-5+deb12u0,util-linux,DSA-5650-1,") == true)

            let compliance = try await client.execute(uri: "/compliance?format=csv", method: .get, headers: viewer)
            #expect(compliance.status == .ok)
            #expect(
                Self.csvLines(compliance).first == "due,state,host_id,hostname,tier,package,advisory,severity,fixed"
            )
            #expect(Self.csvLines(compliance).contains { $0.contains(",bsdutils,DSA-5650-1,") })

            let page = try await client.execute(uri: "/findings", method: .get, headers: viewer)
            #expect(page.text.contains(#"href="/findings?format=csv""#))
            #expect(page.text.contains(#"<a href="/findings?sort=package">Package</a>"#), "columns sort")
            #expect(page.text.contains("Severity ▼"), "the default order is marked")
            let sorted = try await client.execute(uri: "/findings?sort=epss", method: .get, headers: viewer)
            #expect(sorted.status == .ok && sorted.text.contains("EPSS ▼"))
            let bad = try await client.execute(uri: "/api/v1/findings?sort=hostname", method: .get, headers: viewer)
            #expect(bad.status == .badRequest)
        }
    }

    @Test func theAuditLogFiltersVerifiesExportsAndNeedsAuditRead() async throws {
        try await withFleet { harness, client, agent in
            let denied = try await client.execute(uri: "/audit", method: .get, headers: harness.bearer(.viewer))
            #expect(denied.status == .forbidden)

            let auditor = harness.bearer(.auditor)
            let page = try await client.execute(uri: "/audit", method: .get, headers: auditor)
            #expect(page.status == .ok)
            #expect(page.text.contains("host:\(agent.hostID)"), "the enrollment is logged")
            #expect(!page.text.contains("Chain intact"), "verification runs on request only")

            let verified = try await client.execute(uri: "/audit?verify=true", method: .get, headers: auditor)
            #expect(verified.text.contains("Chain intact"))

            let none = try await client.execute(uri: "/audit?actor=user:nobody", method: .get, headers: auditor)
            #expect(none.text.contains("No event matches."))
            #expect(none.text.contains("(0 events)"))
            let future = try await client.execute(uri: "/audit?from=2999-01-01", method: .get, headers: auditor)
            #expect(future.text.contains("(0 events)"))
            let bad = try await client.execute(uri: "/audit?from=yesterday", method: .get, headers: auditor)
            #expect(bad.status == .badRequest)

            let csv = try await client.execute(uri: "/audit?format=csv", method: .get, headers: auditor)
            let lines = Self.csvLines(csv)
            #expect(lines.first == "id,at,actor,action,target,details,request_id,elevation_id,hash")
            #expect(lines.count > 1)
        }
    }
}

/// A host's packages come a hundred at a time, with the total and a way on.
@Suite struct HostPagePagingTests {
    @Test func packagesArePagedWithTheirTotal() async throws {
        let harness = try await Harness.make()
        let token = try await harness.enrollmentToken()
        try await harness.application().test(.router) { client in
            var agent = TestAgent()
            agent.packages = (0..<150).map {
                InstalledPackage(
                    name: String(format: "pkg%03d", $0),
                    architecture: "amd64",
                    version: "1.0",
                    manager: .dpkg
                )
            }
            try await client.enroll(&agent, token: token)
            let upload = try await client.signedPost(
                "/api/v1/agent/inventory",
                InventoryUpload.full(agent.packages),
                agent: agent,
                clock: harness.clock
            )
            #expect(upload.status == .ok)
            let viewer = harness.bearer(.viewer)
            let first = try await client.execute(uri: "/hosts/\(agent.hostID)", method: .get, headers: viewer)
            #expect(first.text.contains("<span>1–100 of 150</span>"))
            #expect(first.text.contains("<td>pkg099</td>") && !first.text.contains("<td>pkg100</td>"))
            #expect(first.text.contains("poffset=100"))
            let second = try await client.execute(
                uri: "/hosts/\(agent.hostID)?poffset=100",
                method: .get,
                headers: viewer
            )
            #expect(second.text.contains("<span>101–150 of 150</span>"))
            #expect(second.text.contains("<td>pkg149</td>") && !second.text.contains("<td>pkg000</td>"))
            let filtered = try await client.execute(
                uri: "/hosts/\(agent.hostID)?package=pkg14",
                method: .get,
                headers: viewer
            )
            #expect(filtered.text.contains("<span>1–10 of 10</span>"))
            let bad = try await client.execute(uri: "/hosts/\(agent.hostID)?poffset=-1", method: .get, headers: viewer)
            #expect(bad.status == .badRequest)
        }
    }
}
