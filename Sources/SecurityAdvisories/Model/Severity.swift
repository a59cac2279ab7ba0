import Foundation

/// A qualitative severity, ordered from none to critical.
///
/// Distribution urgencies map onto it (`unimportant` → low, `not yet assigned` → unknown), and so
/// do CVSS ratings (FIRST's bands: 0.1–3.9 low, 4.0–6.9 medium, 7.0–8.9 high, 9.0–10 critical).
public enum Severity: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    /// Not yet rated.
    case unknown
    /// Rated as no risk (CVSS 0.0).
    case none
    /// Low.
    case low
    /// Medium (Debian "medium", Red Hat "Moderate").
    case medium
    /// High (Red Hat "Important").
    case high
    /// Critical.
    case critical

    private var rank: Int {
        switch self {
        case .unknown: 0
        case .none: 1
        case .low: 2
        case .medium: 3
        case .high: 4
        case .critical: 5
        }
    }

    public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }

    /// The FIRST qualitative rating of a CVSS score.
    public init(cvssScore score: Double) {
        switch score {
        case ..<0.05: self = .none
        case ..<4.0: self = .low
        case ..<7.0: self = .medium
        case ..<9.0: self = .high
        default: self = .critical
        }
    }

    /// Maps a distribution's word (Debian urgency, Ubuntu priority, Red Hat impact, OSV/GHSA
    /// severity); unknown words give ``unknown``.
    public init(distributionWord word: String) {
        let normalized = word.lowercased().trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "*", with: "")
        switch normalized {
        case "critical": self = .critical
        case "high", "important": self = .high
        case "medium", "moderate": self = .medium
        case "low", "unimportant", "negligible": self = .low
        case "none": self = .none
        default: self = .unknown
        }
    }
}
