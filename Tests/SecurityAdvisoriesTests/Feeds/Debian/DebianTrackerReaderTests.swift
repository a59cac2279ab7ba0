import Foundation
import SecurityAdvisories
import Testing

@Suite struct DebianTrackerReaderTests {
    private static let snapshot = FeedFixtureFiles.utc(2025, 8, 25)
    private let reader = DebianTrackerReader(modified: snapshot)

    private func read(_ name: String) throws -> FeedReadResult {
        try reader.read(FeedFixtureFiles.data("debian-tracker-json/\(name)"), source: name)
    }

    private func entry(_ advisory: Advisory, _ release: String) throws -> AffectedPackage {
        try #require(advisory.affected.first { $0.release == EcosystemRelease(.debian, release) })
    }

    @Test func osvDevMock() throws {
        let result = try read("osv.dev-debian_security_tracker_mock.json")
        #expect(result.skipped.isEmpty)
        #expect(result.advisories.map(\.id) == ["CVE-2014-1424", "CVE-2016-1585", "CVE-2017-6507"])
        #expect(result.advisories.allSatisfy { $0.source == .debianTracker && $0.modified == Self.snapshot })
        #expect(result.ignoredEntries == ["Debian:sid": 3])

        let notAffected = result.advisories[0]
        #expect(notAffected.affected.count == 4)
        #expect(notAffected.affected.allSatisfy { $0.status == .notAffected && $0.fixedVersion == nil })
        #expect(notAffected.affected.allSatisfy { $0.name == "apparmor" && $0.nameKind == .source })
        #expect(notAffected.severity == .low)

        let open = result.advisories[1]
        #expect(try entry(open, "12").status == .affected)
        #expect(try entry(open, "12").severity == .low)
        #expect(open.references.contains("https://bugs.debian.org/929990"))
        #expect(open.summary.hasPrefix("In all versions of AppArmor"))
    }

    @Test func vunnelFixture() throws {
        let result = try read("vunnel-debian.json")
        #expect(result.skipped.isEmpty)
        #expect(result.advisories.count == 7)
        let byID = Dictionary(uniqueKeysWithValues: result.advisories.map { ($0.id, $0) })

        let prototype = try #require(byID["CVE-2008-7220"])
        #expect(prototype.affected.map(\.release.version) == ["10", "8", "9"])
        #expect(try entry(prototype, "9").fixedVersion == "1.6.0.2-1")
        #expect(try entry(prototype, "9").status == .fixed)
        #expect(try entry(prototype, "9").severity == .high)  // "high**"

        let chromium = try #require(byID["CVE-2022-0456"])
        #expect(try entry(chromium, "10").status == .endOfLife)
        #expect(try entry(chromium, "9").status == .endOfLife)
        #expect(try entry(chromium, "11").fixedVersion == "98.0.4758.80-1~deb11u1")
        #expect(try entry(chromium, "12").severity == nil)  // "not yet assigned"
        #expect(chromium.severity == .unknown)

        #expect(try entry(#require(byID["CVE-2007-2383"]), "10").status == .notAffected)
        #expect(try entry(#require(byID["CVE-2025-53603"]), "12").fixedVersion == "5.8.0-1+deb12u1")
        // `"releases": []` in the fixture: an advisory without affected entries.
        #expect(try #require(byID["CVE-2022-0358"]).affected.isEmpty)
        #expect(result.advisories.reduce(0) { $0 + $1.affected.count } == 19)
        #expect(result.ignoredEntries == ["Debian:sid": 6])
    }

    /// nodsa and ignored entries, and one CVE under two source packages (hand-written, same shape).
    @Test func noDSAIgnoredAndMerging() throws {
        let json = """
            {"linux": {"CVE-2099-0001": {"description": "d", "releases": {
                "bookworm": {"status": "open", "urgency": "low", "nodsa": "Minor issue", "nodsa_reason": "postponed",
                             "repositories": {"bookworm": "6.1.0-1"}},
                "bullseye": {"status": "open", "urgency": "low", "nodsa": "Minor issue", "nodsa_reason": "ignored",
                             "repositories": {"bullseye": "5.10.0-1"}},
                "buster": {"status": "undetermined", "urgency": "not yet assigned", "repositories": {}}}}},
             "linux-5.10": {"CVE-2099-0001": {"releases": {
                "bookworm": {"status": "resolved", "fixed_version": "5.10.1-1", "urgency": "medium",
                             "repositories": {"bookworm": "5.10.1-1", "bookworm-security": "5.10.1-1"}}}}}}
            """
        let result = try reader.read(Data(json.utf8), source: "inline.json")
        let advisory = try #require(result.advisories.first)
        #expect(result.advisories.count == 1)
        #expect(advisory.affected.map(\.name) == ["linux", "linux", "linux", "linux-5.10"])
        let postponed = try #require(advisory.affected.first { $0.release.version == "12" && $0.name == "linux" })
        #expect(postponed.status == .affected)
        #expect(postponed.statusNote == "no-dsa: Minor issue")
        #expect(try entry(advisory, "11").status == .willNotFix)
        #expect(try entry(advisory, "10").status == .underInvestigation)
        #expect(advisory.severity == .medium)
    }

    @Test func brokenEntryInTheMiddle() throws {
        let json = """
            {"a": {"CVE-2099-0001": {"releases": {"bookworm": {"status": "resolved", "fixed_version": "1"}}}},
             "b": {"CVE-2099-0002": {"releases": {"bookworm": {"status": "fixed-ish"}}}},
             "c": {"CVE-2099-0003": {"releases": {"bookworm": {"status": "open"}}}}}
            """
        let error = try #require(throws: SecurityAdvisoriesError.self) {
            try reader.read(Data(json.utf8), source: "tracker.json")
        }
        #expect(error.source == "tracker.json")
        #expect(error.record == "CVE-2099-0002")
        #expect(error.field == "b.CVE-2099-0002.releases.bookworm.status")
        let result = try DebianTrackerReader(policy: .skip, modified: Self.snapshot).read(
            Data(json.utf8),
            source: "tracker.json"
        )
        #expect(result.advisories.map(\.id) == ["CVE-2099-0001", "CVE-2099-0003"])
        #expect(result.skipped == [error])
    }

    @Test func resolvedWithoutFixedVersionNamesTheField() throws {
        let json = #"{"a": {"CVE-2099-0001": {"releases": {"bookworm": {"status": "resolved"}}}}}"#
        let error = try #require(throws: SecurityAdvisoriesError.self) {
            try reader.read(Data(json.utf8), source: "t.json")
        }
        #expect(error.code == .missingField)
        #expect(error.field == "a.CVE-2099-0001.releases.bookworm.fixed_version")
    }
}
