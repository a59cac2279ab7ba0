import Foundation
import Testing

@testable import SecurityAdvisories

@Suite struct EPSSReaderTests {
    @Test(arguments: ["epss/epss_scores-2023-06-05.csv", "epss/epss_scores-2023-06-05.csv.gz"])
    func readsPlainAndGzip(path: String) throws {
        let result = try EPSSReader().read(FeedReaderFixtures.data(path), source: path)
        #expect(result.scores.count == 50)
        #expect(result.modelVersion == "v2023.03.01")
        #expect(result.scoreDate == Date(timeIntervalSince1970: 1_685_923_200))
        let log4shell = try #require(result.scores.first { $0.cveID == "CVE-2021-44228" })
        #expect(log4shell.score == 0.97565)
        #expect(log4shell.percentile == 0.98)
        #expect(log4shell.modelVersion == "v2023.03.01")
        #expect(log4shell.date == result.scoreDate)
        #expect(result.scores.first?.cveID == "CVE-1999-0001")
    }

    static let broken = """
        #model_version:v2023.03.01,score_date:2023-06-05T00:00:00+0000\r
        cve,epss,percentile\r
        CVE-2021-44228,0.97565,1.00000\r
        CVE-2023-0001,1.7,0.5\r
        \r
        CVE-2023-0002,0.1,0.6\r
        """

    @Test func badRowNamesLineAndField() {
        #expect {
            try EPSSReader().read(Data(Self.broken.utf8), source: "epss.csv")
        } throws: { error in
            guard let error = error as? SecurityAdvisoriesError else { return false }
            return error.line == 4 && error.field == "epss" && error.record == "CVE-2023-0001"
                && error.description.hasPrefix("epss.csv:4")
        }
    }

    @Test func skipPolicyKeepsOtherRows() throws {
        let result = try EPSSReader(policy: .skip).read(Data(Self.broken.utf8), source: "epss.csv")
        #expect(result.scores.map(\.cveID) == ["CVE-2021-44228", "CVE-2023-0002"])
        #expect(result.skipped.map(\.line) == [4])
    }

    @Test func headerlessOlderFilesAndColumnOrder() throws {
        let text = "percentile,cve,epss\n0.5,CVE-2020-0001,0.25\n"
        let result = try EPSSReader().read(Data(text.utf8), source: "old.csv")
        #expect(result.scores == [EPSSScore(cveID: "CVE-2020-0001", score: 0.25, percentile: 0.5)])
        #expect(result.modelVersion == nil)
    }

    @Test func missingHeaderIsMalformed() {
        #expect(throws: SecurityAdvisoriesError.self) {
            try EPSSReader().read(Data("CVE-2020-0001,0.2,0.3\n".utf8), source: "x.csv")
        }
        #expect(throws: SecurityAdvisoriesError.self) {
            try EPSSReader().read(Data("cve,epss\nCVE-2020-0001,0.2\n".utf8), source: "x.csv")
        }
    }
}
