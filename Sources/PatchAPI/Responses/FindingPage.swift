import Foundation

/// One finding as the API shows it (each row of a findings page): an installed package affected by
/// an advisory on one host, with the scores that rank it and when it was seen and fixed.
public struct FindingView: Codable, Sendable {
    /// The finding's sequence id.
    public var id: Int64
    public var hostID: String
    /// The binary package.
    public var package: String
    public var architecture: String
    public var installedVersion: String
    public var sourcePackage: String
    public var sourceVersion: String
    /// The advisory id (`DSA-5650-1`, `CVE-2024-28085`).
    public var advisory: String
    /// Other ids of the advisory (CVE ids).
    public var aliases: [String]
    /// The first version that fixes it, when there is one.
    public var fixedVersion: String?
    /// The advisory's status for the package (`fixed`, `affected`, `will-not-fix`, …).
    public var status: String
    /// `critical`, `high`, `medium`, `low`, `none` or `unknown`.
    public var severity: String
    public var cvssScore: Double?
    public var epssScore: Double?
    public var epssPercentile: Double?
    /// The CVE is in CISA's Known Exploited Vulnerabilities catalog.
    public var knownExploited: Bool
    /// CISA's due date for a KEV-listed CVE.
    public var kevDueDate: Date?
    public var firstSeen: Date
    public var lastSeen: Date
    /// When the finding went away (with `include_fixed=true`).
    public var fixedAt: Date?

    public init(
        id: Int64,
        hostID: String,
        package: String,
        architecture: String,
        installedVersion: String,
        sourcePackage: String,
        sourceVersion: String,
        advisory: String,
        aliases: [String],
        fixedVersion: String?,
        status: String,
        severity: String,
        cvssScore: Double?,
        epssScore: Double?,
        epssPercentile: Double?,
        knownExploited: Bool,
        kevDueDate: Date?,
        firstSeen: Date,
        lastSeen: Date,
        fixedAt: Date?
    ) {
        self.id = id
        self.hostID = hostID
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
        self.epssScore = epssScore
        self.epssPercentile = epssPercentile
        self.knownExploited = knownExploited
        self.kevDueDate = kevDueDate
        self.firstSeen = firstSeen
        self.lastSeen = lastSeen
        self.fixedAt = fixedAt
    }
}

/// `GET /api/v1/findings` and `GET /api/v1/hosts/{id}/findings`: one page of findings and how many
/// match in all.
public struct FindingPage: Codable, Sendable {
    public var findings: [FindingView]
    public var total: Int
    public var limit: Int
    public var offset: Int

    public init(findings: [FindingView], total: Int, limit: Int, offset: Int) {
        self.findings = findings
        self.total = total
        self.limit = limit
        self.offset = offset
    }
}
