import ArgumentParser
import FleetModel
import Foundation
import PatchServer
import SecurityAdvisories

/// `patchpilot scan`: one host's packages against advisory files, offline (like debsecan or osv-scanner).
struct ScanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan",
        abstract: "Scan one host's package list against advisory feeds, without a server.",
        discussion: """
            Every file under --feeds is read with the format its name and content suggest (OSV JSON \
            or all.zip, Debian tracker JSON, DSA/DLA lists, CSAF, Alpine secdb, KEV, EPSS, NVD). \
            Findings are matched for the release in --os-release, by source package for Debian and \
            Ubuntu (see docs/vulnerabilities.md).
            """
    )

    @Option(name: .customLong("dpkg-status"), help: "A dpkg status file (/var/lib/dpkg/status).")
    var dpkgStatus: String?
    @Option(name: .customLong("rpm-query"), help: "Output of `rpm -qa --queryformat` with PatchPilot's format.")
    var rpmQuery: String?
    @Option(name: .customLong("os-release"), help: "The host's os-release file.") var osRelease = "/etc/os-release"
    @Option(help: "Directory (or file) of advisory feeds.") var feeds: String
    @Flag(help: "Print {\"findings\": [...]} as JSON.") var json = false
    @Flag(help: "Show only fixable findings.") var fixableOnly = false

    func validate() throws {
        guard dpkgStatus != nil || rpmQuery != nil else { throw ValidationError("give --dpkg-status or --rpm-query") }
    }

    func run() throws {
        let os = try OSReleaseParser(sourceName: osRelease).parse(try Self.text(osRelease))
        guard let release = EcosystemRelease(osRelease: os) else {
            throw ValidationError(
                "\(osRelease): PatchPilot has no advisory data for ID=\(os.id) VERSION_ID=\(os.versionID)"
            )
        }
        var packages: [InstalledPackage] = []
        if let dpkgStatus {
            packages += try DpkgStatusParser(sourceName: dpkgStatus).parse(try Self.text(dpkgStatus))
        }
        if let rpmQuery {
            packages += try RPMQueryParser(sourceName: rpmQuery).parse(try Self.text(rpmQuery))
        }
        let content = try FeedFiles.read(
            path: feeds,
            policy: .fail,
            warn: { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
        )
        let builder = FindingBuilder(
            correlator: Correlator(index: AdvisoryIndex(advisories: content.advisories)),
            exploits: ExploitContext(knownExploited: content.knownExploited, epss: content.epss)
        )
        var findings = builder.findings(packages: packages, release: release)
        if fixableOnly { findings = findings.filter(\.isFixable) }
        if json {
            struct Output: Encodable {
                var release: String
                var findings: [Finding]
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            encoder.dateEncodingStrategy = .iso8601
            print(
                String(
                    decoding: try encoder.encode(Output(release: release.osvEcosystem, findings: findings)),
                    as: UTF8.self
                )
            )
            return
        }
        print(
            "\(release.osvEcosystem): \(packages.count) packages, \(content.advisories.count) advisories, \(findings.count) findings"
        )
        for finding in findings {
            let fix = finding.fixedVersion.map { "fixed in \($0)" } ?? finding.status.rawValue
            let kev = finding.knownExploited ? " KEV" : ""
            print(
                "\(finding.package) \(finding.installedVersion)\t\(finding.advisory)\t\(finding.severity.rawValue)\(kev)\t\(fix)"
            )
        }
    }

    static func text(_ path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ValidationError("cannot read \(path)")
        }
        return String(decoding: data, as: UTF8.self)
    }
}
