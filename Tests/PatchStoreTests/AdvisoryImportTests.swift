import AgentProtocol
import FleetModel
import Foundation
import GRDB
import PatchStore
import SecurityAdvisories
import Testing

/// Store-level feed imports and findings history on a real SQLite file, with real feed data (the
/// Debian DSA list and CISA's KEV catalogue from SecurityAdvisoriesTests' fixtures).
@Suite struct AdvisoryImportTests {
    let fixture: StoreFixture
    var store: SQLStorage { fixture.store }

    init() async throws { fixture = try await StoreFixture.make() }

    static let feedFixtures = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // PatchStoreTests
        .deletingLastPathComponent()  // Tests
        .appendingPathComponent("SecurityAdvisoriesTests/Fixtures")

    static func dsaList() throws -> [Advisory] {
        let data = try Data(contentsOf: feedFixtures.appendingPathComponent("debian/DSA/list"))
        return try DebianAdvisoryListReader(kind: .dsa).read(data, source: "DSA/list").advisories
    }

    static func kevCatalog() throws -> [KnownExploitedVulnerability] {
        let data = try Data(contentsOf: feedFixtures.appendingPathComponent("kev/known_exploited_vulnerabilities.json"))
        return try KEVReader().read(data, source: "kev.json").entries
    }

    func importing(
        _ advisories: [Advisory],
        kev: [KnownExploitedVulnerability] = [],
        epss: [EPSSScore] = [],
        at: Date = T.at(0)
    ) async throws -> AdvisoryImportSummary {
        try await store.importAdvisories(
            advisories,
            knownExploited: kev,
            epss: epss,
            skipped: 0,
            source: "test",
            format: "debian-dsa-list",
            actor: "user:admin",
            now: at
        )
    }

