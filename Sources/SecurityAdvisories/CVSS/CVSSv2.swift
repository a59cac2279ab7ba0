/// CVSS v2 metrics and equations (FIRST, "A Complete Guide to the Common Vulnerability Scoring
/// System Version 2.0", section 3.2).
enum CVSSv2 {
    private static let impact = [("N", "NONE"), ("P", "PARTIAL"), ("C", "COMPLETE")]
    private static let requirement = [("L", "LOW"), ("M", "MEDIUM"), ("H", "HIGH"), ("ND", "NOT_DEFINED")]

    static let parser = CVSSVectorParser(
        version: .v2_0,
        definitions: [
            .init(
                "AV",
                "accessVector",
                [("L", "LOCAL"), ("A", "ADJACENT_NETWORK"), ("N", "NETWORK")],
                mandatory: true
            ),
            .init("AC", "accessComplexity", [("H", "HIGH"), ("M", "MEDIUM"), ("L", "LOW")], mandatory: true),
            .init("Au", "authentication", [("M", "MULTIPLE"), ("S", "SINGLE"), ("N", "NONE")], mandatory: true),
            .init("C", "confidentialityImpact", impact, mandatory: true),
            .init("I", "integrityImpact", impact, mandatory: true),
            .init("A", "availabilityImpact", impact, mandatory: true),
            .init(
                "E",
                "exploitability",
                [
                    ("U", "UNPROVEN"), ("POC", "PROOF_OF_CONCEPT"), ("F", "FUNCTIONAL"), ("H", "HIGH"),
                    ("ND", "NOT_DEFINED"),
                ]
            ),
            .init(
                "RL",
                "remediationLevel",
                [
                    ("OF", "OFFICIAL_FIX"), ("TF", "TEMPORARY_FIX"), ("W", "WORKAROUND"), ("U", "UNAVAILABLE"),
                    ("ND", "NOT_DEFINED"),
                ]
            ),
            .init(
                "RC",
                "reportConfidence",
                [("UC", "UNCONFIRMED"), ("UR", "UNCORROBORATED"), ("C", "CONFIRMED"), ("ND", "NOT_DEFINED")]
            ),
            .init(
                "CDP",
                "collateralDamagePotential",
                [
                    ("N", "NONE"), ("L", "LOW"), ("LM", "LOW_MEDIUM"), ("MH", "MEDIUM_HIGH"), ("H", "HIGH"),
                    ("ND", "NOT_DEFINED"),
                ]
            ),
            .init(
                "TD",
                "targetDistribution",
                [("N", "NONE"), ("L", "LOW"), ("M", "MEDIUM"), ("H", "HIGH"), ("ND", "NOT_DEFINED")]
            ),
            .init("CR", "confidentialityRequirement", requirement),
            .init("IR", "integrityRequirement", requirement),
            .init("AR", "availabilityRequirement", requirement),
        ]
    )

    /// Numeric values of each metric value (guide, section 3.2.4).
    private static let weights: [String: [String: Double]] = [
        "AV": ["L": 0.395, "A": 0.646, "N": 1.0],
        "AC": ["H": 0.35, "M": 0.61, "L": 0.71],
        "Au": ["M": 0.45, "S": 0.56, "N": 0.704],
        "C": ["N": 0.0, "P": 0.275, "C": 0.660],
        "I": ["N": 0.0, "P": 0.275, "C": 0.660],
        "A": ["N": 0.0, "P": 0.275, "C": 0.660],
        "E": ["U": 0.85, "POC": 0.9, "F": 0.95, "H": 1.0, "ND": 1.0],
        "RL": ["OF": 0.87, "TF": 0.90, "W": 0.95, "U": 1.0, "ND": 1.0],
        "RC": ["UC": 0.90, "UR": 0.95, "C": 1.0, "ND": 1.0],
        "CDP": ["N": 0.0, "L": 0.1, "LM": 0.3, "MH": 0.4, "H": 0.5, "ND": 0.0],
        "TD": ["N": 0.0, "L": 0.25, "M": 0.75, "H": 1.0, "ND": 1.0],
        "CR": ["L": 0.5, "M": 1.0, "H": 1.51, "ND": 1.0],
        "IR": ["L": 0.5, "M": 1.0, "H": 1.51, "ND": 1.0],
        "AR": ["L": 0.5, "M": 1.0, "H": 1.51, "ND": 1.0],
    ]

    private static let temporalMetrics = ["E", "RL", "RC"]
    private static let environmentalMetrics = ["CDP", "TD", "CR", "IR", "AR"]

    static func score(vectorString: String, metrics: [String: String]) -> CVSSScore {
        func w(_ metric: String) -> Double { weights[metric]![metrics[metric] ?? "ND"]! }
        func defined(_ names: [String]) -> Bool { names.contains { (metrics[$0] ?? "ND") != "ND" } }

        let impact = 10.41 * (1 - (1 - w("C")) * (1 - w("I")) * (1 - w("A")))
        let adjustedImpact = min(
            10,
            10.41 * (1 - (1 - w("C") * w("CR")) * (1 - w("I") * w("IR")) * (1 - w("A") * w("AR")))
        )
        let exploitability = 20 * w("AV") * w("AC") * w("Au")
        func base(_ impact: Double) -> Double {
            let f = impact == 0 ? 0 : 1.176
            return CVSSRounding.roundHalfUp((0.6 * impact + 0.4 * exploitability - 1.5) * f)
        }
        func temporal(_ base: Double) -> Double {
            CVSSRounding.roundHalfUp(base * w("E") * w("RL") * w("RC"))
        }
        let baseScore = max(0, base(impact))
        let temporalScore = defined(temporalMetrics) ? max(0, temporal(baseScore)) : nil
        var environmentalScore: Double?
        if defined(environmentalMetrics) {
            let adjustedTemporal = temporal(base(adjustedImpact))
            let raw = (adjustedTemporal + (10 - adjustedTemporal) * w("CDP")) * w("TD")
            environmentalScore = max(0, CVSSRounding.roundHalfUp(raw))
        }
        return CVSSScore(
            version: .v2_0,
            vectorString: vectorString,
            metrics: metrics,
            baseScore: baseScore,
            temporalScore: temporalScore,
            environmentalScore: environmentalScore
        )
    }
}
