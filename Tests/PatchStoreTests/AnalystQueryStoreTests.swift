import AgentProtocol
import ChangeControl
import FleetModel
import Foundation
import PatchStore
import SecurityAdvisories
import Testing

/// The analyst's lists as the store answers them, on both engines: advisories affecting the fleet
/// (worst rating, findings, distinct hosts; searched by id, alias or package; filtered, ordered,
/// paged) and the audit log (filters with exact values or prefixes, a time range, newest first).
@Suite struct AnalystQueryStoreTests {
    let fixture: StoreFixture
    var store: SQLStorage { fixture.store }

    init() async throws { fixture = try await StoreFixture.make() }

    func finding(
        _ package: InstalledPackage,
        _ advisory: String,
        aliases: [String],
        severity: Severity,
        cvss: Double?,
        epss: Double?,
        kev: Bool,
        fixed: String?
    ) -> Finding {
        Finding(
            package: package.name,
            architecture: package.architecture,
            installedVersion: package.version,
            sourcePackage: package.name,
            sourceVersion: package.version,
            advisory: advisory,
            aliases: aliases,
            fixedVersion: fixed,
            status: fixed == nil ? .affected : .fixed,
            severity: severity,
            cvssScore: cvss,
            cvssVector: nil,
            epssScore: epss,
            epssPercentile: nil,
            knownExploited: kev,
            kevDueDate: nil
        )
    }

    /// Three hosts: bash on all, openssl on two. DSA-9001-1 hits both packages (high, KEV, fixed);
    /// USN-7001-1 hits bash only (medium, EPSS 0.9, no fix).
    func seeded() async throws {
        try await fixture.makeToken(uses: 10)
        let openssl = InstalledPackage(name: "openssl", architecture: "amd64", version: "3.0.11-1", manager: .dpkg)
        let bash = InstalledPackage(name: "bash", architecture: "amd64", version: "5.2.15-2", manager: .dpkg)
        for index in 0..<3 {
            let host = try await fixture.enrollHost(facts(hostname: "web-\(index)", os: ("debian", "12")))
            let list = index == 2 ? [bash] : [bash, openssl]
            _ = try await store.registerPackages(release: "Debian:12", packages: list)
            _ = try await store.replaceInventory(
                hostID: host,
                expectedFingerprint: nil,
                packages: list,
                fingerprint: InventoryFingerprint.of(list),
                now: T.at(10)
            )
        }
        let ids = Dictionary(
            uniqueKeysWithValues: try await store.catalogPackages(named: ["openssl", "bash"]).map {
                ($0.package.name, $0.id)
            }
        )
        let dsa = ["DSA-9001-1", "CVE-2099-0001", "CVE-2099-0002"]
        _ = try await store.recordCorrelation(
            [
                PackageCorrelation(
                    packageID: try #require(ids["openssl"]),
                    findings: [
                        finding(
                            openssl,
                            dsa[0],
                            aliases: Array(dsa.dropFirst()),
                            severity: .high,
                            cvss: 7.5,
                            epss: 0.2,
                            kev: true,
                            fixed: "3.0.11-2"
                        )
                    ]
                ),
                PackageCorrelation(
                    packageID: try #require(ids["bash"]),
                    findings: [
                        finding(
                            bash,
                            dsa[0],
                            aliases: Array(dsa.dropFirst()),
                            severity: .medium,
                            cvss: 5.0,
                            epss: nil,
                            kev: false,
                            fixed: nil
                        ),
                        finding(
                            bash,
                            "USN-7001-1",
                            aliases: ["CVE-2099-0100"],
                            severity: .medium,
                            cvss: nil,
                            epss: 0.9,
                            kev: false,
                            fixed: nil
                        ),
                    ]
                ),
            ],
            now: T.at(20)
        )
    }

    func list(_ configure: (inout AdvisorySummaryQuery) -> Void = { _ in }) async throws -> ([String], Int) {
        var query = AdvisorySummaryQuery()
        configure(&query)
        let (advisories, total) = try await store.advisorySummaries(query)
        return (advisories.map(\.id), total)
    }

    @Test func advisoriesAreSummedOverTheirPackagesAndHosts() async throws {
        try await seeded()
        let (advisories, total) = try await store.advisorySummaries(AdvisorySummaryQuery())
        #expect(total == 2)
        #expect(advisories.map(\.id) == ["DSA-9001-1", "USN-7001-1"], "known exploited first")
        let dsa = try #require(advisories.first)
        #expect(dsa.severity == .high, "the worst rating over its packages")
        #expect(dsa.cvss == 7.5)
        #expect(dsa.knownExploited && dsa.fixable)
        #expect(dsa.findings == 5, "openssl on two hosts, bash on three")
        #expect(dsa.hosts == 3)
        #expect(dsa.packages == ["bash (amd64)", "openssl (amd64)"])
        #expect(dsa.aliases == ["CVE-2099-0001", "CVE-2099-0002"])
        let usn = try #require(advisories.last)
        #expect(usn.severity == .medium && !usn.knownExploited && !usn.fixable)
        #expect(usn.epss == 0.9 && usn.cvss == nil)
        #expect(usn.findings == 3 && usn.hosts == 3)
    }

