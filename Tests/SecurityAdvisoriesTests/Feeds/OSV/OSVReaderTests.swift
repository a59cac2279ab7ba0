import Foundation
import SecurityAdvisories
import Testing

/// Document shapes, malformed records and the invalid-record policy, on real records.
@Suite struct OSVReaderTests {
    private static let names = ["DLA-3008-1.json", "DLA-3012-1.json", "DSA-3029-1.json"]

    private func records() throws -> [[String: Any]] {
        try Self.names.map { try FeedFixtureFiles.jsonObject("osv-debian/\($0)") }
    }

    @Test func arrayAndNewlineDelimitedDocuments() throws {
        let records = try records()
        let array = try OSVReader().read(FeedFixtureFiles.compactJSON(records), source: "array.json")
        #expect(array.advisories.map(\.id) == ["DLA-3008-1", "DLA-3012-1", "DSA-3029-1"])
        var lines = Data()
        for record in records {
            lines += try FeedFixtureFiles.compactJSON(record)
            lines += Data("\r\n\n".utf8)
        }
        let delimited = try OSVReader().read(lines, source: "records.ndjson")
        #expect(delimited.advisories == array.advisories)
    }

    @Test(arguments: [
        ("2014-09-20T08:18:07Z", 0.0),
        ("2026-03-09T01:23:33.375630Z", 0.375_630),
        ("2024-07-01T11:06:31.5+02:00", 0.5),
    ])
    func rfc3339Timestamps(text: String, fraction: Double) throws {
        var record = try records()[0]
        record["modified"] = text
        let advisory = try #require(
            try OSVReader().read(FeedFixtureFiles.compactJSON(record), source: "x").advisories.first
        )
        let seconds = advisory.modified.timeIntervalSince1970
        #expect(abs((seconds - seconds.rounded(.down)) - fraction) < 0.000_01)
    }

    @Test func offsetIsApplied() throws {
        var record = try records()[0]
        record["modified"] = "2024-07-01T11:06:31+02:00"
        let advisory = try #require(
            try OSVReader().read(FeedFixtureFiles.compactJSON(record), source: "x").advisories.first
        )
        #expect(advisory.modified == FeedFixtureFiles.utc(2024, 7, 1, 9, 6, 31))
    }

    /// The middle record is broken in each case; the error names file, record and field.
    @Test(arguments: [
        ("missing id", "#1", "id", "missingField"),
        ("bad modified", "DLA-3012-1", "modified", "invalidValue"),
        ("affected not an array", "DLA-3012-1", "affected", "invalidValue"),
        ("events not an array", "DLA-3012-1", "affected[0].ranges[0].events", "invalidValue"),
        ("unknown event", "DLA-3012-1", "affected[0].ranges[0].events[1].patched", "invalidValue"),
        ("package without name", "DLA-3012-1", "affected[0].package.name", "missingField"),
    ])
    func brokenRecordInTheMiddle(breakage: String, record: String, field: String, code: String) throws {
        var records = try records()
        var broken = records[1]
        switch breakage {
        case "missing id": broken["id"] = nil
        case "bad modified": broken["modified"] = "yesterday"
        case "affected not an array": broken["affected"] = ["package": ["name": "libxml2"]]
        case "events not an array", "unknown event":
            var affected = try #require(broken["affected"] as? [[String: Any]])
            var ranges = try #require(affected[0]["ranges"] as? [[String: Any]])
            ranges[0]["events"] =
                breakage == "events not an array" ? "0" as Any : [["introduced": "0"], ["patched": "1.0"]] as Any
            affected[0]["ranges"] = ranges
            broken["affected"] = affected
        default:
            var affected = try #require(broken["affected"] as? [[String: Any]])
            affected[0]["package"] = ["ecosystem": "Debian:9"]
            broken["affected"] = affected
        }
        records[1] = broken
        let document = try FeedFixtureFiles.compactJSON(records)

        let error = try #require(throws: SecurityAdvisoriesError.self) {
            try OSVReader(policy: .fail).read(document, source: "feed.json")
        }
        #expect(error.source == "feed.json")
        #expect(error.record == record)
        #expect(error.field == field)
        #expect(error.code.description == code)
        #expect(error.description.contains("feed.json: record \(record): field \(field)"))

        let result = try OSVReader(policy: .skip).read(document, source: "feed.json")
        #expect(result.advisories.map(\.id) == ["DLA-3008-1", "DSA-3029-1"])
        #expect(result.skipped == [error])
    }

    @Test func brokenLineInNewlineDelimitedDocumentNamesTheLine() throws {
        let records = try records()
        var lines = Data()
        lines += try FeedFixtureFiles.compactJSON(records[0]) + Data("\n".utf8)
        lines += Data("{\"id\": \"BROKEN\", \n".utf8)
        lines += try FeedFixtureFiles.compactJSON(records[2]) + Data("\n".utf8)
        let error = try #require(throws: SecurityAdvisoriesError.self) {
            try OSVReader().read(lines, source: "records.ndjson")
        }
        #expect(error.line == 2)
        #expect(error.code == .malformedDocument)
        let result = try OSVReader(policy: .skip).read(lines, source: "records.ndjson")
        #expect(result.advisories.map(\.id) == ["DLA-3008-1", "DSA-3029-1"])
        #expect(result.skipped.map(\.line) == [2])
    }

    @Test func brokenFileInADirectoryIsSkippedUnderSkip() throws {
        var files = try FeedFixtureFiles.directory("osv-debian")
        files.insert((name: "broken.json", data: Data("{\"id\": ".utf8)), at: 3)
        let error = try #require(throws: SecurityAdvisoriesError.self) { try OSVReader().readFiles(files) }
        #expect(error.source == "broken.json")
        let result = try OSVReader(policy: .skip).readFiles(files)
        #expect(result.advisories.count == 8)
        #expect(result.skipped.map(\.source) == ["broken.json"])
    }

    @Test func nonDistributionEcosystemsAreIgnoredNotErrors() throws {
        var record = try records()[0]
        var affected = try #require(record["affected"] as? [[String: Any]])
        affected.append(["package": ["ecosystem": "npm", "name": "left-pad"], "versions": ["1.0.0"]])
        record["affected"] = affected
        let result = try OSVReader().read(FeedFixtureFiles.compactJSON(record), source: "x.json")
        #expect(result.skipped.isEmpty)
        #expect(result.ignoredEntries == ["npm": 1])
        #expect(result.advisories.first?.affected.count == 1)
    }

    @Test func lowestFixedEventWins() throws {
        var record = try records()[0]
        var affected = try #require(record["affected"] as? [[String: Any]])
        affected[0]["ranges"] = [
            ["type": "ECOSYSTEM", "events": [["introduced": "0"], ["fixed": "1.1.0l-1~deb9u6"]]],
            ["type": "ECOSYSTEM", "events": [["introduced": "1.1.0"], ["fixed": "1.1.0f-3+deb9u1"]]],
            ["type": "GIT", "repo": "https://example.invalid/openssl", "events": [["introduced": "0"]]],
        ]
        record["affected"] = affected
        let entry = try #require(
            try OSVReader().read(FeedFixtureFiles.compactJSON(record), source: "x.json").advisories.first?.affected
                .first
        )
        #expect(entry.fixedVersion == "1.1.0f-3+deb9u1")
        #expect(entry.ranges.count == 2)
    }
}
