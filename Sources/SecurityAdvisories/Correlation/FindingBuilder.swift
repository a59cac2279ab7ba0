import FleetModel
import Foundation
import PackageVersions

/// Turns a host's packages into findings: correlation plus severity, CVSS, EPSS and KEV.
public struct FindingBuilder: Sendable {
    /// The correlator.
    public let correlator: Correlator
    /// Exploitation data.
    public let exploits: ExploitContext

    /// Creates a builder.
    /// The highest-scored CVSS record per CVE from NVD records, for advisories that carry none.
    let nvdScores: [String: CVSSRecord]

    /// Creates a builder.
    public init(correlator: Correlator, exploits: ExploitContext = ExploitContext()) {
        self.correlator = correlator
        self.exploits = exploits
        var scores: [String: CVSSRecord] = [:]
        for advisory in correlator.index.advisories where advisory.source == .nvd {
            guard let best = Self.highest(advisory.cvss) else { continue }
            for cve in advisory.cveIDs where (scores[cve]?.baseScore ?? -1) < best.baseScore! { scores[cve] = best }
        }
        nvdScores = scores
    }

    static func highest(_ records: [CVSSRecord]) -> CVSSRecord? {
        records.filter { $0.baseScore != nil }.max { $0.baseScore! < $1.baseScore! }
    }

    /// The findings of one host, sorted by package and advisory.
    public func findings(packages: [InstalledPackage], release: EcosystemRelease) -> [Finding] {
        var findings: [Finding] = []
        for package in packages {
            for match in correlator.matches(for: package, release: release) {
                findings.append(finding(package: package, match: match))
            }
        }
        return findings.sorted { $0.key < $1.key }
    }

    /// The finding for one match.
    public func finding(package: InstalledPackage, match: PackageMatch) -> Finding {
        let advisory = correlator.index.advisories[Int(match.advisory)]
        let affected = advisory.affected[Int(match.affectedEntry)]
        // The distribution's own vectors first; NVD's (joined on CVE ids) where it has none.
        let best =
            Self.highest(advisory.cvss)
            ?? advisory.cveIDs.compactMap { nvdScores[$0] }.max { $0.baseScore! < $1.baseScore! }
        var severity = affected.severity ?? advisory.severity
        if severity == .unknown, let score = best?.baseScore { severity = Severity(cvssScore: score) }
        let cves = advisory.cveIDs
        let epss = cves.compactMap { exploits.epss[$0] }.max { $0.score < $1.score }
        let kev = cves.compactMap { exploits.knownExploited[$0] }.min { $0.dueDate < $1.dueDate }
        return Finding(
            package: package.name,
            architecture: package.architecture,
            installedVersion: package.version,
            sourcePackage: package.sourceName,
            sourceVersion: package.sourceVersion,
            advisory: advisory.id,
            aliases: advisory.aliases,
            fixedVersion: match.fixedVersion,
            status: match.status,
            severity: severity,
            cvssScore: best?.baseScore,
            cvssVector: best?.vector,
            epssScore: epss?.score,
            epssPercentile: epss?.percentile,
            knownExploited: kev != nil,
            kevDueDate: kev?.dueDate
        )
    }
}

/// Per package: the lowest version that fixes every fixable advisory on it.
public struct PackageFix: Sendable, Hashable, Codable {
    /// Binary package.
    public var package: String
    /// Architecture.
    public var architecture: String
    /// Installed version.
    public var installedVersion: String
    /// The version to install to fix every fixable advisory (the highest of their fixed versions).
    public var fixedVersion: String?
    /// Advisories fixed by it.
    public var advisories: [String]
    /// Advisories on this package that no upgrade fixes yet.
    public var unfixable: [String]

    /// Groups findings by package; `scheme` orders the fixed versions.
    public static func summarize(_ findings: [Finding], scheme: VersionScheme) -> [PackageFix] {
        var groups: [String: [Finding]] = [:]
        for finding in findings { groups[finding.package + ":" + finding.architecture, default: []].append(finding) }
        return groups.values.map { group in
            let fixable = group.filter(\.isFixable)
            var highest: (String, AnyVersion)?
            for finding in fixable {
                guard let text = finding.fixedVersion, let version = try? AnyVersion(parsing: text, scheme: scheme)
                else {
                    continue
                }
                if highest == nil || highest!.1.compare(to: version) == .less { highest = (text, version) }
            }
            return PackageFix(
                package: group[0].package,
                architecture: group[0].architecture,
                installedVersion: group[0].installedVersion,
                fixedVersion: highest?.0,
                advisories: fixable.map(\.advisory).sorted(),
                unfixable: group.filter { !$0.isFixable }.map(\.advisory).sorted()
            )
        }.sorted { ($0.package, $0.architecture) < ($1.package, $1.architecture) }
    }
}