    @Test func searchFiltersOrderAndPaging() async throws {
        try await seeded()
        #expect(try await list { $0.search = "cve-2099-0002" } == (["DSA-9001-1"], 1), "an alias, any case")
        #expect(try await list { $0.search = "usn-7001" } == (["USN-7001-1"], 1), "part of the id")
        #expect(try await list { $0.search = "bash" } == (["DSA-9001-1", "USN-7001-1"], 2), "a package")
        let byPackage = try await store.advisorySummaries(
            {
                var query = AdvisorySummaryQuery()
                query.search = "openssl"
                return query
            }()
        )
        #expect(byPackage.advisories.map(\.findings) == [5], "a match on one package still counts all of them")
        #expect(try await list { $0.search = "%" } == ([], 0), "LIKE wildcards are literal")
        #expect(try await list { $0.search = "_" } == ([], 0))
        #expect(try await list { $0.minimumSeverity = .high } == (["DSA-9001-1"], 1))
        #expect(try await list { $0.knownExploited = false } == (["USN-7001-1"], 1))
        #expect(try await list { $0.minimumEPSS = 0.5 } == (["USN-7001-1"], 1))
        #expect(try await list { $0.order = .epss } == (["USN-7001-1", "DSA-9001-1"], 2))
        #expect(try await list { $0.order = .findings } == (["DSA-9001-1", "USN-7001-1"], 2))
        #expect(try await list { $0.order = .id } == (["DSA-9001-1", "USN-7001-1"], 2))
        #expect(
            try await list {
                $0.limit = 1
                $0.offset = 1
            } == (["USN-7001-1"], 2)
        )
    }

    @Test func findingsComeInTheOrderAskedFor() async throws {
        try await seeded()
        func order(_ order: FindingOrder, hostFilter: Bool = false) async throws -> [String] {
            var query = FindingQuery()
            query.order = order
            if hostFilter { query.osID = "debian" }  // the joined path, not the grouped one
            return try await store.findings(query).findings.map { "\($0.finding.package) \($0.finding.advisory)" }
        }
        for hostFilter in [false, true] {
            let risk = try await order(.risk, hostFilter: hostFilter)
            #expect(risk.first == "openssl DSA-9001-1", "known exploited first")
            let byPackage = try await order(.package, hostFilter: hostFilter)
            #expect(
                byPackage.prefix(6).allSatisfy { $0.hasPrefix("bash") } && byPackage.last?.hasPrefix("openssl") == true
            )
            let byAdvisory = try await order(.advisory, hostFilter: hostFilter)
            #expect(
                byAdvisory.first?.hasSuffix("DSA-9001-1") == true && byAdvisory.last?.hasSuffix("USN-7001-1") == true
            )
            let byEPSS = try await order(.epss, hostFilter: hostFilter)
            #expect(byEPSS.first == "bash USN-7001-1", "EPSS 0.9 first")
            let byCVSS = try await order(.cvss, hostFilter: hostFilter)
            #expect(byCVSS.first == "openssl DSA-9001-1", "CVSS 7.5 first")
            #expect(Set(risk) == Set(byPackage) && risk.count == 8)
        }
    }

    @Test func auditEventsFilterByExactValuesPrefixesAndTime() async throws {
        let rows: [(String, String, String)] = [
            ("user:ann", "change.created", "change:CHG-1"), ("user:bob", "change.approved", "change:CHG-1"),
            ("user:ann", "rollout.started", "rollout:R-1"), ("agent:h1", "plan.reported", "host:h1"),
            ("user:annabel", "change.created", "change:CHG-2"),
        ]
        for (index, (actor, action, target)) in rows.enumerated() {
            try await store.appendEvent(
                EventRecord(at: T.at(Double(index) * 100), actor: actor, action: action, target: target, details: "{}")
            )
        }
        func ids(_ configure: (inout AuditEventQuery) -> Void) async throws -> ([String], Int) {
            var query = AuditEventQuery()
            configure(&query)
            let (events, total) = try await store.auditEvents(query)
            return (events.map { "\($0.actor) \($0.action)" }, total)
        }
        let all = try await ids { _ in }
        #expect(all.1 >= 5)
        #expect(all.0.first == "user:annabel change.created", "newest first")
        #expect(try await ids { $0.actor = "user:ann" }.0 == ["user:ann rollout.started", "user:ann change.created"])
        #expect(try await ids { $0.actor = "user:ann*" }.1 == 3, "a prefix")
        #expect(try await ids { $0.action = "change.*" }.1 == 3)
        #expect(try await ids { $0.action = "CHANGE.*" }.1 == 0, "exact case")
        #expect(try await ids { $0.action = "change.%" }.1 == 0, "no LIKE wildcards")
        #expect(try await ids { $0.target = "change:CHG-1" }.1 == 2)
        #expect(
            try await ids {
                $0.actor = "user:*"
                $0.from = T.at(100)
                $0.to = T.at(400)
            } == (["user:ann rollout.started", "user:bob change.approved"], 2),
            "a half-open time range"
        )
        #expect(
            try await ids {
                $0.action = "change.*"
                $0.limit = 1
                $0.offset = 1
            } == (["user:bob change.approved"], 3)
        )
    }
}
