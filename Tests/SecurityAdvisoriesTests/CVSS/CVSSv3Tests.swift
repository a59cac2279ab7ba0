import Testing

@testable import SecurityAdvisories

@Suite struct CVSSv3Tests {
    struct Case: Sendable, CustomTestStringConvertible {
        var vector: String
        var scores: [Double]
        var severities: [Severity]
        var testDescription: String { vector }
    }

    // Specification examples (CVSS v3.1 User Guide / Examples document) and vectors checked
    // against FIRST's calculator.
    static let cases: [Case] = [
        .init(
            vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
            scores: [9.8, 9.8, 9.8],
            severities: [.critical, .critical, .critical]
        ),
        .init(
            vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H",
            scores: [10.0, 10.0, 10.0],
            severities: [.critical, .critical, .critical]
        ),
        // Examples document: phpMyAdmin reflected XSS (CVE-2013-1937).
        .init(
            vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N",
            scores: [6.1, 6.1, 6.1],
            severities: [.medium, .medium, .medium]
        ),
        // Examples document: OpenSSL Heartbleed (CVE-2014-0160).
        .init(
            vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N",
            scores: [7.5, 7.5, 7.5],
            severities: [.high, .high, .high]
        ),
        .init(
            vector: "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:N/I:N/A:N",
            scores: [0.0, 0.0, 0.0],
            severities: [.none, .none, .none]
        ),
        .init(
            vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:P/RL:O/RC:C",
            scores: [9.8, 8.8, 8.8],
            severities: [.critical, .high, .high]
        ),
        .init(
            vector:
                "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:U/RL:O/RC:U/CR:L/IR:L/AR:L"
                + "/MAV:L/MAC:H/MPR:H/MUI:R/MS:C/MC:L/MI:L/MA:L",
            scores: [9.8, 7.8, 2.4],
            severities: [.critical, .high, .low]
        ),
        .init(
            vector: "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H/MS:C/CR:H/IR:H/AR:H",
            scores: [7.8, 7.8, 8.8],
            severities: [.high, .high, .high]
        ),
        // Metrics in any order.
        .init(
            vector: "CVSS:3.1/A:H/I:H/C:H/S:U/UI:N/PR:N/AC:L/AV:N",
            scores: [9.8, 9.8, 9.8],
            severities: [.critical, .critical, .critical]
        ),
    ]

    @Test(arguments: cases)
    func scores(_ example: Case) throws {
        let score = try CVSS.parse(example.vector)
        #expect(score.version == (example.vector.hasPrefix("CVSS:3.0/") ? .v3_0 : .v3_1))
        #expect([score.baseScore, score.temporalScore, score.environmentalScore] == example.scores)
        #expect([score.baseSeverity, score.temporalSeverity, score.environmentalSeverity] == example.severities)
        #expect(score.threatScore == nil)
    }

    /// 5.0 × 0.92 is 4.6000000000000005 in binary floating point; the spec's Roundup gives 4.6
    /// where a naive ceil(x × 10) / 10 gives 4.7.
    @Test(arguments: ["CVSS:3.1", "CVSS:3.0"])
    func temporalRoundupAbsorbsFloatError(_ prefix: String) throws {
        let score = try CVSS.parse("\(prefix)/AV:N/AC:L/PR:L/UI:N/S:C/C:L/I:N/A:N/RC:U")
        #expect(score.baseScore == 5.0)
        #expect(score.temporalScore == 4.6)
    }

    /// v3.0 and v3.1 differ in the modified impact for a changed modified scope
    /// (3.1: 3.25 × (MISS × 0.9731 − 0.02)^13; 3.0: 3.25 × (MISS − 0.02)^15).
    @Test func v30AndV31DifferForChangedModifiedScope() throws {
        let body = "AV:A/AC:L/PR:L/UI:N/S:U/C:L/I:L/A:N/E:H/RL:T/RC:R/CR:H/MS:C/MC:H/MI:N/MA:H/MAV:P"
        let v30 = try CVSS.parse("CVSS:3.0/" + body)
        let v31 = try CVSS.parse("CVSS:3.1/" + body)
        #expect(v30.version == .v3_0)
        #expect([v30.baseScore, v30.temporalScore, v30.environmentalScore] == [4.6, 4.3, 6.9])
        #expect([v31.baseScore, v31.temporalScore, v31.environmentalScore] == [4.6, 4.3, 7.0])
        #expect(v30.environmentalSeverity == .medium)
        #expect(v31.environmentalSeverity == .high)
    }

    @Test func privilegesRequiredDependsOnScope() throws {
        // PR:L weighs 0.62 with scope unchanged and 0.68 with scope changed.
        #expect(try CVSS.parse("CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H").baseScore == 8.8)
        #expect(try CVSS.parse("CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H").baseScore == 9.9)
        // The modified scope governs MPR (and PR when MPR is X): 1.08 × (impact + exploitability)
        // caps at 10.0 here.
        #expect(try CVSS.parse("CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H/MS:C").environmentalScore == 10.0)
    }

    @Test func notDefinedMetricsLeaveScoresAlone() throws {
        let plain = try CVSS.parse("CVSS:3.1/AV:N/AC:H/PR:L/UI:R/S:U/C:L/I:L/A:L")
        let undefined = try CVSS.parse(
            "CVSS:3.1/AV:N/AC:H/PR:L/UI:R/S:U/C:L/I:L/A:L/E:X/RL:X/RC:X/CR:X/IR:X/AR:X"
                + "/MAV:X/MAC:X/MPR:X/MUI:X/MS:X/MC:X/MI:X/MA:X"
        )
        #expect(plain.baseScore == undefined.baseScore)
        #expect(plain.temporalScore == undefined.temporalScore)
        #expect(plain.environmentalScore == undefined.environmentalScore)
        #expect(plain.baseScore == plain.environmentalScore)
    }
}
