/// What an advisory says about one package in one release.
public enum AffectedStatus: String, Sendable, Hashable, Codable, CaseIterable {
    /// Affected below a fixed version that exists.
    case fixed
    /// Affected, no fix released yet.
    case affected
    /// Affected, and the distribution will not fix it (Debian `<no-dsa>`/`ignored`, Red Hat "Will not fix").
    case willNotFix = "will-not-fix"
    /// Not affected (Debian `<not-affected>`, fixed version `0`, CSAF `known_not_affected`).
    case notAffected = "not-affected"
    /// Still being analysed (CSAF `under_investigation`, Debian "not yet assigned").
    case underInvestigation = "under-investigation"
    /// The release is out of support (`<end-of-life>`).
    case endOfLife = "end-of-life"

    /// Whether installing a newer package can remove the finding.
    public var isFixable: Bool { self == .fixed }

    /// Whether a host with the package should get a finding at all.
    public var raisesFinding: Bool { self != .notAffected }
}
