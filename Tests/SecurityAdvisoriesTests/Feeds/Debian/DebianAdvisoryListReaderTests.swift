import Foundation
import SecurityAdvisories
import Testing

@Suite struct DebianAdvisoryListReaderTests {
    private func read(_ kind: DebianAdvisoryListReader.Kind) throws -> FeedReadResult {
        let path = kind == .dsa ? "debian/DSA/list" : "debian/DLA/list"
        return try DebianAdvisoryListReader(kind: kind).read(FeedFixtureFiles.data(path), source: path)
    }

    @Test func dsaList() throws {
        let result = try read(.dsa)
        #expect(result.skipped.isEmpty)
        #expect(result.advisories.count == 5406)
        #expect(Set(result.advisories.map(\.id)).count == 5406)
        #expect(result.advisories.first?.id == "DSA-5380-1")
        #expect(result.advisories.last?.id == "DSA-135")
        // 6,988 release lines: 5,424 for numbered releases, 1,564 for woody and sarge (left out).
        #expect(result.advisories.reduce(0) { $0 + $1.affected.count } == 5424)
        #expect(result.ignoredEntries == ["Debian:woody": 852, "Debian:sarge": 712])
        let statuses = result.advisories.flatMap(\.affected).reduce(into: [AffectedStatus: Int]()) {
            $0[$1.status, default: 0] += 1
        }
        #expect(statuses == [.fixed: 5416, .endOfLife: 4, .notAffected: 4])
        #expect(result.advisories.allSatisfy { $0.source == .dsa && $0.published == $0.modified })

        let xorg = result.advisories[0]
        #expect(xorg.summary == "xorg-server - security update")
        #expect(xorg.published == FeedFixtureFiles.utc(2023, 3, 29))
        #expect(xorg.aliases == ["CVE-2023-1393"])
        #expect(
            xorg.affected == [
                AffectedPackage(
                    release: EcosystemRelease(.debian, "11"),
                    name: "xorg-server",
                    nameKind: .source,
                    status: .fixed,
                    fixedVersion: "2:1.20.11-1+deb11u6"
                )
            ]
        )
    }

    @Test func dsaMarkersNotesAndUrgencies() throws {
        let byID = Dictionary(uniqueKeysWithValues: try read(.dsa).advisories.map { ($0.id, $0) })
        let vlc = try #require(byID["DSA-2218-1"])
        #expect(vlc.affected.map(\.status) == [.notAffected, .fixed])
        #expect(vlc.affected[0].statusNote == "Vulnerable code not present")
        #expect(vlc.affected[0].release == EcosystemRelease(.debian, "5"))
        #expect(vlc.affected[1].fixedVersion == "1.1.3-1squeeze5")

        let virtualbox = try #require(byID["DSA-3699-1"])
        #expect(virtualbox.affected.map(\.status) == [.endOfLife])
        #expect(virtualbox.aliases.isEmpty)

        let glibc = try #require(byID["DSA-1605-1"])
        #expect(glibc.details.hasPrefix("<unfixed> (backport too complicated"))
        #expect(glibc.affected.isEmpty)

        let notice = try #require(byID["DSA-3281-1"])
        #expect(notice.summary == "Debian Security Team PGP/GPG key change notice")
        #expect(try #require(byID["DSA-2092-1"]).summary == "lxr-cvs - cross-site scripting")
    }

    @Test func dlaList() throws {
        let result = try read(.dla)
        #expect(result.skipped.isEmpty)
        #expect(result.advisories.count == 3534)
        #expect(result.advisories.first?.id == "DLA-3380-1")
        #expect(result.advisories.last?.id == "DLA-0001-1")
        #expect(result.advisories.reduce(0) { $0 + $1.affected.count } == 3535)
        #expect(result.ignoredEntryCount == 0)
        let openssl = try #require(result.advisories.first { $0.id == "DLA-3008-1" })
        #expect(openssl.source == .dla)
        #expect(openssl.aliases == ["CVE-2022-1292"])
        #expect(openssl.published == FeedFixtureFiles.utc(2022, 5, 14))
        #expect(openssl.affected.map(\.release) == [EcosystemRelease(.debian, "9")])
        #expect(openssl.affected.first?.fixedVersion == "1.1.0l-1~deb9u6")
        #expect(openssl.affected.first?.name == "openssl")
    }

    @Test func oldEntriesWithBugsAndUrgencyKeepTheSeverity() throws {
        let text = """
            [05 Oct 2005] DSA-850-1 tcpdump - infinite loop
            \t{CVE-2005-1267}
            \t[woody] - tcpdump 3.6.2-2.9 (bug #330890; medium)
            \t[etch] - tcpdump 3.9.1-1 (high)
            \t[lenny] - tcpdump <no-dsa> (Minor issue)
            \t[squeeze] - tcpdump <ignored> (Not supported)
            """
        let result = try DebianAdvisoryListReader(kind: .dsa).read(text, source: "inline")
        let advisory = try #require(result.advisories.first)
        #expect(advisory.severity == .high)
        #expect(advisory.affected.map(\.status) == [.fixed, .affected, .willNotFix])
        #expect(advisory.affected[0].severity == .high)
        #expect(advisory.affected[1].statusNote == "no-dsa: Minor issue")
        #expect(result.ignoredEntries == ["Debian:woody": 1])
    }

    /// A broken line in the middle of the real DSA list: the error names the line and advisory;
    /// under `.skip` only that advisory is lost.
    @Test func brokenLineInTheMiddle() throws {
        let original = try String(decoding: FeedFixtureFiles.data("debian/DSA/list"), as: UTF8.self)
        var lines = original.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let index = try #require(lines.firstIndex { $0.contains("DSA-3699-1") })
        lines[index + 1] = "\t[jessie] - virtualbox <gone-fishing>"
        lines.insert("garbage without indentation", at: index + 20)
        let broken = Data(lines.joined(separator: "\n").utf8)

        let error = try #require(throws: SecurityAdvisoriesError.self) {
            try DebianAdvisoryListReader(kind: .dsa).read(broken, source: "DSA/list")
        }
        #expect(error.line == index + 2)
        #expect(error.record == "DSA-3699-1")
        #expect(error.source == "DSA/list")
        #expect(error.code == .invalidValue)
        #expect(error.description.hasPrefix("DSA/list:\(index + 2): record DSA-3699-1"))

        let result = try DebianAdvisoryListReader(kind: .dsa, policy: .skip).read(broken, source: "DSA/list")
        #expect(result.skipped.map(\.line) == [index + 2, index + 21])
        #expect(result.advisories.count == 5406 - 2)
        #expect(!result.advisories.contains { $0.id == "DSA-3699-1" })
    }

    @Test func badHeaderDate() throws {
        let error = try #require(throws: SecurityAdvisoriesError.self) {
            try DebianAdvisoryListReader(kind: .dla).read("[31 Feb 2023] DLA-1-1 x - y\n", source: "DLA/list")
        }
        #expect(error.line == 1)
        #expect(error.field == "date")
    }

    /// Best of three runs, so that other suites running in parallel do not make it flaky.
    @Test func dsaListParsesWellUnderASecond() throws {
        let data = try FeedFixtureFiles.data("debian/DSA/list")
        let clock = ContinuousClock()
        var count = 0
        var best = Duration.seconds(60)
        for _ in 0..<3 {
            let elapsed = try clock.measure {
                count = try DebianAdvisoryListReader(kind: .dsa).read(data, source: "DSA/list").advisories.count
            }
            best = min(best, elapsed)
        }
        #expect(count == 5406)
        #expect(best < .seconds(1))
    }
}
