import FleetModel
import Foundation
import Testing

/// Compares the parser with dpkg itself on this machine's real status database.
@Suite(.enabled(if: FileManager.default.fileExists(atPath: "/var/lib/dpkg/status"), "needs a dpkg-based host"))
struct DpkgStatusSystemTests {
    private static let statusPath = "/var/lib/dpkg/status"

    private func parseSystem() throws -> [InstalledPackage] {
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: Self.statusPath)))
        return try DpkgStatusParser(sourceName: Self.statusPath, includesNotInstalled: true).parse(bytes: bytes)
    }

    /// Runs `dpkg-query -W` once for every package, keyed by `name:architecture`.
    private func dpkgQuery() throws -> [String: [String]] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/dpkg-query")
        process.arguments = [
            "-W", "-f",
            "${Package}\\t${Architecture}\\t${Version}\\t${source:Package}\\t${source:Version}\\t${db:Status-Status}\\n",
        ]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        var rows: [String: [String]] = [:]
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            rows["\(fields[0]):\(fields[1])"] = fields
        }
        return rows
    }

    @Test func matchesDpkgQueryForEveryPackage() throws {
        let parsed = try parseSystem()
        let expected = try dpkgQuery()
        #expect(parsed.count > 100)
        let installed = expected.values.filter { $0[5] == "installed" }.count
        #expect(parsed.filter { $0.state == .installed }.count == installed)
        var byKey: [String: InstalledPackage] = [:]
        for package in parsed { byKey["\(package.name):\(package.architecture)"] = package }
        for (key, row) in expected where row[5] != "not-installed" {
            let package = try #require(byKey[key], "dpkg-query lists \(key)")
            #expect(package.version == row[2], "version of \(key)")
            #expect(package.sourceName == row[3], "source name of \(key)")
            #expect(package.sourceVersion == row[4], "source version of \(key)")
            #expect(package.state.rawValue == row[5], "state of \(key)")
        }
    }

    @Test func parsesTheRealFileQuickly() throws {
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: Self.statusPath)))
        let parser = DpkgStatusParser(sourceName: Self.statusPath)
        _ = try parser.parse(bytes: bytes)
        var best = Duration.seconds(3600)
        for _ in 0..<5 {
            let elapsed = try ContinuousClock().measure { _ = try parser.parse(bytes: bytes) }
            best = min(best, elapsed)
        }
        // A few milliseconds in release builds; debug builds (as tests run) are several times slower.
        #expect(best < .milliseconds(250), "parsing \(bytes.count) bytes took \(best)")
    }
}
