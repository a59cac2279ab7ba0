import Foundation
import SecurityAdvisories
import Testing
import ZIPFoundation

@Suite struct DebianOSVTests {
    private func read(_ name: String) throws -> Advisory {
        let result = try OSVReader().read(FeedFixtureFiles.data("osv-debian/\(name)"), source: name)
        #expect(result.skipped.isEmpty)
        return try #require(result.advisories.first)
    }

    @Test func dla3008OpenSSLFixedInStretch() throws {
        let advisory = try read("DLA-3008-1.json")
        #expect(advisory.id == "DLA-3008-1")
        #expect(advisory.source == .dla)
        #expect(advisory.aliases == ["CVE-2022-1292", "DEBIAN-CVE-2022-1292"])
        #expect(advisory.summary == "openssl - security update")
        #expect(advisory.published == FeedFixtureFiles.utc(2022, 5, 14))
        let modified = advisory.modified
        #expect(abs(modified.timeIntervalSince(FeedFixtureFiles.utc(2026, 3, 9, 1, 23, 33.375630))) < 0.000_01)
        #expect(advisory.affected.count == 1)
        let openssl = try #require(advisory.affected.first)
        #expect(openssl.release == EcosystemRelease(.debian, "9"))
        #expect(openssl.name == "openssl")
        #expect(openssl.nameKind == .source)
        #expect(openssl.status == .fixed)
        #expect(openssl.fixedVersion == "1.1.0l-1~deb9u6")
        #expect(openssl.ranges == [VersionRangeEvents(introduced: ["0"], fixed: ["1.1.0l-1~deb9u6"])])
        #expect(openssl.versions.count == 19)
        #expect(openssl.versions.first == "1.1.0f-3")
        #expect(openssl.versions.last == "1.1.0l-1~deb9u5")
    }

    @Test func dsa3029UsesAliasesReferencesAndDetails() throws {
        let advisory = try read("DSA-3029-1.json")
        #expect(advisory.source == .dsa)
        #expect(advisory.aliases == ["CVE-2014-3616"])
        #expect(advisory.references == ["https://www.debian.org/security/2014/dsa-3029"])
        #expect(advisory.details.contains("virtual host confusion attacks"))
        #expect(advisory.affected.map(\.release) == [EcosystemRelease(.debian, "7")])
        #expect(advisory.affected.first?.fixedVersion == "1.2.1-2.2+wheezy3")
    }

    @Test func olderCVERecordWithOnlyIntroducedIsAffectedWithoutFix() throws {
        let advisory = try read("CVE-2024-3847.debian.json")
        #expect(advisory.source == .osv)
        #expect(advisory.affected.map(\.release) == [EcosystemRelease(.debian, "10"), EcosystemRelease(.debian, "11")])
        for entry in advisory.affected {
            #expect(entry.status == .affected)
            #expect(entry.fixedVersion == nil)
            #expect(entry.severity == .low)
            #expect(entry.versions.isEmpty)
        }
        #expect(advisory.severity == .low)
        #expect(advisory.references.count == 8)
    }

    @Test func stubKeepsUpstreamCVEsAsAliases() throws {
        let advisory = try read("DLA-3623-1.stub.json")
        #expect(advisory.aliases.count == 44)
        #expect(advisory.aliases.first == "CVE-2022-39189")
        #expect(advisory.affected.isEmpty)
    }

    @Test func directoryOfFiles() throws {
        let files = try FeedFixtureFiles.directory("osv-debian")
        #expect(files.count == 8)
        let result = try OSVReader().readFiles(files + [(name: "README.md", data: Data("not json".utf8))])
        #expect(result.advisories.count == 8)
        #expect(result.skipped.isEmpty)
        #expect(result.ignoredEntryCount == 0)
        #expect(result.advisories.reduce(0) { $0 + $1.affected.count } == 8)
        #expect(Set(result.advisories.map(\.id)).count == 8)
    }

    @Test func zipArchiveOfFixtureFiles() throws {
        let files = try FeedFixtureFiles.directory("osv-debian")
        let archive = try Archive(data: Data(), accessMode: .create)
        for file in files {
            try archive.addEntry(
                with: "Debian/\(file.name)",
                type: .file,
                uncompressedSize: Int64(file.data.count),
                compressionMethod: .deflate
            ) { position, size in
                file.data.subdata(in: Int(position)..<Int(position) + size)
            }
        }
        let readme = Data("ignored".utf8)
        try archive.addEntry(with: "README", type: .file, uncompressedSize: Int64(readme.count)) { position, size in
            readme.subdata(in: Int(position)..<Int(position) + size)
        }
        let zip = try #require(archive.data)
        let result = try OSVReader().readArchive(zip, source: "Debian/all.zip")
        #expect(result.advisories.count == 8)
        #expect(result.skipped.isEmpty)
        let fromFiles = try OSVReader().readFiles(files)
        #expect(Set(result.advisories) == Set(fromFiles.advisories))
    }

    @Test func notAZip() throws {
        #expect(throws: SecurityAdvisoriesError.self) {
            try OSVReader().readArchive(Data("plain text".utf8), source: "all.zip")
        }
    }
}
