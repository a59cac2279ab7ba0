import Foundation
import Testing

@testable import SecurityAdvisories

@Suite struct GzipTests {
    /// Real data of different shapes: JSON (dynamic Huffman), one byte (fixed Huffman), random
    /// bytes (stored blocks), empty input, and a file larger than one block.
    static func samples() throws -> [(String, Data)] {
        var generator = SystemRandomNumberGenerator()
        let random = Data((0..<100_000).map { _ in UInt8.random(in: 0...255, using: &generator) })
        return [
            ("kev", try FeedReaderFixtures.data("kev/known_exploited_vulnerabilities.json")),
            ("alpine", try FeedReaderFixtures.data("alpine-secdb/v3.10/main.yaml")),
            ("one byte", Data("a".utf8)),
            ("empty", Data()),
            ("random", random),
            ("repetitive", Data(String(repeating: "CVE-2021-44228,0.97565,1.00000\n", count: 5000).utf8)),
        ]
    }

    @Test(arguments: ["-1", "-6", "-9"])
    func decompressesGzipOutput(level: String) throws {
        for (name, sample) in try Self.samples() {
            let compressed = try FeedReaderFixtures.gzip(sample, arguments: ["-c", level])
            #expect(Gzip.isGzip(compressed), "\(name)")
            let output = try Gzip.decompress([UInt8](compressed), source: name)
            #expect(output == [UInt8](sample), "\(name) at \(level)")
        }
    }

    @Test func concatenatedMembersAndFileNameHeader() throws {
        let first = Data("first member\n".utf8)
        let second = Data(String(repeating: "second member\n", count: 100).utf8)
        // Without -n, gzip writes the FNAME flag when it reads a named file; via stdin it sets none,
        // so a name is added by hand to cover the header walk.
        var named = [UInt8](try FeedReaderFixtures.gzip(first, arguments: ["-c", "-n"]))
        named[3] |= 0x08
        named.insert(contentsOf: Array("first.txt".utf8) + [0], at: 10)
        let compressed = named + [UInt8](try FeedReaderFixtures.gzip(second, arguments: ["-c"]))
        #expect(try Gzip.decompress(compressed, source: "two") == [UInt8](first + second))
    }

    @Test func detectsCRCMismatch() throws {
        var bytes = [UInt8](try FeedReaderFixtures.gzip(Data("hello, EPSS\n".utf8), arguments: ["-c", "-n"]))
        bytes[bytes.count - 8] ^= 0xFF
        #expect {
            try Gzip.decompress(bytes, source: "bad.gz")
        } throws: { error in
            let error = error as? SecurityAdvisoriesError
            return error?.code == .malformedDocument && error?.message.contains("CRC-32 mismatch") == true
                && error?.source == "bad.gz"
        }
    }

    @Test func detectsCorruptAndTruncatedData() throws {
        let sample = try FeedReaderFixtures.data("alpine-secdb/v3.10/main.yaml")
        let bytes = [UInt8](try FeedReaderFixtures.gzip(sample, arguments: ["-c", "-n"]))
        #expect(throws: SecurityAdvisoriesError.self) {
            try Gzip.decompress(Array(bytes.prefix(bytes.count / 2)), source: "t")
        }
        var corrupt = bytes
        for index in stride(from: 40, to: 400, by: 7) { corrupt[index] ^= 0x5A }
        #expect(throws: SecurityAdvisoriesError.self) { try Gzip.decompress(corrupt, source: "t") }
        #expect(throws: SecurityAdvisoriesError.self) { try Gzip.decompress([0x1F, 0x8B, 8, 0], source: "t") }
    }

    @Test func crc32KnownValue() {
        #expect(Zlib.crc32(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(Zlib.crc32(Array("123456789".utf8)[2...]) == Zlib.crc32(Array("3456789".utf8)))
        #expect(Zlib.crc32([UInt8]()) == 0)
    }

    /// A small file that expands enormously (a "gzip bomb") stops at the output limit with an error
    /// naming the limit, instead of filling memory.
    @Test func stopsAtTheOutputLimit() throws {
        let zeros = Data(count: 8 * 1024 * 1024)
        let compressed = [UInt8](try FeedReaderFixtures.gzip(zeros, arguments: ["-c", "-9"]))
        #expect(compressed.count < 64 * 1024)
        #expect(try Gzip.decompress(compressed, source: "bomb.gz", outputLimit: 8 * 1024 * 1024).count == zeros.count)
        #expect {
            try Gzip.decompress(compressed, source: "bomb.gz", outputLimit: 1024 * 1024)
        } throws: { error in
            let error = error as? SecurityAdvisoriesError
            return error?.code == .malformedDocument
                && error?.message.contains("exceeds the limit of 1048576 bytes") == true
                && error?.field == "gzip member 1"
        }
    }

    /// A file of two members where the second is damaged names the second member.
    @Test func namesTheDamagedMember() throws {
        let first = [UInt8](try FeedReaderFixtures.gzip(Data("one\n".utf8), arguments: ["-c", "-n"]))
        var second = [UInt8](try FeedReaderFixtures.gzip(Data("two\n".utf8), arguments: ["-c", "-n"]))
        second[second.count - 1] ^= 0x01  // the length trailer
        #expect {
            try Gzip.decompress(first + second, source: "two.gz")
        } throws: { error in
            let error = error as? SecurityAdvisoriesError
            return error?.field == "gzip member 2" && error?.message.contains("length mismatch") == true
        }
    }
}
