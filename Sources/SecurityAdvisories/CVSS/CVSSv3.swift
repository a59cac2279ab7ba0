/// CVSS v3.0 and v3.1 metrics and equations (FIRST, "CVSS v3.1: Specification Document",
/// section 7 and Appendix A; v3.0 differs only in its round-up function and the modified impact
/// formula for a changed scope).
enum CVSSv3 {
    private static let impact = [("H", "HIGH"), ("L", "LOW"), ("N", "NONE")]
    private static let requirement = [("X", "NOT_DEFINED"), ("H", "HIGH"), ("M", "MEDIUM"), ("L", "LOW")]
    private static let attackVector = [("N", "NETWORK"), ("A", "ADJACENT_NETWORK"), ("L", "LOCAL"), ("P", "PHYSICAL")]
    private static let complexity = [("L", "LOW"), ("H", "HIGH")]
    private static let privileges = [("N", "NONE"), ("L", "LOW"), ("H", "HIGH")]
    private static let interaction = [("N", "NONE"), ("R", "REQUIRED")]
    private static let scope = [("U", "UNCHANGED"), ("C", "CHANGED")]
    private static let notDefined = [("X", "NOT_DEFINED")]

    private static let definitions: [CVSSMetricDefinition] = [
        .init("AV", "attackVector", attackVector, mandatory: true),
        .init("AC", "attackComplexity", complexity, mandatory: true),
        .init("PR", "privilegesRequired", privileges, mandatory: true),
        .init("UI", "userInteraction", interaction, mandatory: true),
        .init("S", "scope", scope, mandatory: true),
        .init("C", "confidentialityImpact", impact, mandatory: true),
        .init("I", "integrityImpact", impact, mandatory: true),
        .init("A", "availabilityImpact", impact, mandatory: true),
        .init(
            "E",
            "exploitCodeMaturity",
            [("X", "NOT_DEFINED"), ("H", "HIGH"), ("F", "FUNCTIONAL"), ("P", "PROOF_OF_CONCEPT"), ("U", "UNPROVEN")]
        ),
        .init(
            "RL",
            "remediationLevel",
            [
                ("X", "NOT_DEFINED"), ("U", "UNAVAILABLE"), ("W", "WORKAROUND"), ("T", "TEMPORARY_FIX"),
                ("O", "OFFICIAL_FIX"),
            ]
        ),
        .init(
            "RC",
            "reportConfidence",
            [("X", "NOT_DEFINED"), ("C", "CONFIRMED"), ("R", "REASONABLE"), ("U", "UNKNOWN")]
        ),
        .init("CR", "confidentialityRequirement", requirement),
        .init("IR", "integrityRequirement", requirement),
        .init("AR", "availabilityRequirement", requirement),
        .init("MAV", "modifiedAttackVector", notDefined + attackVector),
        .init("MAC", "modifiedAttackComplexity", notDefined + complexity),
        .init("MPR", "modifiedPrivilegesRequired", notDefined + privileges),
        .init("MUI", "modifiedUserInteraction", notDefined + interaction),
        .init("MS", "modifiedScope", notDefined + scope),
        .init("MC", "modifiedConfidentialityImpact", notDefined + impact),
        .init("MI", "modifiedIntegrityImpact", notDefined + impact),
        .init("MA", "modifiedAvailabilityImpact", notDefined + impact),
    ]

    static let parser30 = CVSSVectorParser(version: .v3_0, definitions: definitions)
    static let parser31 = CVSSVectorParser(version: .v3_1, definitions: definitions)

    /// Numeric values (specification section 7.4). PR depends on the scope, see ``privilegesWeight``.
    private static let weights: [String: [String: Double]] = [
        "AV": ["N": 0.85, "A": 0.62, "L": 0.55, "P": 0.2],
        "AC": ["L": 0.77, "H": 0.44],
        "UI": ["N": 0.85, "R": 0.62],
        "CIA": ["H": 0.56, "L": 0.22, "N": 0],
        "E": ["X": 1, "H": 1, "F": 0.97, "P": 0.94, "U": 0.91],
        "RL": ["X": 1, "U": 1, "W": 0.97, "T": 0.96, "O": 0.95],
        "RC": ["X": 1, "C": 1, "R": 0.96, "U": 0.92],
        "CR": ["X": 1, "H": 1.5, "M": 1, "L": 0.5],
    ]

