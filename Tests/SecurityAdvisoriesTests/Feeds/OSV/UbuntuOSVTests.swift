import Foundation
import SecurityAdvisories
import Testing

/// Tests on real Ubuntu OSV records (CC BY-SA 4.0, see Fixtures/SOURCES.md).
@Suite struct UbuntuOSVTests {
    private func read(_ name: String) throws -> FeedReadResult {
        let result = try OSVReader().read(FeedFixtureFiles.data("ubuntu-osv/\(name)"), source: name)
        #expect(result.skipped.isEmpty)
        #expect(result.advisories.count == 1)
        return result
    }

    private func entry(_ advisory: Advisory, _ release: String, _ name: String? = nil) throws -> AffectedPackage {
        try #require(
            advisory.affected.first {
                $0.release == EcosystemRelease(.ubuntu, release) && (name == nil || $0.name == name)
            }
        )
    }

    @Test func usn6859OpenSSHFixedVersionsPerRelease() throws {
        let advisory = try #require(read("USN-6859-1.json").advisories.first)
        #expect(advisory.source == .usn)
        #expect(advisory.aliases == ["CVE-2024-6387", "UBUNTU-CVE-2024-6387"])
        #expect(advisory.published != nil)
        #expect(advisory.affected.count == 2)
        let jammy = try entry(advisory, "22.04")
        #expect(jammy.name == "openssh")
        #expect(jammy.nameKind == .source)
        #expect(jammy.status == .fixed)
        #expect(jammy.fixedVersion == "1:8.9p1-3ubuntu0.10")
        #expect(jammy.versions.count == 12)
        #expect(jammy.binaries.count == 11)
        #expect(jammy.binaries.contains(BinaryFix(name: "openssh-server", version: "1:8.9p1-3ubuntu0.10")))
        let noble = try entry(advisory, "24.04")
        #expect(noble.fixedVersion == "1:9.6p1-3ubuntu13.3")
        #expect(noble.binaries.count == 11)
        #expect(advisory.affected.reduce(0) { $0 + $1.binaries.count } == 22)
    }

    @Test func usn7014NginxBinaries() throws {
        let advisory = try #require(read("USN-7014-1.json").advisories.first)
        #expect(advisory.affected.map(\.release.version) == ["20.04", "22.04", "24.04"])
        #expect(advisory.affected.map(\.binaries.count) == [51, 52, 23])
        #expect(advisory.affected.reduce(0) { $0 + $1.binaries.count } == 126)
        let focal = try entry(advisory, "20.04")
        #expect(focal.fixedVersion == "1.18.0-0ubuntu1.6")
        #expect(focal.binaries.first == BinaryFix(name: "libnginx-mod-http-auth-pam", version: "1.18.0-0ubuntu1.6"))
        #expect(focal.binaries.last == BinaryFix(name: "nginx-light-dbgsym", version: "1.18.0-0ubuntu1.6"))
        let noble = try entry(advisory, "24.04")
        #expect(noble.binaries.contains(BinaryFix(name: "nginx-core", version: "1.24.0-2ubuntu7.1")))
    }

    /// UBUNTU-CVE-2024-7347 lists binaries as one `{name: version}` object, uses malformed purls
    /// (`?arch=src?distro=focal`) and has Ubuntu Pro entries with only `introduced: 0`.
    @Test func ubuntuCVE7347Quirks() throws {
        let result = try read("UBUNTU-CVE-2024-7347.json")
        let advisory = try #require(result.advisories.first)
        #expect(advisory.source == .ubuntuCVE)
        #expect(advisory.aliases == ["CVE-2024-7347"])
        #expect(
            advisory.cvss == [
                CVSSRecord(version: "3.1", vector: "CVSS:3.1/AV:L/AC:H/PR:N/UI:R/S:U/C:N/I:N/A:H", baseScore: nil)
            ]
        )
        #expect(advisory.severity == .medium)
        #expect(advisory.affected.map(\.release.version) == ["20.04", "22.04", "24.04"])
        #expect(advisory.affected.map(\.binaries.count) == [51, 52, 23])
        let focal = try entry(advisory, "20.04")
        #expect(focal.binaries.contains(BinaryFix(name: "nginx", version: "1.18.0-0ubuntu1.6")))
        #expect(focal.binaries == focal.binaries.sorted { $0.name < $1.name })
        #expect(focal.severity == .medium)
        #expect(focal.fixedVersion == "1.18.0-0ubuntu1.6")
        #expect(
            result.ignoredEntries == ["Ubuntu:Pro:14.04:LTS": 1, "Ubuntu:Pro:16.04:LTS": 1, "Ubuntu:Pro:18.04:LTS": 1]
        )
    }

    @Test func ubuntuProAndFIPSAreSkippedByDesign() throws {
        let result = try read("UBUNTU-CVE-2024-6119.json")
        let advisory = try #require(result.advisories.first)
        #expect(result.skipped.isEmpty)
        #expect(
            result.ignoredEntries == [
                "Ubuntu:Pro:16.04:LTS": 1, "Ubuntu:Pro:18.04:LTS": 1, "Ubuntu:Pro:22.04:LTS": 1,
                "Ubuntu:Pro:FIPS-preview:22.04:LTS": 1, "Ubuntu:Pro:FIPS-updates:22.04:LTS": 1,
            ]
        )
        #expect(advisory.affected.count == 4)
        #expect(advisory.severity == .medium)
        #expect(advisory.cvss.count == 2)
        #expect(advisory.aliases == ["CVE-2024-6119"])
        // Ubuntu:25.04 (no `:LTS`) with an empty `versions` list and a fixed event.
        let plucky = try entry(advisory, "25.04")
        #expect(plucky.versions.isEmpty)
        #expect(plucky.status == .fixed)
        #expect(plucky.fixedVersion == "3.3.1-2ubuntu2")
        #expect(try entry(advisory, "24.04", "edk2").fixedVersion == "2024.02-2ubuntu0.6")
    }

    @Test func emptyVersionsListWithFixedEvent() throws {
        let advisory = try #require(read("UBUNTU-CVE-2023-4911.json").advisories.first)
        let noble = try entry(advisory, "24.04")
        #expect(noble.versions.isEmpty)
        #expect(noble.fixedVersion == "2.38-1ubuntu6")
        #expect(noble.binaries.count == 29)
        #expect(noble.severity == .high)
        #expect(advisory.severity == .high)
    }

    @Test func emptyVersionsAndNoFixedEventMeansAffected() throws {
        var record = try FeedFixtureFiles.jsonObject("ubuntu-osv/UBUNTU-CVE-2023-4911.json")
        var affected = try #require(record["affected"] as? [[String: Any]])
        affected[1]["ranges"] = [["type": "ECOSYSTEM", "events": [["introduced": "0"]]]]
        record["affected"] = affected
        let result = try OSVReader().read(FeedFixtureFiles.compactJSON(record), source: "edited.json")
        let noble = try #require(result.advisories.first?.affected.last)
        #expect(noble.versions.isEmpty)
        #expect(noble.status == .affected)
        #expect(noble.fixedVersion == nil)
    }

    @Test func allSixteenRecords() throws {
        let files = try FeedFixtureFiles.directory("ubuntu-osv")
        #expect(files.count == 16)
        let result = try OSVReader().readFiles(files)
        #expect(result.advisories.count == 16)
        #expect(result.skipped.isEmpty)
        #expect(result.advisories.reduce(0) { $0 + $1.affected.count } == 39)
        #expect(result.ignoredEntryCount == 11)
        #expect(result.advisories.allSatisfy { $0.affected.allSatisfy { $0.nameKind == .source } })
        let kernel = try #require(result.advisories.first { $0.id == "USN-6688-1" })
        #expect(kernel.cveIDs.count == 63)
        let python = try #require(result.advisories.first { $0.id == "USN-7015-1" })
        #expect(Set(python.affected.map(\.name)) == ["python3.8", "python3.10", "python3.12"])
    }
}