    func count(_ table: String, where condition: String = "1 = 1") async throws -> Int {
        try await fixture.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table) WHERE \(condition)") ?? -1
        }
    }

    func storedDocuments() async throws -> [String] {
        try await fixture.read { db in
            try String.fetchAll(db, sql: "SELECT document FROM advisories ORDER BY id")
        }
    }

    // MARK: Advisories

    @Test func sameContentTwiceChangesNothingTheSecondTime() async throws {
        let advisories = try Self.dsaList()
        let ids = Set(advisories.map(\.id))
        let first = try await importing(advisories, at: T.at(0))
        #expect(first.added == ids.count)
        #expect(first.changed == 0 && first.unchanged == 0 && first.withdrawn == 0)
        let rows = try await count("advisories")
        #expect(rows == ids.count)
        let documentsBefore = try await storedDocuments()

        let second = try await importing(advisories, at: T.at(60))
        #expect(second == AdvisoryImportSummary(unchanged: ids.count))
        #expect(!second.changedAnything)
        #expect(try await count("advisories") == rows)
        let documentsAfter = try await storedDocuments()
        #expect(documentsAfter == documentsBefore)
        // Each import is recorded, with what it did.
        #expect(try await count("feed_imports") == 2)
        #expect(try await count("feed_imports", where: "added = 0 AND changed = 0 AND unchanged = \(ids.count)") == 1)
        // What is stored reads back as what was imported.
        let stored = try #require(try await store.advisory(id: "DSA-5330-1"))
        #expect(stored == advisories.first { $0.id == "DSA-5330-1" })
    }

    @Test func newerModifiedChangesOlderCopyDoesNot() async throws {
        let original = try #require(try Self.dsaList().first { $0.id == "DSA-5330-1" })
        _ = try await importing([original])

        var updated = original
        updated.modified = original.modified.addingTimeInterval(86400)
        updated.aliases.append("CVE-2099-0001")
        let changed = try await importing([updated], at: T.at(60))
        #expect(changed == AdvisoryImportSummary(changed: 1))
        #expect(try await store.advisory(id: original.id) == updated)

        // The original again: older than what is stored, so it must not roll the advisory back.
        let older = try await importing([original], at: T.at(120))
        #expect(older == AdvisoryImportSummary(unchanged: 1))
        #expect(try await store.advisory(id: original.id) == updated)
        #expect(try await count("advisories") == 1)

        // Within one import, the newest copy wins whatever the order.
        var newest = updated
        newest.modified = updated.modified.addingTimeInterval(86400)
        newest.summary = "curl - security update (revised)"
        let mixed = try await importing([newest, original, updated], at: T.at(180))
        #expect(mixed == AdvisoryImportSummary(changed: 1))
        #expect(try await store.advisory(id: original.id) == newest)
    }

    @Test func withdrawalIsCountedOnceAndLeavesTheRiskSummary() async throws {
        let advisories = try Array(Self.dsaList().prefix(20))
        _ = try await importing(advisories)
        #expect(try await store.riskSummary().advisories == 20)

        var withdrawn = advisories[3]
        withdrawn.modified = withdrawn.modified.addingTimeInterval(3600)
        withdrawn.withdrawn = withdrawn.modified
        let summary = try await importing(advisories.replacing(at: 3, with: withdrawn), at: T.at(60))
        #expect(summary == AdvisoryImportSummary(withdrawn: 1, unchanged: 19))
        #expect(try await count("advisories", where: "withdrawn IS NOT NULL") == 1)
        #expect(try await store.riskSummary().advisories == 19)
        #expect(try await store.advisory(id: withdrawn.id)?.withdrawn == withdrawn.withdrawn)

        let again = try await importing(advisories.replacing(at: 3, with: withdrawn), at: T.at(120))
        #expect(again == AdvisoryImportSummary(unchanged: 20))
    }

    // MARK: KEV and EPSS

    @Test func knownExploitedCountedOnlyWhenChanged() async throws {
        let catalog = try Self.kevCatalog()
        #expect(catalog.count > 900)
        let first = try await importing([], kev: catalog)
        #expect(first.knownExploited == Set(catalog.map(\.cveID)).count)
        #expect(try await count("known_exploited") == first.knownExploited)

        let second = try await importing([], kev: catalog, at: T.at(60))
        #expect(second.knownExploited == 0)
        #expect(!second.changedAnything)

        var edited = catalog
        edited[10].dueDate = edited[10].dueDate.addingTimeInterval(7 * 86400)
        edited[20].knownRansomwareCampaignUse = edited[20].knownRansomwareCampaignUse == "Known" ? "Unknown" : "Known"
        let third = try await importing([], kev: edited, at: T.at(120))
        #expect(third.knownExploited == 2)
        let stored = try await store.knownExploited()
        #expect(stored.first { $0.cveID == edited[10].cveID }?.dueDate == edited[10].dueDate)
        #expect(stored.count == first.knownExploited)
    }

    @Test func epssCountedOnlyWhenScoreOrPercentileChanged() async throws {
        let day1 = Date(timeIntervalSince1970: 1_685_923_200)
        let scores = (0..<50).map {
            EPSSScore(cveID: "CVE-2023-\(10000 + $0)", score: 0.001 * Double($0 + 1), percentile: 0.5, date: day1)
        }
        #expect(try await importing([], epss: scores).epssScores == 50)
        #expect(try await importing([], epss: scores, at: T.at(60)).epssScores == 0)

        // A new day with the same numbers is not a change; new numbers are.
        var nextDay = scores.map { score in
            var copy = score
            copy.date = day1.addingTimeInterval(86400)
            return copy
        }
        #expect(try await importing([], epss: nextDay, at: T.at(120)).epssScores == 0)
        nextDay[0].score = 0.9
        nextDay[1].percentile = 0.99
        #expect(try await importing([], epss: nextDay, at: T.at(180)).epssScores == 2)
        let stored = try await store.epssScores()
        #expect(stored.count == 50)
        #expect(stored.first { $0.cveID == nextDay[0].cveID }?.score == 0.9)
    }

    // MARK: Findings history

    /// curl on a Debian 11 host, upgraded in steps, judged against the real DSA list: the host's
    /// findings are the join of its packages with the catalog's results, and what the join cannot
    /// say (a finding that persisted across an upgrade, one that came back after a downgrade, the
    /// time one was fixed) is kept per host.
    @Test func inventoryChangesOpenAndCloseFindingsWithHistory() async throws {
        try await fixture.makeToken()
        let host = try await fixture.enrollHost(facts(hostname: "bullseye-01", os: ("debian", "11")))
        let builder = FindingBuilder(correlator: Correlator(index: AdvisoryIndex(advisories: try Self.dsaList())))
        let bullseye = EcosystemRelease(.debian, "11")
        #expect(CatalogRelease.of(facts(hostname: "x", os: ("debian", "11")).os) == "Debian:11")
        func packages(_ curl: String) -> [InstalledPackage] {
            [
                InstalledPackage(name: "curl", architecture: "amd64", version: curl, manager: .dpkg),
                InstalledPackage(
                    name: "libcurl4",
                    architecture: "amd64",
                    version: curl,
                    sourceName: "curl",
                    sourceVersion: curl,
                    manager: .dpkg
                ),
            ]
        }
        #expect(
            Set(builder.findings(packages: packages("7.74.0-1.3+deb11u3"), release: bullseye).map(\.advisory)) == [
                "DSA-5330-1", "DSA-5365-1",
            ]
        )
        #expect(
            Set(builder.findings(packages: packages("7.74.0-1.3+deb11u5"), release: bullseye).map(\.advisory)) == [
                "DSA-5365-1"
            ]
        )
        #expect(builder.findings(packages: packages("7.74.0-1.3+deb11u7"), release: bullseye).isEmpty)
        var fingerprint: String?
        func upload(_ list: [InstalledPackage], at: Date) async throws {
            let fresh = try await store.registerPackages(release: "Debian:11", packages: list)
            _ = try await store.recordCorrelation(
                fresh.map {
                    PackageCorrelation(
                        packageID: $0.id,
                        findings: builder.findings(packages: [$0.package], release: bullseye)
                    )
                },
                now: at
            )
            let next = InventoryFingerprint.of(list)
            _ = try await store.replaceInventory(
                hostID: host,
                expectedFingerprint: fingerprint,
                packages: list,
                fingerprint: next,
                now: at
            )
            fingerprint = next
        }
        var open = FindingQuery()
        open.hostID = host
        var all = open
        all.includeFixed = true

        try await upload(packages("7.74.0-1.3+deb11u3"), at: T.at(100))
        #expect(try await store.findings(open).total == 4)
        #expect(try await count("events", where: "action = 'findings.changed'") == 1)
        // The same inventory again: nothing opens or closes, no new event.
        try await upload(packages("7.74.0-1.3+deb11u3"), at: T.at(150))
        #expect(try await store.findings(open).total == 4)
        #expect(try await count("events", where: "action = 'findings.changed'") == 1)

        try await upload(packages("7.74.0-1.3+deb11u5"), at: T.at(200))
        #expect(try await store.findings(open).total == 2)
        var stored = try await store.findings(all).findings
        #expect(stored.count == 4)
        for finding in stored where finding.finding.advisory == "DSA-5330-1" {
            #expect(finding.firstSeen == T.at(100))
            #expect(finding.fixedAt == T.at(200))
            #expect(finding.finding.installedVersion == "7.74.0-1.3+deb11u3")
        }
        for finding in stored where finding.finding.advisory == "DSA-5365-1" {
            // Still affected after the upgrade: the finding keeps its start.
            #expect(finding.firstSeen == T.at(100))
            #expect(finding.lastSeen == T.at(200))
            #expect(finding.fixedAt == nil)
            #expect(finding.finding.installedVersion == "7.74.0-1.3+deb11u5")
        }

        // A downgrade brings DSA-5330-1 back as a new finding; the fixed ones keep their history.
        try await upload(packages("7.74.0-1.3+deb11u3"), at: T.at(300))
        stored = try await store.findings(all).findings
        #expect(stored.count == 6)
        let dsa5330 = stored.filter { $0.finding.advisory == "DSA-5330-1" }
        #expect(dsa5330.filter { $0.fixedAt == T.at(200) && $0.firstSeen == T.at(100) }.count == 2)
        #expect(dsa5330.filter { $0.fixedAt == nil && $0.firstSeen == T.at(300) }.count == 2)
        #expect(stored.filter { $0.finding.advisory == "DSA-5365-1" }.allSatisfy { $0.firstSeen == T.at(100) })

        try await upload([], at: T.at(400))
        #expect(try await store.findings(open).total == 0)
        stored = try await store.findings(all).findings
        #expect(stored.count == 6)
        #expect(stored.allSatisfy { $0.fixedAt != nil })
        #expect(
            stored.filter { $0.finding.advisory == "DSA-5365-1" }.allSatisfy {
                $0.firstSeen == T.at(100) && $0.fixedAt == T.at(400)
            }
        )
        // Nothing per host is left for the open set, and the catalog kept one row per version.
        #expect(try await count("finding_starts") == 0)
        #expect(try await count("host_packages") == 0)
        #expect(try await count("packages") == 4)
        #expect(try await count("package_findings") == 6)
    }

    /// A new advisory re-correlates only the catalog packages it names, and reaches every host
    /// running them without any upload; withdrawing it stores the findings as fixed.
    @Test func correlationResultsReachEveryHostOfThePackage() async throws {
        try await fixture.makeToken(uses: 10)
        var hosts: [String] = []
        for index in 0..<3 {
            hosts.append(try await fixture.enrollHost(facts(hostname: "web-\(index)", os: ("debian", "12"))))
        }
        let openssl = InstalledPackage(
            name: "openssl",
            architecture: "amd64",
            version: "3.0.11-1~deb12u2",
            manager: .dpkg
        )
        let bash = InstalledPackage(name: "bash", architecture: "amd64", version: "5.2.15-2+b2", manager: .dpkg)
        for (index, host) in hosts.enumerated() {
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
        #expect(try await count("packages") == 2)
        #expect(try await count("host_packages") == 5)
        let named = try await store.catalogPackages(named: ["openssl"])
        #expect(named.map(\.package.name) == ["openssl"])
        #expect(named.first?.hostCount == 2)
        let finding = Finding(
            package: "openssl",
            architecture: "amd64",
            installedVersion: openssl.version,
            sourcePackage: "openssl",
            sourceVersion: openssl.version,
            advisory: "DSA-9999-1",
            aliases: ["CVE-2099-0001"],
            fixedVersion: "3.0.11-1~deb12u3",
            status: .fixed,
            severity: .high,
            cvssScore: 7.5,
            cvssVector: nil,
            epssScore: nil,
            epssPercentile: nil,
            knownExploited: true,
            kevDueDate: nil
        )
        let opened = try await store.recordCorrelation(
            [PackageCorrelation(packageID: named[0].id, findings: [finding, finding])],
            now: T.at(20)
        )
        #expect(opened == CorrelationOutcome(packages: 1, added: 1, opened: 2))
        var query = FindingQuery()
        query.advisory = "CVE-2099-0001"
        let page = try await store.findings(query)
        #expect(page.total == 2)
        #expect(Set(page.findings.map(\.hostID)) == Set(hosts.prefix(2)))
        #expect(page.findings.allSatisfy { $0.firstSeen == T.at(20) && $0.finding.knownExploited })
        let risk = try await store.riskSummary()
        #expect(risk.bySeverity == ["high": 2])
        #expect(risk.knownExploited == 2 && risk.fixable == 2 && risk.hostsWithKnownExploited == 2)
        #expect(try await store.hostIDsWithOpenFindings() == hosts.prefix(2).sorted())

        // The same result again changes nothing; a withdrawal closes it on both hosts.
        #expect(
            try await store.recordCorrelation(
                [PackageCorrelation(packageID: named[0].id, findings: [finding])],
                now: T.at(30)
            )
                == CorrelationOutcome(packages: 1)
        )
        let closed = try await store.recordCorrelation(
            [PackageCorrelation(packageID: named[0].id, findings: [])],
            now: T.at(40)
        )
        #expect(closed == CorrelationOutcome(packages: 1, removed: 1, closed: 2))
        #expect(try await store.findings(query).total == 0)
        query.includeFixed = true
        let fixed = try await store.findings(query).findings
        #expect(fixed.count == 2)
        #expect(fixed.allSatisfy { $0.firstSeen == T.at(20) && $0.fixedAt == T.at(40) })
        #expect(try await count("events", where: "action = 'findings.correlated'") == 2)

        // Fleet-wide reports fold the findings in one read: the two fixed ones count from their
        // fixed time on, open ones always.
        let folded = try await store.reduceFindings(into: [String](), fixedSince: T.at(40)) { list, finding in
            list.append("\(finding.hostID) \(finding.finding.advisory) \(finding.fixedAt == nil ? "open" : "fixed")")
        }
        #expect(folded.sorted() == hosts.prefix(2).map { "\($0) DSA-9999-1 fixed" }.sorted())
        #expect(try await store.reduceFindings(into: 0, fixedSince: T.at(41)) { count, _ in count += 1 } == 0)
        let installed = try await store.installedPackageNames(["openssl", "bash", "zsh"])
        #expect(installed[hosts[0]] == ["openssl", "bash"])
        #expect(installed[hosts[2]] == ["bash"])
        #expect(try await store.installedPackageNames([]).isEmpty)
    }
}

extension Array {
    fileprivate func replacing(at index: Int, with element: Element) -> [Element] {
        var copy = self
        copy[index] = element
        return copy
    }
}
