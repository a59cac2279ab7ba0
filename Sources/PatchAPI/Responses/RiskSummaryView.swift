/// `GET /api/v1/risk/summary`: counts of the fleet's open findings.
public struct RiskSummaryView: Codable, Sendable {
    /// Open findings by severity (only severities with open findings are keys).
    public var bySeverity: [String: Int]
    /// Open findings with a KEV-listed CVE.
    public var knownExploited: Int
    /// Open fixable findings.
    public var fixable: Int
    /// Hosts with at least one open critical finding.
    public var hostsWithCritical: Int
    /// Hosts with at least one open KEV finding.
    public var hostsWithKnownExploited: Int
    /// Advisories stored.
    public var advisories: Int

    public init(
        bySeverity: [String: Int],
        knownExploited: Int,
        fixable: Int,
        hostsWithCritical: Int,
        hostsWithKnownExploited: Int,
        advisories: Int
    ) {
        self.bySeverity = bySeverity
        self.knownExploited = knownExploited
        self.fixable = fixable
        self.hostsWithCritical = hostsWithCritical
        self.hostsWithKnownExploited = hostsWithKnownExploited
        self.advisories = advisories
    }
}
