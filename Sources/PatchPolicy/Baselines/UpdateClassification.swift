/// What kind of change an update is, as AWS patch baselines and Red Hat errata classify them.
public enum UpdateClassification: String, Sendable, Hashable, Codable, CaseIterable {
    /// Fixes a vulnerability (DSA, DLA, USN, RHSA, ALSA).
    case security
    /// Fixes bugs (RHBA).
    case bugfix
    /// Adds features (RHEA).
    case enhancement

    /// The classification an advisory id implies: `RHBA-` and `ALBA-` are bug fixes, `RHEA-` and
    /// `ALEA-` enhancements, everything else security.
    public init(advisoryID id: String) {
        let prefix = id.uppercased().prefix(4)
        switch prefix {
        case "RHBA", "ALBA", "RLBA": self = .bugfix
        case "RHEA", "ALEA", "RLEA": self = .enhancement
        default: self = .security
        }
    }
}
