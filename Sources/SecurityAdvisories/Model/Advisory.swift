import Foundation

/// Who published an advisory (its id prefix names it too).
public struct AdvisorySource: RawRepresentable, Sendable, Hashable, Codable, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    /// Debian Security Advisory.
    public static let dsa = AdvisorySource(rawValue: "DSA")
    /// Debian LTS Advisory.
    public static let dla = AdvisorySource(rawValue: "DLA")
    /// Debian Security Tracker per-CVE record.
    public static let debianTracker = AdvisorySource(rawValue: "DEBIAN-CVE")
    /// Ubuntu Security Notice.
    public static let usn = AdvisorySource(rawValue: "USN")
    /// Ubuntu per-CVE record.
    public static let ubuntuCVE = AdvisorySource(rawValue: "UBUNTU-CVE")
    /// Red Hat Security Advisory (and RHBA/RHEA through CSAF).
    public static let rhsa = AdvisorySource(rawValue: "RHSA")
    /// AlmaLinux Security Advisory.
    public static let alsa = AdvisorySource(rawValue: "ALSA")
    /// Rocky Linux Security Advisory.
    public static let rlsa = AdvisorySource(rawValue: "RLSA")
    /// Alpine secdb.
    public static let alpine = AdvisorySource(rawValue: "ALPINE")
    /// Generic OSV record.
    public static let osv = AdvisorySource(rawValue: "OSV")
    /// NVD CVE record (CVSS only).
    public static let nvd = AdvisorySource(rawValue: "NVD")
    /// Generic CSAF document.
    public static let csaf = AdvisorySource(rawValue: "CSAF")

    public var description: String { rawValue }
}

/// A CVSS vector as a feed gave it, with the base score it states (or the calculator computed).
public struct CVSSRecord: Sendable, Hashable, Codable {
    /// `2.0`, `3.0`, `3.1`, `4.0`.
    public var version: String
    /// The vector string.
    public var vector: String
    /// The base score.
    public var baseScore: Double?

    /// Creates a record.
    public init(version: String, vector: String, baseScore: Double?) {
        self.version = version
        self.vector = vector
        self.baseScore = baseScore
    }
}

/// A security advisory: what is vulnerable, where, how badly, and which versions fix it.
public struct Advisory: Sendable, Hashable, Codable, Identifiable {
    /// The advisory id (`DSA-5380-1`, `USN-6859-1`, `RHSA-2022:0011`, `CVE-2024-6387`).
    public var id: String
    /// Other ids for the same issue, CVE ids first.
    public var aliases: [String]
    /// The publisher.
    public var source: AdvisorySource
    /// First publication, if known.
    public var published: Date?
    /// Last modification (imports are incremental on it).
    public var modified: Date
    /// Withdrawal time, if withdrawn.
    public var withdrawn: Date?
    /// One-line summary.
    public var summary: String
    /// Longer description.
    public var details: String
    /// Reference URLs.
    public var references: [String]
    /// The publisher's overall severity.
    public var severity: Severity
    /// CVSS vectors and scores.
    public var cvss: [CVSSRecord]
    /// Affected packages per release.
    public var affected: [AffectedPackage]

    /// Creates an advisory.
    public init(
        id: String,
        aliases: [String] = [],
        source: AdvisorySource,
        published: Date? = nil,
        modified: Date,
        withdrawn: Date? = nil,
        summary: String = "",
        details: String = "",
        references: [String] = [],
        severity: Severity = .unknown,
        cvss: [CVSSRecord] = [],
        affected: [AffectedPackage] = []
    ) {
        self.id = id
        self.aliases = aliases
        self.source = source
        self.published = published
        self.modified = modified
        self.withdrawn = withdrawn
        self.summary = summary
        self.details = details
        self.references = references
        self.severity = severity
        self.cvss = cvss
        self.affected = affected
    }

    /// The CVE ids among the id and aliases.
    public var cveIDs: [String] {
        ([id] + aliases).filter { $0.hasPrefix("CVE-") }.reduce(into: []) { ids, id in
            if !ids.contains(id) { ids.append(id) }
        }
    }
}
