import Foundation
import Testing

@testable import SecurityAdvisories

@Suite struct NVDReaderTests {
    let path = "nvd/nvd-cve-2.0-sample.json"

    @Test func readsTheSample() throws {
        let result = try NVDReader().read(FeedReaderFixtures.data(path), source: path)
        #expect(result.advisories.map(\.id) == ["CVE-2021-44228", "CVE-2024-6387", "CVE-2099-2000", "CVE-2099-2001"])
        let log4shell = result.advisories[0]
        #expect(log4shell.source == .nvd && log4shell.affected.isEmpty)
        #expect(
            log4shell.cvss == [
                CVSSRecord(version: "3.1", vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", baseScore: 10),
                CVSSRecord(version: "2.0", vector: "AV:N/AC:M/Au:N/C:C/I:C/A:C", baseScore: 9.3),
            ]
        )
        #expect(log4shell.severity == .critical)
        #expect(log4shell.details.hasPrefix("Apache Log4j2 2.0-beta9"))
        #expect(log4shell.summary.hasSuffix("related endpoints."))
        #expect(log4shell.references.count == 2)
        #expect(log4shell.published == Date(timeIntervalSince1970: 1_639_131_309.143))
        #expect(result.advisories[1].severity == .high)
        #expect(result.advisories[2].cvss.map(\.version) == ["4.0", "3.0"])
        #expect(result.advisories[3].withdrawn == result.advisories[3].modified)
        #expect(result.advisories[3].severity == .unknown)
    }

    static let broken = """
        {"format": "NVD_CVE", "version": "2.0", "vulnerabilities": [
          {"cve": {"id": "CVE-2024-0001", "lastModified": "2024-01-01T00:00:00.000", "descriptions": []}},
          {"cve": {"id": "CVE-2024-0002", "lastModified": "2024-01-01T00:00:00.000",
                   "metrics": {"cvssMetricV31": [{"type": "Primary", "cvssData": {"baseScore": 5.0}}]}}},
          {"cve": {"id": "CVE-2024-0003", "lastModified": "2024-01-01T00:00:00.000"}}
        ]}
        """

    @Test func brokenRecordIsNamed() {
        #expect {
            try NVDReader().read(Data(Self.broken.utf8), source: "page1.json")
        } throws: { error in
            guard let error = error as? SecurityAdvisoriesError else { return false }
            return error.code == .missingField && error.record == "CVE-2024-0002"
                && error.field == "vulnerabilities[1].cve.metrics.cvssMetricV31[0].cvssData.vectorString"
        }
    }

    @Test func skipKeepsTheRest() throws {
        let result = try NVDReader(policy: .skip).read(Data(Self.broken.utf8), source: "page1.json")
        #expect(result.advisories.map(\.id) == ["CVE-2024-0001", "CVE-2024-0003"])
        #expect(result.skipped.map(\.record) == ["CVE-2024-0002"])
    }

    @Test func otherFormatsAreRefused() {
        #expect(throws: SecurityAdvisoriesError.self) {
            try NVDReader().read(Data(#"{"format": "NVD_CPE", "products": []}"#.utf8), source: "cpe.json")
        }
        #expect(throws: SecurityAdvisoriesError.self) {
            try NVDReader().read(Data("not json".utf8), source: "x.json")
        }
    }
}
