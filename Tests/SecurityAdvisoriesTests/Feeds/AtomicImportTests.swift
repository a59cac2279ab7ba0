import Foundation
import SecurityAdvisories
import Testing

/// What `patchpilot scan` and `feeds import` rely on before anything is stored: every real fixture
/// is recognised as its format by ``FeedDocumentReader/detect(name:data:)`` and reads without
/// error through ``FeedDocumentReader``; a broken record fails the whole document under `.fail`
/// (naming file, line and record) and costs only that record under `.skip`.
@Suite struct AtomicImportTests {
    static let fixtures = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // Feeds
        .deletingLastPathComponent()  // SecurityAdvisoriesTests
        .appendingPathComponent("Fixtures")

    /// Every fixture file (relative path) and the format it is in, by the folder it sits in.
    static func expectedFormats() throws -> [(path: String, format: FeedFormat)] {
        let enumerator = FileManager.default.enumerator(atPath: fixtures.path)
        var files: [(String, FeedFormat)] = []
        while let relative = enumerator?.nextObject() as? String {
            var isDirectory: ObjCBool = false
            let full = fixtures.appendingPathComponent(relative).path
            guard FileManager.default.fileExists(atPath: full, isDirectory: &isDirectory), !isDirectory.boolValue,
                !relative.hasSuffix(".md")
            else { continue }
            let folder = relative.split(separator: "/").first.map(String.init) ?? ""
            let format: FeedFormat
            switch folder {
            case "alpine-secdb": format = .alpineSecDB
            case "csaf": format = .csaf
            case "debian": format = relative.hasPrefix("debian/DSA/") ? .debianDSAList : .debianDLAList
            case "debian-tracker-json": format = .debianTrackerJSON
            case "epss": format = .epss
            case "kev": format = .kev
            case "nvd": format = .nvd
            case "osv-debian", "ubuntu-osv": format = .osv
            default:
                Issue.record("fixture \(relative) is in a folder this test does not know; add it")
                continue
            }
            files.append((relative, format))
        }
        return files.sorted { $0.0 < $1.0 }
    }

    @Test func everyFixtureIsDetectedAsItsFormat() throws {
        let files = try Self.expectedFormats()
        #expect(files.count >= 55, "found only \(files.count) fixture files")
        var wrong: [String] = []
        for (path, expected) in files {
            let url = Self.fixtures.appendingPathComponent(path)
            let detected = FeedDocumentReader.detect(name: url.path, data: try Data(contentsOf: url))
            if detected != expected {
                wrong.append("\(path): detected \(detected.map(\.rawValue) ?? "nothing"), is \(expected.rawValue)")
            }
        }
        #expect(wrong.isEmpty, "\(wrong.joined(separator: "\n"))")
    }

    /// JSON documents are recognised by content alone, as a download saved under any name is.
    @Test func jsonFixturesAreDetectedWhateverTheirName() throws {
        var wrong: [String] = []
        for (path, expected) in try Self.expectedFormats() where path.hasSuffix(".json") {
            let data = try Data(contentsOf: Self.fixtures.appendingPathComponent(path))
            let detected = FeedDocumentReader.detect(name: "/tmp/download.json", data: data)
            if detected != expected {
                wrong.append("\(path): detected \(detected.map(\.rawValue) ?? "nothing"), is \(expected.rawValue)")
            }
        }
        #expect(wrong.isEmpty, "\(wrong.joined(separator: "\n"))")
    }

    /// Each fixture reads under `.fail` through the detecting reader (what `patchpilot scan` does).
    @Test func everyFixtureReadsUnderFail() throws {
        let reader = FeedDocumentReader(policy: .fail, snapshotTime: Date(timeIntervalSince1970: 1_700_000_000))
        var failures: [String] = []
        for (path, _) in try Self.expectedFormats() {
            let url = Self.fixtures.appendingPathComponent(path)
            let data = try Data(contentsOf: url)
            guard let format = FeedDocumentReader.detect(name: url.path, data: data) else { continue }
            do {
                let content = try reader.read(data, name: path, format: format)
                let records = content.advisories.count + content.knownExploited.count + content.epss.count
                if records == 0 { failures.append("\(path): read nothing") }
            } catch {
                failures.append("\(path): \(error)")
            }
        }
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
    }

    /// The real DLA list with one bad release line in the middle, read through the detecting reader.
    @Test func brokenRecordInTheDLAListFailsWholeOrCostsOnlyItself() throws {
        let original = try String(
            decoding: Data(contentsOf: Self.fixtures.appendingPathComponent("debian/DLA/list")),
            as: UTF8.self
        )
        var lines = original.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let header = try #require(lines.firstIndex { $0.contains("DLA-2000-1") })
        let release = try #require(lines[header...].dropFirst().firstIndex { $0.hasPrefix("\t[") })
        lines[release] = "\t[stretch] - pkg <gone-fishing>"
        let broken = Data(lines.joined(separator: "\n").utf8)
        let name = "/feeds/DLA/list"
        let format = try #require(FeedDocumentReader.detect(name: name, data: broken))
        #expect(format == .debianDLAList)

        let strict = FeedDocumentReader(policy: .fail, snapshotTime: Date())
        let error = try #require(throws: SecurityAdvisoriesError.self) {
            try strict.read(broken, name: name, format: format)
        }
        #expect(error.source == name)
        #expect(error.line == release + 1)
        #expect(error.record == "DLA-2000-1")
        #expect(error.description.hasPrefix("\(name):\(release + 1): record DLA-2000-1"), "\(error)")

        let clean = try strict.read(Data(original.utf8), name: name, format: format)
        let lenient = try FeedDocumentReader(policy: .skip, snapshotTime: Date()).read(
            broken,
            name: name,
            format: format
        )
        #expect(lenient.skipped.count == 1)
        #expect(lenient.skipped.first?.record == "DLA-2000-1")
        #expect(lenient.skipped.first?.line == release + 1)
        #expect(lenient.advisories.count == clean.advisories.count - 1)
        #expect(!lenient.advisories.contains { $0.id == "DLA-2000-1" })
        // The neighbours are intact, entry for entry.
        let neighbours = Set(clean.advisories.map(\.id)).subtracting(["DLA-2000-1"])
        #expect(Set(lenient.advisories.map(\.id)) == neighbours)
        #expect(
            lenient.advisories.map(\.affected) == clean.advisories.filter { $0.id != "DLA-2000-1" }.map(\.affected)
        )
    }

    /// A truncated JSON document fails whatever the policy: nothing of it is half-read.
    @Test(arguments: [
        "kev/known_exploited_vulnerabilities.json", "csaf/rhsa-2022_0011.json", "nvd/nvd-cve-2.0-sample.json",
    ])
    func truncatedDocumentFailsUnderSkipToo(path: String) throws {
        let data = try Data(contentsOf: Self.fixtures.appendingPathComponent(path))
        let truncated = data.prefix(data.count / 2)
        let format = try #require(FeedDocumentReader.detect(name: path, data: Data(truncated)))
        let error = try #require(throws: SecurityAdvisoriesError.self) {
            try FeedDocumentReader(policy: .skip, snapshotTime: Date()).read(
                Data(truncated),
                name: path,
                format: format
            )
        }
        #expect(error.source == path)
    }
}
