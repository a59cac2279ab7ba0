import Foundation
import Testing

/// The real `patchpilot scan` executable on real package lists and real Debian feeds (the DSA and
/// DLA lists and Debian tracker JSON of SecurityAdvisoriesTests' fixtures), its findings checked
/// against dpkg's own version order and the packages' own Debian changelogs.
@Suite(.serialized) struct ScanEndToEndTests {
    struct Output: Decodable {
        var release: String?
        var findings: [Finding]
    }

    struct Finding: Decodable, CustomStringConvertible {
        var package: String
        var installedVersion: String
        var sourcePackage: String
        var sourceVersion: String
        var advisory: String
        var aliases: [String]
        var fixedVersion: String?
        var status: String

        var cves: [String] {
            ([advisory] + aliases).filter { $0.hasPrefix("CVE-") }
        }
        var description: String {
            "\(package) \(installedVersion) (source \(sourcePackage) \(sourceVersion)): \(advisory) \(status)"
                + (fixedVersion.map { " fixed in \($0)" } ?? "")
        }
    }

    static let feedFixtures = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // EndToEndTests
        .deletingLastPathComponent()  // Tests
        .appendingPathComponent("SecurityAdvisoriesTests/Fixtures")
    static let demoFleet = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Sources/PatchDemo/DemoFleet")

    /// A fresh feeds folder: `DSA/list`, `DLA/list` and the tracker JSON files.
    static func feedsDirectory() throws -> String {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("scan-feeds-\(UUID().uuidString)")
        let files = [
            ("debian/DSA/list", "DSA/list"),
            ("debian/DLA/list", "DLA/list"),
            ("debian-tracker-json/vunnel-debian.json", "tracker/vunnel-debian.json"),
            (
                "debian-tracker-json/osv.dev-debian_security_tracker_mock.json",
                "tracker/osv.dev-debian_security_tracker_mock.json"
            ),
        ]
        for (from, to) in files {
            let target = root.appendingPathComponent(to)
            try FileManager.default.createDirectory(
                at: target.deletingLastPathComponent(),
                withIntermediateDirectories: true
            )
            try FileManager.default.copyItem(at: feedFixtures.appendingPathComponent(from), to: target)
        }
        return root.path
    }

    static func scan(status: String, osRelease: String, feeds: String) async throws -> Output {
        let result = try await run(
            "patchpilot",
            ["scan", "--dpkg-status", status, "--os-release", osRelease, "--feeds", feeds, "--json"]
        )
        do {
            return try JSONDecoder().decode(Output.self, from: Data(result.output.utf8))
        } catch {
            throw ProcessFailure("scan output is not {\"findings\": [...]}: \(error)\n\(result.output.prefix(2000))")
        }
    }

    // MARK: dpkg

    /// `dpkg --compare-versions A OP B` for every triple, in one `sh` loop.
    static func dpkgCompare(_ triples: [(String, String, String)]) throws -> [Bool] {
        guard !triples.isEmpty else { return [] }
        let input = FileManager.default.temporaryDirectory.appendingPathComponent("dpkg-cmp-\(UUID().uuidString)")
        try Data(triples.map { "\($0.0)\t\($0.1)\t\($0.2)\n" }.joined().utf8).write(to: input)
        defer { try? FileManager.default.removeItem(at: input) }
        let script = """
            while IFS="$(printf '\\t')" read -r a op b; do
              if dpkg --compare-versions "$a" "$op" "$b" 2>/dev/null; then echo 1; else echo 0; fi
            done < "$1"
            """
        let lines = try system(["sh", "-c", script, "sh", input.path]).split(separator: "\n")
        guard lines.count == triples.count else {
            throw ProcessFailure("dpkg loop printed \(lines.count) lines for \(triples.count) comparisons")
        }
        return lines.map { $0 == "1" }
    }

    static var hasDpkg: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/dpkg") }

    // MARK: Changelogs

    struct ChangelogEntry {
        var version: String
        var cves: Set<String>
    }

