import Foundation
import SecurityAdvisories

/// An advisory as it affects the fleet: its worst rating over the affected packages, and how many
/// findings and hosts it has open.
public struct AdvisorySummary: Sendable, Hashable {
    /// Advisory id (`DSA-5678-1`, `USN-6000-1`, `CVE-2024-1234`, …).
    public var id: String
    /// Aliases (CVE ids, …).
    public var aliases: [String]
    /// Highest severity over its package findings.
    public var severity: Severity
    /// Highest CVSS base score, when rated.
    public var cvss: Double?
    /// Highest EPSS probability, when scored.
    public var epss: Double?
    /// On CISA's Known Exploited Vulnerabilities list.
    public var knownExploited: Bool
    /// Earliest KEV due date.
    public var kevDue: Date?
    /// Whether a fixed version exists for at least one affected package.
    public var fixable: Bool
    /// Open findings (one per host and package).
    public var findings: Int
    /// Distinct affected packages (name and architecture).
    public var packages: [String]
    /// Distinct hosts with an open finding.
    public var hosts: Int

    /// Creates a summary.
    public init(
        id: String,
        aliases: [String],
        severity: Severity,
        cvss: Double?,
        epss: Double?,
        knownExploited: Bool,
        kevDue: Date?,
        fixable: Bool,
        findings: Int,
        packages: [String],
        hosts: Int
    ) {
        self.id = id
        self.aliases = aliases
        self.severity = severity
        self.cvss = cvss
        self.epss = epss
        self.knownExploited = knownExploited
        self.kevDue = kevDue
        self.fixable = fixable
        self.findings = findings
        self.packages = packages
        self.hosts = hosts
    }
}

/// Which advisories affecting the fleet to list, and in which order.
public struct AdvisorySummaryQuery: Sendable, Hashable {
    /// Orders of the list.
    public enum Order: String, Sendable, Hashable, CaseIterable {
        /// Known exploited first, then severity, CVSS, EPSS, id.
        case risk
        /// Most open findings first.
        case findings
        /// Highest EPSS first.
        case epss
        /// Highest CVSS first.
        case cvss
        /// By id.
        case id
    }

    /// Case-insensitive part of the id or of an alias (a CVE id), or an exact package or source
    /// package name.
    public var search: String?
    /// At least this severity.
    public var minimumSeverity: Severity?
    /// Only known exploited (true) or not (false).
    public var knownExploited: Bool?
    /// At least this EPSS probability.
    public var minimumEPSS: Double?
    /// The order.
    public var order = Order.risk
    /// Page size, 0…1000.
    public var limit = 50
    /// Advisories skipped.
    public var offset = 0

    /// Creates a query for every advisory affecting the fleet, riskiest first.
    public init() {}
}
