import SecurityAdvisories

/// Deadlines per severity × risk tier, when the clock starts, and when a finding is "due soon".
///
/// Start from a built-in profile (``pciDSS4``, ``cisaBOD2201``, ``nist80053SI2``, ``hipaa``) and
/// edit its values, or build a custom one.
public struct SLAProfile: Sendable, Hashable {
    /// The profile's name.
    public var name: String
    /// The framework it implements.
    public var framework: SLAFramework
    /// When the clock starts.
    public var clockStart: SLAClockStart
    /// Which findings are covered.
    public var coverage: SLACoverage
    /// Days allowed per severity; a severity without an entry is not covered.
    public var deadlines: [Severity: Int]
    /// Per-tier overrides, by tier name: a severity listed here replaces ``deadlines`` for that tier.
    public var tierDeadlines: [String: [Severity: Int]]
    /// A finding is ``SLAState/dueSoon`` when its due date is at most this many days away.
    public var dueSoonDays: Int
    /// Whether a KEV due date caps the deadline (the earlier of the two wins).
    public var useKEVDueDate: Bool

    /// Creates a profile.
    public init(
        name: String,
        framework: SLAFramework = .custom,
        clockStart: SLAClockStart = .firstDetection,
        coverage: SLACoverage = .allFindings,
        deadlines: [Severity: Int],
        tierDeadlines: [String: [Severity: Int]] = [:],
        dueSoonDays: Int = 7,
        useKEVDueDate: Bool = false
    ) {
        self.name = name
        self.framework = framework
        self.clockStart = clockStart
        self.coverage = coverage
        self.deadlines = deadlines
        self.tierDeadlines = tierDeadlines
        self.dueSoonDays = dueSoonDays
        self.useKEVDueDate = useKEVDueDate
    }

    /// Days allowed for a severity on a tier, or nil when not covered.
    public func deadlineDays(severity: Severity, tier: String?) -> Int? {
        if let tier, let days = tierDeadlines[tier]?[severity] { return days }
        return deadlines[severity]
    }

    /// The built-in profile of a framework (``custom`` gives the NIST-style defaults).
    public static func builtIn(_ framework: SLAFramework) -> SLAProfile {
        switch framework {
        case .pciDSS4: pciDSS4
        case .cisaBOD2201: cisaBOD2201
        case .nist80053SI2: nist80053SI2
        case .hipaa: hipaa
        case .custom:
            SLAProfile(name: "custom", framework: .custom, deadlines: organisationDefaults)
        }
    }

    /// All built-in profiles.
    public static let builtInProfiles: [SLAProfile] = [pciDSS4, cisaBOD2201, nist80053SI2, hipaa]

    /// PCI DSS v4.0 requirement 6.3.3: patches for critical vulnerabilities within one month of
    /// release (modelled as 30 days from publication).
    ///
    /// v4.0 wrote "critical or high-security patches/updates"; v4.0.1 narrowed the fixed deadline to
    /// critical. High keeps 30 days here (the v4.0 reading, the conservative one). "All other" patches
    /// are due "within an appropriate time frame" the entity determines: the defaults are 90 days
    /// (three months, the usual assessor expectation) for medium, low and unrated.
    public static let pciDSS4 = SLAProfile(
        name: "pci-dss-4.0",
        framework: .pciDSS4,
        clockStart: .publication,
        deadlines: [.critical: 30, .high: 30, .medium: 90, .low: 90, .unknown: 90]
    )

    /// CISA BOD 22-01: a KEV entry must be remediated by its catalogue due date; findings not in
    /// the catalogue are not covered by the directive.
    public static let cisaBOD2201 = SLAProfile(
        name: "cisa-bod-22-01",
        framework: .cisaBOD2201,
        clockStart: .firstDetection,
        coverage: .knownExploitedOnly,
        deadlines: [:],
        useKEVDueDate: true
    )

    /// NIST SP 800-53 SI-2(c): "install security-relevant updates within an organization-defined
    /// time period of the release" — the period is the organisation's; these are defaults.
    public static let nist80053SI2 = SLAProfile(
        name: "nist-800-53-si-2",
        framework: .nist80053SI2,
        clockStart: .publication,
        deadlines: organisationDefaults
    )

    /// HIPAA Security Rule: risk management (164.308(a)(1)(ii)(B)) sets no patch deadline; these
    /// are defaults, measured from first detection.
    public static let hipaa = SLAProfile(
        name: "hipaa",
        framework: .hipaa,
        clockStart: .firstDetection,
        deadlines: organisationDefaults
    )

    /// Defaults where the framework leaves the period to the organisation: critical 15 days,
    /// high 30, medium 90, low 180, unrated 90.
    public static let organisationDefaults: [Severity: Int] = [
        .critical: 15, .high: 30, .medium: 90, .low: 180, .unknown: 90,
    ]
}