    /// The entries of a `changelog.Debian.gz`: `pkg (version) dists; urgency=…` and the CVE ids
    /// its body mentions.
    static func changelog(at path: String) throws -> [ChangelogEntry] {
        let text = try system(["zcat", path])
        let header = /^[a-z0-9][a-z0-9.+-]* \(([^()\s]+)\) [^;]*;.*urgency=/
        let cve = /CVE-\d{4}-\d{4,}/
        var entries: [ChangelogEntry] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if let match = line.firstMatch(of: header) {
                entries.append(ChangelogEntry(version: String(match.1), cves: []))
            } else if !entries.isEmpty {
                for id in line.matches(of: cve) { entries[entries.count - 1].cves.insert(String(id.0)) }
            }
        }
        return entries
    }

    /// The Debian changelog shipped with a binary package (or its source's doc folder).
    static func changelogPath(for finding: Finding) -> String? {
        [finding.package, finding.sourcePackage]
            .map { "/usr/share/doc/\($0)/changelog.Debian.gz" }
            .first { FileManager.default.fileExists(atPath: $0) }
    }

    // MARK: This machine

    static var thisMachineIsDebian: Bool {
        guard FileManager.default.fileExists(atPath: "/var/lib/dpkg/status"), hasDpkg,
            let osRelease = try? String(contentsOfFile: "/etc/os-release", encoding: .utf8)
        else { return false }
        return osRelease.split(separator: "\n").contains("ID=debian")
    }

    /// No finding on this machine names a CVE that the package's own changelog says was fixed at
    /// or below the installed version.
    @Test(.enabled(if: thisMachineIsDebian, "needs a Debian host with dpkg and /var/lib/dpkg/status"))
    func thisMachinesFindingsAreNotFixedPerTheChangelogs() async throws {
        let feeds = try Self.feedsDirectory()
        defer { try? FileManager.default.removeItem(atPath: feeds) }
        let output = try await Self.scan(status: "/var/lib/dpkg/status", osRelease: "/etc/os-release", feeds: feeds)
        #expect(output.release?.hasPrefix("Debian:") == true)

        var comparisons: [(String, String, String)] = []
        var owners: [(finding: Finding, entry: ChangelogEntry)] = []
        var unchecked: [String] = []
        var checked = 0
        for finding in output.findings where !finding.cves.isEmpty {
            guard let path = Self.changelogPath(for: finding) else {
                unchecked.append(finding.package)
                continue
            }
            let entries = try Self.changelog(at: path)
            // An unparsed changelog would make this check vacuous.
            #expect(entries.count >= 1, "no `pkg (version) dist; urgency=` entry parsed from \(path)")
            checked += 1
            for entry in entries where !entry.cves.isDisjoint(with: finding.cves) {
                // Changelog entries carry source versions.
                comparisons.append((entry.version, "le", finding.sourceVersion))
                owners.append((finding, entry))
            }
        }
        let atOrBelow = try Self.dpkgCompare(comparisons)
        var contradictions: [String] = []
        for ((finding, entry), isOld) in zip(owners, atOrBelow) where isOld {
            let cves = entry.cves.intersection(finding.cves).sorted().joined(separator: ", ")
            contradictions.append("\(finding): the changelog entry \(entry.version) already fixes \(cves)")
        }
        #expect(
            contradictions.isEmpty,
            "\(contradictions.count) findings contradict the changelogs:\n\(contradictions.joined(separator: "\n"))"
        )
        // Findings whose package ships no changelog cannot be checked; there should be few.
        #expect(checked + unchecked.count == output.findings.filter { !$0.cves.isEmpty }.count)
        #expect(unchecked.count <= max(5, output.findings.count / 4), "no changelog for \(unchecked)")
    }

    // MARK: Demo fleet (Debian 11)

    struct StatusPackage {
        var name: String
        var version: String
        var source: String
        var sourceVersion: String
    }

    /// The installed packages of a dpkg status file, with source name and version.
    static func statusPackages(_ path: String) throws -> [StatusPackage] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var packages: [StatusPackage] = []
        for paragraph in text.components(separatedBy: "\n\n") {
            var fields: [String: String] = [:]
            for line in paragraph.split(separator: "\n") where !line.hasPrefix(" ") {
                guard let colon = line.firstIndex(of: ":") else { continue }
                fields[String(line[..<colon])] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
            guard let name = fields["Package"], let version = fields["Version"],
                fields["Status"] == "install ok installed"
            else { continue }
            var source = name
            var sourceVersion = version
            if let field = fields["Source"] {
                let parts = field.split(separator: " ", maxSplits: 1)
                source = String(parts[0])
                if parts.count == 2 {
                    sourceVersion = parts[1].trimmingCharacters(in: CharacterSet(charactersIn: "() "))
                }
            }
            packages.append(StatusPackage(name: name, version: version, source: source, sourceVersion: sourceVersion))
        }
        return packages
    }

    /// `[codename] - source version` lines of a DSA/DLA list: source → (advisory, version or marker).
    static func listEntries(_ path: String, codename: String) throws -> [String: [(advisory: String, fixed: String)]] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var entries: [String: [(String, String)]] = [:]
        var advisory = ""
        for line in text.split(separator: "\n") {
            if line.hasPrefix("[") {
                advisory =
                    line.split(separator: " ").first { $0.hasPrefix("DSA-") || $0.hasPrefix("DLA-") }.map(String.init)
                    ?? ""
            } else if line.hasPrefix("\t[\(codename)] - ") {
                let words = line.split(separator: " ")
                guard words.count >= 4 else { continue }
                entries[String(words[2]), default: []].append((advisory, String(words[3])))
            }
        }
        return entries
    }

    @Test(.enabled(if: hasDpkg, "needs dpkg for the version order"))
    func demoDebian11FindingsMatchDpkg() async throws {
        let feeds = try Self.feedsDirectory()
        defer { try? FileManager.default.removeItem(atPath: feeds) }
        let status = Self.demoFleet.appendingPathComponent("debian-11.status").path
        let output = try await Self.scan(
            status: status,
            osRelease: Self.demoFleet.appendingPathComponent("debian-11.os-release").path,
            feeds: feeds
        )
        #expect(output.release == "Debian:11")

        // Known real findings.
        let curl = output.findings.first { $0.package == "curl" && $0.advisory == "DSA-5330-1" }
        #expect(curl?.installedVersion == "7.74.0-1.3+deb11u3")
        #expect(curl?.fixedVersion == "7.74.0-1.3+deb11u5")
        #expect(curl?.status == "fixed")
        #expect(curl?.aliases.contains("CVE-2022-32221") == true)
        #expect(output.findings.contains { $0.package == "libcurl4" && $0.advisory == "DSA-5365-1" })

        // Every fixable finding: dpkg agrees the fix is newer than what is installed.
        let fixable = output.findings.filter { $0.status == "fixed" && $0.fixedVersion != nil }
        #expect(fixable.count >= 20)
        let newer = try Self.dpkgCompare(
            fixable.flatMap {
                [($0.installedVersion, "lt", $0.fixedVersion!), ($0.sourceVersion, "lt", $0.fixedVersion!)]
            }
        )
        var wrong: [String] = []
        for (index, finding) in fixable.enumerated() where !(newer[2 * index] && newer[2 * index + 1]) {
            wrong.append(finding.description)
        }
        #expect(wrong.isEmpty, "fixed version not newer per dpkg:\n\(wrong.joined(separator: "\n"))")

        // Completeness: every bullseye DSA/DLA entry for an installed source yields a finding
        // exactly when dpkg says the installed source version is below the fix.
        var entries = try Self.listEntries(feeds + "/DSA/list", codename: "bullseye")
        entries.merge(try Self.listEntries(feeds + "/DLA/list", codename: "bullseye")) { $0 + $1 }
        var expected = Set<String>()
        var comparisons: [(String, String, String)] = []
        var keys: [String] = []
        for package in try Self.statusPackages(status) where !package.version.contains("~bpo11") {
            for (advisory, fixed) in entries[package.source] ?? [] {
                let key = "\(package.name) \(advisory)"
                if fixed.hasPrefix("<") {
                    if fixed != "<not-affected>" { expected.insert(key) }
                } else {
                    comparisons.append((package.sourceVersion, "lt", fixed))
                    keys.append(key)
                }
            }
        }
        for (key, isBelow) in zip(keys, try Self.dpkgCompare(comparisons)) where isBelow { expected.insert(key) }
        let reported = Set(
            output.findings.filter { $0.advisory.hasPrefix("DSA-") || $0.advisory.hasPrefix("DLA-") }
                .map { "\($0.package) \($0.advisory)" }
        )
        #expect(expected.count >= 20)
        #expect(
            reported.subtracting(expected).isEmpty,
            "reported but dpkg says fixed: \(reported.subtracting(expected).sorted())"
        )
        #expect(
            expected.subtracting(reported).isEmpty,
            "vulnerable per dpkg but not reported: \(expected.subtracting(reported).sorted())"
        )
    }
}
