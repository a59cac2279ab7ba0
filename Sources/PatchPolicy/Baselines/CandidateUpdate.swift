import Foundation
import SecurityAdvisories

/// An update a baseline decides on: one package moving to a fixed version, and what is known about it.
public struct CandidateUpdate: Sendable, Hashable {
    /// The package (source name for Debian and Ubuntu advisories, binary name for RPM errata).
    public var package: String
    /// The version that the update installs.
    public var version: String
    /// The release it is for.
    public var release: EcosystemRelease
    /// The advisory or erratum id.
    public var advisory: String
    /// CVE ids.
    public var cves: [String]
    /// Security, bug fix or enhancement.
    public var classification: UpdateClassification
    /// Severity.
    public var severity: Severity
    /// Whether a CVE is in CISA's KEV catalogue.
    public var knownExploited: Bool
    /// When the update was released (the advisory's publication).
    public var released: Date

    /// Creates a candidate.
    public init(
        package: String,
        version: String,
        release: EcosystemRelease,
        advisory: String,
        cves: [String] = [],
        classification: UpdateClassification,
        severity: Severity,
        knownExploited: Bool = false,
        released: Date
    ) {
        self.package = package
        self.version = version
        self.release = release
        self.advisory = advisory
        self.cves = cves
        self.classification = classification
        self.severity = severity
        self.knownExploited = knownExploited
        self.released = released
    }

    /// The candidates an advisory offers: one per affected package with a fixed version.
    ///
    /// - Parameters:
    ///   - advisory: the advisory.
    ///   - knownExploited: CVE ids in the KEV catalogue.
    public static func candidates(from advisory: Advisory, knownExploited: Set<String> = []) -> [CandidateUpdate] {
        let released = advisory.published ?? advisory.modified
        let cves = advisory.cveIDs
        let kev = cves.contains(where: knownExploited.contains)
        let classification = UpdateClassification(advisoryID: advisory.id)
        var seen: Set<String> = []
        var result: [CandidateUpdate] = []
        for affected in advisory.affected where affected.status == .fixed {
            guard let version = affected.fixedVersion else { continue }
            let key = "\(affected.release)|\(affected.name)|\(version)"
            guard seen.insert(key).inserted else { continue }
            result.append(
                CandidateUpdate(
                    package: affected.name,
                    version: version,
                    release: affected.release,
                    advisory: advisory.id,
                    cves: cves,
                    classification: classification,
                    severity: affected.severity ?? advisory.severity,
                    knownExploited: kev,
                    released: released
                )
            )
        }
        return result
    }
}
