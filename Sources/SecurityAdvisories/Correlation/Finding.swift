import Foundation

/// An advisory that applies to a package installed on a host, with everything needed to rank it.
public struct Finding: Sendable, Hashable, Codable {
    /// The binary package.
    public var package: String
    /// Its architecture.
    public var architecture: String
    /// The installed binary version.
    public var installedVersion: String
    /// The source package.
    public var sourcePackage: String
    /// The installed source version.
    public var sourceVersion: String
    /// The advisory id.
    public var advisory: String
    /// CVE ids and other aliases.
    public var aliases: [String]
    /// The version that fixes this advisory for this package (nil when no fix exists).
    public var fixedVersion: String?
    /// The advisory's status for the package.
    public var status: AffectedStatus
    /// Severity (the distribution's, else the highest CVSS rating).
    public var severity: Severity
    /// The highest CVSS base score among the advisory's vectors.
    public var cvssScore: Double?
    /// The vector of that score.
    public var cvssVector: String?
    /// The highest EPSS score among the CVEs.
    public var epssScore: Double?
    /// That CVE's EPSS percentile.
    public var epssPercentile: Double?
    /// Whether any CVE is in CISA's KEV catalogue.
    public var knownExploited: Bool
    /// The earliest KEV due date among the CVEs.
    public var kevDueDate: Date?

    /// Creates a finding.
    public init(
        package: String,
        architecture: String,
        installedVersion: String,
        sourcePackage: String,
        sourceVersion: String,
        advisory: String,
        aliases: [String],
        fixedVersion: String?,
        status: AffectedStatus,
        severity: Severity,
        cvssScore: Double?,
        cvssVector: String?,
        epssScore: Double?,
        epssPercentile: Double?,
        knownExploited: Bool,
        kevDueDate: Date?
    ) {
        self.package = package
        self.architecture = architecture
        self.installedVersion = installedVersion
        self.sourcePackage = sourcePackage
        self.sourceVersion = sourceVersion
        self.advisory = advisory
        self.aliases = aliases
        self.fixedVersion = fixedVersion
        self.status = status
        self.severity = severity
        self.cvssScore = cvssScore
        self.cvssVector = cvssVector
        self.epssScore = epssScore
        self.epssPercentile = epssPercentile
        self.knownExploited = knownExploited
        self.kevDueDate = kevDueDate
    }

    /// Whether upgrading can remove it.
    public var isFixable: Bool { status.isFixable && fixedVersion != nil }

    /// Identity of a finding across recomputations.
    public var key: FindingKey { FindingKey(package: package, architecture: architecture, advisory: advisory) }
}

/// What identifies a finding on one host.
public struct FindingKey: Sendable, Hashable, Codable, Comparable {
    /// Binary package.
    public var package: String
    /// Architecture.
    public var architecture: String
    /// Advisory id.
    public var advisory: String

    /// Creates a key.
    public init(package: String, architecture: String, advisory: String) {
        self.package = package
        self.architecture = architecture
        self.advisory = advisory
    }

    public static func < (lhs: FindingKey, rhs: FindingKey) -> Bool {
        (lhs.package, lhs.architecture, lhs.advisory) < (rhs.package, rhs.architecture, rhs.advisory)
    }
}

/// Exploitation data joined on CVE ids.
public struct ExploitContext: Sendable {
    /// KEV entries by CVE id.
    public var knownExploited: [String: KnownExploitedVulnerability]
    /// EPSS scores by CVE id.
    public var epss: [String: EPSSScore]

    /// Creates a context.
    public init(knownExploited: [KnownExploitedVulnerability] = [], epss: [EPSSScore] = []) {
        self.knownExploited = Dictionary(knownExploited.map { ($0.cveID, $0) }, uniquingKeysWith: { first, _ in first })
        self.epss = Dictionary(epss.map { ($0.cveID, $0) }, uniquingKeysWith: { first, _ in first })
    }
}
