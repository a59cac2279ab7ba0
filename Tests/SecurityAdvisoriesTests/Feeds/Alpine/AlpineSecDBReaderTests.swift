import Foundation
import Testing

@testable import SecurityAdvisories

@Suite struct AlpineSecDBReaderTests {
    static func read(_ path: String, policy: InvalidRecordPolicy = .fail) throws -> FeedReadResult {
        try AlpineSecDBReader(policy: policy).read(yaml: FeedReaderFixtures.data("alpine-secdb/" + path), source: path)
    }

    @Test func v310MainCounts() throws {
        let result = try Self.read("v3.10/main.yaml")
        #expect(result.skipped.isEmpty)
        // 166 packages, 460 fixed-version keys, 1182 entries (1331 ids) per SOURCES.md → 1111 distinct
        // first ids, 1159 (id, package) pairs.
        #expect(result.advisories.count == 1111)
        #expect(result.advisories.reduce(0) { $0 + $1.affected.count } == 1159)
        #expect(Set(result.advisories.flatMap { $0.affected.map(\.name) }).count == 166)
        #expect(result.advisories.allSatisfy { $0.source == .alpine && $0.affected.allSatisfy(\.status.isFixable) })
        let entry = try #require(result.advisories.first { $0.id == "CVE-2019-10206" }?.affected.first)
        #expect(entry.release == EcosystemRelease(.alpine, "v3.10"))
        #expect(entry.name == "ansible" && entry.nameKind == .source)
        #expect(entry.fixedVersion == "2.8.4-r0" && entry.status == .fixed)
    }

    @Test(arguments: [
        ("v3.10/community.yaml", 692, 712, 73), ("v3.11/main.yaml", 1124, 1180, 175),
        ("v3.11/community.yaml", 829, 886, 85),
    ])
    func otherFilesCounts(path: String, advisories: Int, entries: Int, packages: Int) throws {
        let result = try Self.read(path)
        #expect(result.advisories.count == advisories)
        #expect(result.advisories.reduce(0) { $0 + $1.affected.count } == entries)
        #expect(Set(result.advisories.flatMap { $0.affected.map(\.name) }).count == packages)
    }

    @Test func multiIDEntriesCommentsAndTypos() throws {
        let main = try Self.read("v3.10/main.yaml")
        let xen = try #require(main.advisories.first { $0.id == "CVE-2018-3639" })
        #expect(xen.aliases == ["XSA-263"])
        #expect(xen.affected.map(\.name) == ["xen"])
        #expect(main.advisories.contains { $0.id == "CVE-2018-14468" })  // "CVE-2018-14468 (FrameRelay)"
        #expect(!main.advisories.contains { $0.id.hasPrefix("(") })
        let community = try Self.read("v3.10/community.yaml")
        #expect(community.advisories.contains { $0.id == "CVE-2019-2426" })  // written CVE_2019-2426
    }

    @Test func inheritedKeysKeepTheHighestFix() throws {
        let main = try Self.read("v3.10/main.yaml")
        let busybox = try #require(main.advisories.first { $0.id == "CVE-2019-5747" }?.affected.first)
        #expect(busybox.fixedVersion == "1.30.1-r2")
    }

    @Test func jsonAndYAMLReadAlike() throws {
        let yaml = try Self.read("v3.10/main.yaml")
        let json = try AlpineSecDBReader().read(
            json: FeedReaderFixtures.data("alpine-secdb/v3.10-main.json"),
            source: "v3.10-main.json"
        )
        let byID = Dictionary(uniqueKeysWithValues: yaml.advisories.map { ($0.id, $0) })
        #expect(json.advisories.count == yaml.advisories.count)
        for advisory in json.advisories {
            let other = try #require(byID[advisory.id])
            #expect(Set(advisory.affected) == Set(other.affected))
            #expect(Set(advisory.aliases) == Set(other.aliases))
        }
    }

    @Test func combiningReleasesMergesByID() throws {
        let combined = AlpineSecDBReader.combining([try Self.read("v3.10/main.yaml"), try Self.read("v3.11/main.yaml")])
        let advisory = try #require(combined.advisories.first { $0.id == "CVE-2019-10206" })
        #expect(Set(advisory.affected.map(\.release.version)) == ["v3.10", "v3.11"])
        #expect(Set(combined.advisories.map(\.id)).count == combined.advisories.count)
    }

    static let brokenJSON = """
        {"distroversion": "v3.19", "reponame": "main", "packages": [
          {"pkg": {"name": "openssl", "secfixes": {"3.1.4-r1": ["CVE-2023-5363"], "0": ["CVE-2022-1343"]}}},
          {"pkg": {"name": "curl", "secfixes": {"8.4.0-r0": ["CVE-2023-38545", 17]}}},
          {"pkg": {"name": "busybox", "secfixes": {"1.36.1-r2": ["CVE-2022-48174 XSA-1"]}}}
        ]}
        """

    @Test func brokenRecordNamesFileRecordAndField() {
        #expect {
            try AlpineSecDBReader().read(json: Data(Self.brokenJSON.utf8), source: "v3.19/main.json")
        } throws: { error in
            guard let error = error as? SecurityAdvisoriesError else { return false }
            return error.source == "v3.19/main.json" && error.record == "curl"
                && error.field == "packages[1].pkg.secfixes.8.4.0-r0[1]"
        }
    }

    @Test func skipKeepsTheRestAndNotAffectedKey() throws {
        let result = try AlpineSecDBReader(policy: .skip).read(json: Data(Self.brokenJSON.utf8), source: "main.json")
        #expect(result.skipped.count == 1)
        #expect(result.skipped.first?.record == "curl")
        #expect(result.advisories.map(\.id).sorted() == ["CVE-2022-1343", "CVE-2022-48174", "CVE-2023-5363"])
        let notAffected = try #require(result.advisories.first { $0.id == "CVE-2022-1343" }?.affected.first)
        #expect(notAffected.status == .notAffected && notAffected.fixedVersion == nil)
        #expect(notAffected.release == EcosystemRelease(.alpine, "v3.19"))
    }

    @Test func brokenYAMLRecordNamesLine() {
        let yaml = """
            distroversion: v3.18
            packages:
              - pkg:
                  name: zlib
                  secfixes:
                    1.2.12-r0:
                      - CVE-2018-25032
              - pkg:
                  name: expat
                  secfixes:
                    not a version!:
                      - CVE-2022-40674
            """
        #expect {
            try AlpineSecDBReader().read(yaml: Data(yaml.utf8), source: "v3.18/main.yaml")
        } throws: { error in
            guard let error = error as? SecurityAdvisoriesError else { return false }
            return error.record == "expat" && error.line == 8
                && error.field == "packages[1].pkg.secfixes.not a version!"
        }
    }
}
