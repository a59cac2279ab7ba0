/// CVSS v4.0 metrics (FIRST, "CVSS v4.0 Specification Document", sections 2–5 and 7) with the
/// value names of FIRST's `cvss-v4.0.json` schema.
enum CVSSv4 {
    private static let notDefined = [("X", "NOT_DEFINED")]
    private static let attackVector = [("N", "NETWORK"), ("A", "ADJACENT"), ("L", "LOCAL"), ("P", "PHYSICAL")]
    private static let complexity = [("L", "LOW"), ("H", "HIGH")]
    private static let requirements = [("N", "NONE"), ("P", "PRESENT")]
    private static let privileges = [("N", "NONE"), ("L", "LOW"), ("H", "HIGH")]
    private static let interaction = [("N", "NONE"), ("P", "PASSIVE"), ("A", "ACTIVE")]
    private static let impact = [("H", "HIGH"), ("L", "LOW"), ("N", "NONE")]
    private static let safetyImpact = [("S", "SAFETY")] + impact
    private static let requirement = [("X", "NOT_DEFINED"), ("H", "HIGH"), ("M", "MEDIUM"), ("L", "LOW")]

    /// The metrics, in the order of the specification's vector string (section 7).
    static let parser = CVSSVectorParser(
        version: .v4_0,
        definitions: [
            .init("AV", "attackVector", attackVector, mandatory: true),
            .init("AC", "attackComplexity", complexity, mandatory: true),
            .init("AT", "attackRequirements", requirements, mandatory: true),
            .init("PR", "privilegesRequired", privileges, mandatory: true),
            .init("UI", "userInteraction", interaction, mandatory: true),
            .init("VC", "vulnConfidentialityImpact", impact, mandatory: true),
            .init("VI", "vulnIntegrityImpact", impact, mandatory: true),
            .init("VA", "vulnAvailabilityImpact", impact, mandatory: true),
            .init("SC", "subConfidentialityImpact", impact, mandatory: true),
            .init("SI", "subIntegrityImpact", impact, mandatory: true),
            .init("SA", "subAvailabilityImpact", impact, mandatory: true),
            .init(
                "E",
                "exploitMaturity",
                [("X", "NOT_DEFINED"), ("A", "ATTACKED"), ("P", "PROOF_OF_CONCEPT"), ("U", "UNREPORTED")]
            ),
            .init("CR", "confidentialityRequirement", requirement),
            .init("IR", "integrityRequirement", requirement),
            .init("AR", "availabilityRequirement", requirement),
            .init("MAV", "modifiedAttackVector", notDefined + attackVector),
            .init("MAC", "modifiedAttackComplexity", notDefined + complexity),
            .init("MAT", "modifiedAttackRequirements", notDefined + requirements),
            .init("MPR", "modifiedPrivilegesRequired", notDefined + privileges),
            .init("MUI", "modifiedUserInteraction", notDefined + interaction),
            .init("MVC", "modifiedVulnConfidentialityImpact", notDefined + impact),
            .init("MVI", "modifiedVulnIntegrityImpact", notDefined + impact),
            .init("MVA", "modifiedVulnAvailabilityImpact", notDefined + impact),
            .init("MSC", "modifiedSubConfidentialityImpact", notDefined + impact),
            .init("MSI", "modifiedSubIntegrityImpact", notDefined + safetyImpact),
            .init("MSA", "modifiedSubAvailabilityImpact", notDefined + safetyImpact),
            .init("S", "Safety", [("X", "NOT_DEFINED"), ("N", "NEGLIGIBLE"), ("P", "PRESENT")]),
            .init("AU", "Automatable", [("X", "NOT_DEFINED"), ("N", "NO"), ("Y", "YES")]),
            .init("R", "Recovery", [("X", "NOT_DEFINED"), ("A", "AUTOMATIC"), ("U", "USER"), ("I", "IRRECOVERABLE")]),
            .init("V", "valueDensity", [("X", "NOT_DEFINED"), ("D", "DIFFUSE"), ("C", "CONCENTRATED")]),
            .init(
                "RE",
                "vulnerabilityResponseEffort",
                [("X", "NOT_DEFINED"), ("L", "LOW"), ("M", "MODERATE"), ("H", "HIGH")]
            ),
            .init(
                "U",
                "providerUrgency",
                [("X", "NOT_DEFINED"), ("Clear", "CLEAR"), ("Green", "GREEN"), ("Amber", "AMBER"), ("Red", "RED")]
            ),
        ]
    )

    /// The environmental metrics (security requirements and modified base metrics).
    static let environmentalMetrics: Set<String> = [
        "CR", "IR", "AR", "MAV", "MAC", "MAT", "MPR", "MUI", "MVC", "MVI", "MVA", "MSC", "MSI", "MSA",
    ]

    /// Scores a validated vector: the whole vector, CVSS-BT when `E` is given, and which parts
    /// are present.
    static func score(vectorString: String, metrics: [String: String]) -> CVSSScore {
        let hasThreat = (metrics["E"] ?? "X") != "X"
        let hasEnvironmental = environmentalMetrics.contains { (metrics[$0] ?? "X") != "X" }
        let full = CVSSv4Calculator(metrics: metrics).score()
        var threat: Double?
        if hasThreat {
            threat =
                hasEnvironmental
                ? CVSSv4Calculator(metrics: metrics.filter { !environmentalMetrics.contains($0.key) }).score()
                : full
        }
        return CVSSScore(
            version: .v4_0,
            vectorString: vectorString,
            metrics: metrics,
            baseScore: full,
            threatScore: threat,
            environmentalScore: hasEnvironmental ? full : nil
        )
    }
}
