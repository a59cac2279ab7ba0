import Testing

@testable import SecurityAdvisories

@Suite struct CVSSv4Tests {
    struct Case: Sendable, CustomTestStringConvertible {
        var vector: String
        var score: Double
        var severity: Severity
        var testDescription: String { vector }
    }

    // Values of FIRST's reference calculator (cvss-v4-calculator).
    static let cases: [Case] = [
        .init(
            vector: "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H",
            score: 10.0,
            severity: .critical
        ),
        .init(
            vector: "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
            score: 9.3,
            severity: .critical
        ),
        .init(vector: "CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", score: 8.5, severity: .high),
        .init(vector: "CVSS:4.0/AV:L/AC:L/AT:N/PR:N/UI:P/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", score: 8.5, severity: .high),
        .init(vector: "CVSS:4.0/AV:A/AC:H/AT:P/PR:L/UI:P/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N", score: 1.0, severity: .low),
        .init(vector: "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N", score: 0.0, severity: .none),
        .init(
            vector: "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:U",
            score: 8.1,
            severity: .high
        ),
        .init(
            vector: "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/CR:L/IR:L/AR:L",
            score: 8.9,
            severity: .high
        ),
        .init(
            vector: "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:P/CR:L/IR:L/AR:L",
            score: 7.9,
            severity: .high
        ),
        // MSI:S (safety) puts the vector in EQ4 level 0.
        .init(
            vector: "CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:L/VI:L/VA:L/SC:L/SI:L/SA:L/MSI:S",
            score: 4.6,
            severity: .medium
        ),
        // Supplemental metrics do not change the score.
        .init(
            vector: "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/S:P/AU:Y/R:I/V:C/RE:H/U:Red",
            score: 9.3,
            severity: .critical
        ),
    ]

    @Test(arguments: cases)
    func scores(_ example: Case) throws {
        let score = try CVSS.parse(example.vector)
        #expect(score.version == .v4_0)
        #expect(score.baseScore == example.score)
        #expect(score.baseSeverity == example.severity)
        #expect(score.temporalScore == nil)
    }

    @Test func threatAndEnvironmentalScoresAndNomenclature() throws {
        let base = try CVSS.parse("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N")
        #expect(base.nomenclature == "CVSS-B")
        #expect(base.threatScore == nil && base.environmentalScore == nil)

        let threat = try CVSS.parse("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:U")
        #expect(threat.nomenclature == "CVSS-BT")
        #expect(threat.threatScore == 8.1 && threat.threatSeverity == .high)

        let both = try CVSS.parse("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:U/CR:L")
        #expect(both.nomenclature == "CVSS-BTE")
        #expect(both.baseScore == 8.0)
        #expect(both.threatScore == 8.1)  // CVSS-BT: the environmental metrics left out.
        #expect(both.environmentalScore == 8.0)

        let environmental = try CVSS.parse(
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/CR:L/IR:L/AR:L"
        )
        #expect(environmental.nomenclature == "CVSS-BE")
        #expect(environmental.environmentalScore == 8.9 && environmental.threatScore == nil)

        // X is "not defined": no threat or environmental part.
        let undefined = try CVSS.parse("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:X/CR:X/MAV:X")
        #expect(undefined.nomenclature == "CVSS-B")
        #expect(undefined.baseScore == 9.3)
    }

    @Test func macroVectorFollowsTheEquivalenceSets() {
        let calculator = CVSSv4Calculator(metrics: [
            "AV": "N", "AC": "L", "AT": "N", "PR": "N", "UI": "N", "VC": "H", "VI": "H", "VA": "H",
            "SC": "N", "SI": "N", "SA": "N",
        ])
        #expect(calculator.macroVector() == [0, 0, 0, 2, 0, 0])
        let lowered = CVSSv4Calculator(metrics: [
            "AV": "P", "AC": "H", "AT": "N", "PR": "N", "UI": "N", "VC": "L", "VI": "N", "VA": "N",
            "SC": "H", "SI": "N", "SA": "N", "E": "U", "MSA": "S",
        ])
        #expect(lowered.macroVector() == [2, 1, 2, 0, 2, 1])
    }

    @Test func lookupTableIsComplete() {
        // 3 × 2 × (EQ3/EQ6: 0/0, 0/1, 1/0, 1/1, 2/1) × 3 × 3 = 270 MacroVectors.
        #expect(CVSSv4Tables.macroVectorScores.count == 270)
        #expect(CVSSv4Tables.macroVectorScores["000000"] == 10.0)
        #expect(CVSSv4Tables.macroVectorScores["212221"] == 0.1)
        #expect(CVSSv4Tables.macroVectorScores.keys.allSatisfy { !($0.dropFirst(2).first == "2" && $0.last == "0") })
    }
}
