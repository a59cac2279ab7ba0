import Foundation
import SecurityAdvisories
import Testing
import ZIPFoundation

/// Damaged `all.zip` archives, as libFuzzer produced them (Benchmarks/fuzz, target `osv`): each is
/// refused with a `SecurityAdvisoriesError` instead of trapping, hanging or allocating without bound.
@Suite struct ZipArchiveTests {
    /// One OSV record in a zip made by ZIPFoundation.
    private func archive(compression: CompressionMethod = .deflate, content: Data? = nil) throws -> Data {
        let record = try content ?? FeedFixtureFiles.data("osv-debian/DLA-3008-1.json")
        let archive = try Archive(data: Data(), accessMode: .create)
        try archive.addEntry(
            with: "Debian/DLA-3008-1.json",
            type: .file,
            uncompressedSize: Int64(record.count),
            compressionMethod: compression
        ) { position, size in
            record.subdata(in: Int(position)..<Int(position) + size)
        }
        return try #require(archive.data)
    }

    /// Offset of the (only) central-directory entry.
    private func directoryEntry(_ zip: Data) throws -> Int {
        let signature: [UInt8] = [0x50, 0x4B, 0x01, 0x02]
        let bytes = [UInt8](zip)
        let index = (0...bytes.count - 4).last { Array(bytes[$0..<$0 + 4]) == signature }
        return try #require(index)
    }

    private func patch(_ zip: inout Data, at offset: Int, uint32 value: UInt32) {
        for byte in 0..<4 { zip[zip.startIndex + offset + byte] = UInt8(truncatingIfNeeded: value >> (8 * byte)) }
    }

    @Test func readsAnUndamagedArchive() throws {
        let result = try OSVReader().readArchive(archive(), source: "all.zip")
        #expect(result.advisories.map(\.id) == ["DLA-3008-1"])
    }

    /// The crash libFuzzer found: a local-header offset past the end made ZIPFoundation's in-memory
    /// reader form an inverted range (`Archive.MemoryFile.readData`).
    @Test func localHeaderOffsetPastTheEnd() throws {
        var zip = try archive()
        try patch(&zip, at: directoryEntry(zip) + 42, uint32: 0x7FFF_FFF0)
        let error = try #require(throws: SecurityAdvisoriesError.self) {
            try OSVReader(policy: .skip).readArchive(zip, source: "all.zip")
        }
        #expect(error.code == .malformedDocument)
        #expect(error.message.contains("outside the archive"))
    }

    /// A deflate stream cut short (ZIPFoundation's Linux inflate loop never returned on this).
    @Test func truncatedDeflateData() throws {
        var zip = try archive()
        try patch(&zip, at: directoryEntry(zip) + 20, uint32: 10)
        let result = try OSVReader(policy: .skip).readArchive(zip, source: "all.zip")
        #expect(result.advisories.isEmpty)
        #expect(result.skipped.count == 1)
        #expect(result.skipped.first?.source == "all.zip/Debian/DLA-3008-1.json")
        #expect(throws: SecurityAdvisoriesError.self) { try OSVReader().readArchive(zip, source: "all.zip") }
    }

    /// A member that inflates past its declared size stops at that size (bounded memory).
    @Test func memberLargerThanDeclared() throws {
        var zip = try archive(content: Data(repeating: 0x20, count: 1 << 20))
        try patch(&zip, at: directoryEntry(zip) + 24, uint32: 1000)
        let result = try OSVReader(policy: .skip).readArchive(zip, source: "all.zip")
        let skipped = try #require(result.skipped.first)
        #expect(skipped.message.contains("exceeds the limit of 1000 bytes"))
    }

    @Test func storedMemberWithABadChecksum() throws {
        var zip = try archive(compression: .none)
        try patch(&zip, at: directoryEntry(zip) + 16, uint32: 0)
        let result = try OSVReader(policy: .skip).readArchive(zip, source: "all.zip")
        #expect(result.skipped.first?.message.contains("CRC-32 mismatch") == true)
    }

    @Test func centralDirectoryPastTheEnd() throws {
        var zip = try archive()
        let end = zip.count - 22
        patch(&zip, at: end + 16, uint32: UInt32(zip.count + 1))
        #expect(throws: SecurityAdvisoriesError.self) { try OSVReader().readArchive(zip, source: "all.zip") }
    }
}