    private static func privilegesWeight(_ value: String, scopeChanged: Bool) -> Double {
        switch value {
        case "N": 0.85
        case "L": scopeChanged ? 0.68 : 0.62
        default: scopeChanged ? 0.5 : 0.27
        }
    }

    static func score(version: CVSSVersion, vectorString: String, metrics: [String: String]) -> CVSSScore {
        let roundUp = version == .v3_0 ? CVSSRounding.roundUp30 : CVSSRounding.roundUp31
        func value(_ metric: String) -> String { metrics[metric] ?? "X" }
        /// The modified metric, or the base metric when the modified one is absent or X.
        func modified(_ metric: String) -> String {
            let given = value("M" + metric)
            return given == "X" ? metrics[metric]! : given
        }
        func w(_ table: String, _ code: String) -> Double { weights[table]![code]! }

        // Base.
        let scopeChanged = metrics["S"] == "C"
        let iss = 1 - (1 - w("CIA", metrics["C"]!)) * (1 - w("CIA", metrics["I"]!)) * (1 - w("CIA", metrics["A"]!))
        let impact = scopeChanged ? 7.52 * (iss - 0.029) - 3.25 * pow(iss - 0.02, 15) : 6.42 * iss
        let exploitability =
            8.22 * w("AV", metrics["AV"]!) * w("AC", metrics["AC"]!)
            * privilegesWeight(metrics["PR"]!, scopeChanged: scopeChanged) * w("UI", metrics["UI"]!)
        let baseScore: Double
        if impact <= 0 {
            baseScore = 0
        } else {
            baseScore = roundUp(min((scopeChanged ? 1.08 : 1) * (impact + exploitability), 10))
        }

        // Temporal.
        // Multiplied left to right, as the specification writes it and FIRST's calculator computes it.
        func temporal(_ score: Double) -> Double {
            roundUp(score * w("E", value("E")) * w("RL", value("RL")) * w("RC", value("RC")))
        }
        let temporalScore = temporal(baseScore)

        // Environmental.
        let modifiedScopeChanged = modified("S") == "C"
        let miss = min(
            1
                - (1 - w("CIA", modified("C")) * w("CR", value("CR")))
                    * (1 - w("CIA", modified("I")) * w("CR", value("IR")))
                    * (1 - w("CIA", modified("A")) * w("CR", value("AR"))),
            0.915
        )
        let modifiedImpact: Double
        if !modifiedScopeChanged {
            modifiedImpact = 6.42 * miss
        } else if version == .v3_0 {
            modifiedImpact = 7.52 * (miss - 0.029) - 3.25 * pow(miss - 0.02, 15)
        } else {
            modifiedImpact = 7.52 * (miss - 0.029) - 3.25 * pow(miss * 0.9731 - 0.02, 13)
        }
        let modifiedExploitability =
            8.22 * w("AV", modified("AV")) * w("AC", modified("AC"))
            * privilegesWeight(modified("PR"), scopeChanged: modifiedScopeChanged) * w("UI", modified("UI"))
        let environmentalScore: Double
        if modifiedImpact <= 0 {
            environmentalScore = 0
        } else {
            let modifiedBase = roundUp(
                min((modifiedScopeChanged ? 1.08 : 1) * (modifiedImpact + modifiedExploitability), 10)
            )
            environmentalScore = temporal(modifiedBase)
        }

        return CVSSScore(
            version: version,
            vectorString: vectorString,
            metrics: metrics,
            baseScore: baseScore,
            temporalScore: temporalScore,
            environmentalScore: environmentalScore
        )
    }

    /// Integer powers by repeated multiplication (the exponents are 13 and 15), avoiding Foundation.
    private static func pow(_ base: Double, _ exponent: Int) -> Double {
        var result = 1.0
        for _ in 0..<exponent { result *= base }
        return result
    }
}
