import Foundation
import Testing

@testable import SecurityAdvisories

@Suite struct KEVReaderTests {
    let source = "kev/known_exploited_vulnerabilities.json"

    @Test func readsTheRealCatalogue() throws {
        let catalog = try KEVReader().read(FeedReaderFixtures.data(source), source: source)
        #expect(catalog.entries.count == 1404)
        #expect(catalog.catalogVersion == "2025.08.25")
        #expect(catalog.skipped.isEmpty)
        #expect(Set(catalog.entries.map(\.cveID)).count == 1404)
        // 2025-08-25T17:04:19.9796Z
        #expect(abs(catalog.dateReleased.timeIntervalSince1970 - 1_756_141_459.9796) < 0.001)
        let git = try #require(catalog.entries.first)
        #expect(git.cveID == "CVE-2025-48384")
        #expect(git.vendorProject == "Git")
        #expect(git.name == "Git Link Following Vulnerability")
        #expect(git.dateAdded == Date(timeIntervalSince1970: 1_756_080_000))  // 2025-08-25T00:00:00Z
        #expect(git.dueDate == Date(timeIntervalSince1970: 1_757_894_400))  // 2025-09-15T00:00:00Z
        #expect(git.knownRansomwareCampaignUse == "Unknown")
        let log4shell = try #require(catalog.entries.first { $0.cveID == "CVE-2021-44228" })
        #expect(log4shell.vendorProject == "Apache")
        #expect(catalog.entries.contains { $0.knownRansomwareCampaignUse == "Known" })
    }

    static let brokenCatalogue = """
        {"title": "t", "catalogVersion": "2025.01.02", "dateReleased": "2025-01-02T10:00:00.000Z", "count": 3,
         "vulnerabilities": [
          {"cveID": "CVE-2024-0001", "vendorProject": "V", "product": "P", "vulnerabilityName": "N",
           "dateAdded": "2025-01-01", "dueDate": "2025-01-22", "requiredAction": "Patch.",
           "knownRansomwareCampaignUse": "Known"},
          {"cveID": "CVE-2024-0002", "vendorProject": "V", "product": "P", "vulnerabilityName": "N",
           "dateAdded": "2025-13-01", "dueDate": "2025-01-22", "requiredAction": "Patch."},
          {"cveID": "CVE-2024-0003", "vendorProject": "V", "product": "P", "vulnerabilityName": "N",
           "dateAdded": "2025-01-02", "dueDate": "2025-01-23", "requiredAction": "Patch."}
         ]}
        """

    @Test func brokenEntryFailsNamingFileRecordAndField() {
        #expect {
            try KEVReader().read(Data(Self.brokenCatalogue.utf8), source: "kev.json")
        } throws: { error in
            guard let error = error as? SecurityAdvisoriesError else { return false }
            return error.code == .invalidValue && error.source == "kev.json" && error.record == "CVE-2024-0002"
                && error.field == "vulnerabilities[1].dateAdded" && error.description.contains("2025-13-01")
        }
    }

    @Test func skipPolicyKeepsTheRestAndReportsTheSkip() throws {
        let catalog = try KEVReader(policy: .skip).read(Data(Self.brokenCatalogue.utf8), source: "kev.json")
        #expect(catalog.entries.map(\.cveID) == ["CVE-2024-0001", "CVE-2024-0003"])
        #expect(catalog.skipped.count == 1)
        #expect(catalog.skipped.first?.record == "CVE-2024-0002")
        // Missing knownRansomwareCampaignUse reads as Unknown.
        #expect(catalog.entries[1].knownRansomwareCampaignUse == "Unknown")
    }

    @Test func countMismatchIsReported() {
        let text = Self.brokenCatalogue.replacingOccurrences(of: "2025-13-01", with: "2025-01-01")
            .replacingOccurrences(of: "\"count\": 3", with: "\"count\": 4")
        #expect(throws: SecurityAdvisoriesError.self) {
            try KEVReader().read(Data(text.utf8), source: "kev.json")
        }
    }

    /// libFuzzer (target kev) found `Int(count)` trapping on a count beyond Int's range.
    @Test(arguments: ["33333333333333333333333333336", "1e300", "-1e19", "2.5"])
    func countThatIsNotAnEntryCountIsReported(count: String) throws {
        let text = Self.brokenCatalogue.replacingOccurrences(of: "2025-13-01", with: "2025-01-01")
            .replacingOccurrences(of: "\"count\": 3", with: "\"count\": \(count)")
        let error = try #require(throws: SecurityAdvisoriesError.self) {
            try KEVReader().read(Data(text.utf8), source: "kev.json")
        }
        #expect(error.field == "count")
        #expect(error.message.hasSuffix("entries, the file has 3"))
    }

    @Test(arguments: [
        ("2021-11-03", 1_635_897_600.0),
        ("2021-12-16T22:34:00Z", 1_639_694_040.0),
        ("2022-03-03T11:00:00.000Z", 1_646_305_200.0),
        ("2021-12-10T10:15:09.143", 1_639_131_309.143),
        ("2023-06-05T00:00:00+0000", 1_685_923_200.0),
        ("2099-02-01T00:00:00+00:00", 4_073_587_200.0),
        ("2023-06-05T02:00:00+02:00", 1_685_923_200.0),
        ("2024-02-29", 1_709_164_800.0),
    ])
    func timestamps(text: String, seconds: Double) throws {
        let date = try #require(FeedTimestamp.parse(text))
        #expect(abs(date.timeIntervalSince1970 - seconds) < 0.0005)
    }

    @Test(arguments: ["2023-02-29", "2023-1-05", "2023-06-05T25:00:00Z", "2023-06-05T10:00:00+", "yesterday", ""])
    func invalidTimestamps(text: String) {
        #expect(FeedTimestamp.parse(text) == nil)
    }
}
