/// A parsed CVSS vector and its scores.
///
/// Which scores exist depends on the version:
/// - v2: base; temporal when any of E, RL, RC is given; environmental when any of CDP, TD, CR,
///   IR, AR is given (as NVD's calculator). Ratings use NVD's v2 bands (low, medium, high).
/// - v3.0 / v3.1: base, temporal and environmental, always (undefined metrics count as "X").
/// - v4.0: ``baseScore`` is the score of the vector as given, i.e. CVSS-B, CVSS-BT, CVSS-BE or
///   CVSS-BTE depending on the metrics present (see ``nomenclature``); ``threatScore`` is CVSS-BT
///   (environmental metrics ignored) when exploit maturity is given; ``environmentalScore`` is the
///   full score when any environmental metric is given.
///
/// Encodes to (and decodes from) the FIRST CVSS JSON schemas (`cvss-v2.0.json`,
/// `cvss-v3.0.json`, `cvss-v3.1.json`, `cvss-v4.0.json`): `version`, `vectorString`, the metric
/// properties present in the vector (`attackVector: "NETWORK"`, …) and the scores and severities.
/// Decoding re-parses `vectorString` and recomputes the scores.
public struct CVSSScore: Sendable, Hashable {
    /// The CVSS version.
    public let version: CVSSVersion
    /// The vector string as given.
    public let vectorString: String
    /// The metrics present in the vector: abbreviation (`AV`) → value code (`N`).
    public let metrics: [String: String]
    /// The base score (v4.0: the score of the whole vector).
    public let baseScore: Double
    /// The qualitative rating of ``baseScore``.
    public let baseSeverity: Severity
    /// The temporal score (v2, v3).
    public let temporalScore: Double?
    /// The qualitative rating of ``temporalScore``.
    public let temporalSeverity: Severity?
    /// The threat score, CVSS-BT (v4.0, when `E` is given).
    public let threatScore: Double?
    /// The qualitative rating of ``threatScore``.
    public let threatSeverity: Severity?
    /// The environmental score (v2 and v4.0 when environmental metrics are given; always for v3).
    public let environmentalScore: Double?
    /// The qualitative rating of ``environmentalScore``.
    public let environmentalSeverity: Severity?

    init(
        version: CVSSVersion,
        vectorString: String,
        metrics: [String: String],
        baseScore: Double,
        temporalScore: Double? = nil,
        threatScore: Double? = nil,
        environmentalScore: Double? = nil
    ) {
        func rate(_ score: Double) -> Severity {
            version == .v2_0 ? CVSSScore.v2Severity(score) : Severity(cvssScore: score)
        }
        // `+ 0` turns a -0.0 (a negative term times zero) into 0.0 so JSON never shows "-0".
        let baseScore = baseScore + 0
        let temporalScore = temporalScore.map { $0 + 0 }
        let threatScore = threatScore.map { $0 + 0 }
        let environmentalScore = environmentalScore.map { $0 + 0 }
        self.version = version
        self.vectorString = vectorString
        self.metrics = metrics
        self.baseScore = baseScore
        self.baseSeverity = rate(baseScore)
        self.temporalScore = temporalScore
        self.temporalSeverity = temporalScore.map(rate)
        self.threatScore = threatScore
        self.threatSeverity = threatScore.map(rate)
        self.environmentalScore = environmentalScore
        self.environmentalSeverity = environmentalScore.map(rate)
    }

    /// The CVSS v4.0 nomenclature of ``baseScore``: `CVSS-B`, `CVSS-BT`, `CVSS-BE` or `CVSS-BTE`
    /// (`nil` for other versions).
    public var nomenclature: String? {
        guard version == .v4_0 else { return nil }
        return "CVSS-B" + (threatScore != nil ? "T" : "") + (environmentalScore != nil ? "E" : "")
    }

    /// The value code of a metric as given in the vector (`nil` when absent).
    public func metric(_ abbreviation: String) -> String? {
        metrics[abbreviation]
    }

    /// NVD's CVSS v2 bands: 0.0–3.9 low, 4.0–6.9 medium, 7.0–10.0 high.
    static func v2Severity(_ score: Double) -> Severity {
        switch score {
        case ..<3.95: .low
        case ..<6.95: .medium
        default: .high
        }
    }
}
