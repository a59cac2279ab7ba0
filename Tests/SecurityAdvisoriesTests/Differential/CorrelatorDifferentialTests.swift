import FleetModel
import Foundation
import PackageVersions
import SecurityAdvisories
import Testing

/// The correlator's verdict (vulnerable or not) against the package managers' own comparison:
/// `dpkg --compare-versions INSTALLED lt FIXED` for Debian, `rpm.labelCompare` for RPM.
///
/// The fixed versions are real (the DSA list, Red Hat's CSAF advisories); the installed versions
/// are derived from them the ways real hosts differ: the fix itself, a lower or higher revision, a
/// binNMU, a `~debNuM`-style pre-release, an epoch, a missing revision/release, `~`/`^` suffixes.
/// Each case goes through the real advisory's own ``AdvisoryIndex`` and ``Correlator``.
@Suite struct CorrelatorDifferentialTests {
    /// One comparison: an installed version of a package an advisory entry names.
    struct Case: CustomStringConvertible {
        var advisory: Advisory
        var entry: Int
        var installed: String

        var affected: AffectedPackage { advisory.affected[entry] }
        var fixed: String { affected.fixedVersion! }
        var description: String {
            "\(advisory.id) \(affected.release) \(affected.name): installed \(installed) vs fixed \(fixed)"
        }

        /// Whether the correlator reports this advisory entry for the installed version, and with
        /// which fixed version.
        func verdict() -> (vulnerable: Bool, fixedVersion: String?) {
            let manager = affected.release.distribution.packageManager
            let package = InstalledPackage(
                name: affected.name,
                architecture: manager == .rpm ? "x86_64" : "amd64",
                version: installed,
                manager: manager
            )
            let correlator = Correlator(index: AdvisoryIndex(advisories: [advisory]))
            let match = correlator.matches(for: package, release: affected.release)
                .first { $0.affectedEntry == Int32(entry) }
            return (match != nil, match?.fixedVersion)
        }
    }

    // MARK: Debian

    /// The fixed versions of the DSA list, spread over its history, plus every distinct shape
    /// (epoch, tilde, `+debNuM`, `+dfsg`, no revision), each entry with its real advisory.
    static func debianCases() throws -> [Case] {
        let data = try Data(contentsOf: VersionOracles.fixtures.appendingPathComponent("debian/DSA/list"))
        let advisories = try DebianAdvisoryListReader(kind: .dsa).read(data, source: "debian/DSA/list").advisories
        var entries: [(advisory: Advisory, entry: Int)] = []
        for advisory in advisories {
            for (index, affected) in advisory.affected.enumerated()
            where affected.status == .fixed && affected.fixedVersion != nil && affected.nameKind == .source {
                entries.append((advisory, index))
            }
        }
        // Deterministic sample: every k-th entry, then make sure each shape is represented.
        let stride = max(1, entries.count / 36)
        var chosen = Swift.stride(from: 0, to: entries.count, by: stride).map { entries[$0] }
        let shapes: [(String) -> Bool] = [
            { $0.contains(":") }, { $0.contains("~") }, { $0.contains("+deb") }, { !$0.contains("-") },
            { $0.contains("+dfsg") }, { $0.contains("+b") }, { $0.contains("~bpo") }, { $0.contains("ubuntu") },
        ]
        for shape in shapes {
            chosen += entries.filter { shape($0.advisory.affected[$0.entry].fixedVersion!) }.prefix(3)
        }
        var seen = Set<String>()
        var cases: [Case] = []
        for (advisory, entry) in chosen {
            let fixed = advisory.affected[entry].fixedVersion!
            guard seen.insert(fixed).inserted else { continue }
            for installed in debianDerivations(of: fixed) {
                cases.append(Case(advisory: advisory, entry: entry, installed: installed))
            }
        }
        return cases
    }

    /// Installed versions a host might run next to a fixed version.
    static func debianDerivations(of fixed: String) -> [String] {
        var versions = [fixed, fixed + "+b1", fixed + "~deb11u1", fixed + ".1", fixed + "~"]
        versions += [adjustLastNumber(fixed, by: -1), adjustLastNumber(fixed, by: 1)].compactMap { $0 }
        if let colon = fixed.firstIndex(of: ":") {
            let withoutEpoch = String(fixed[fixed.index(after: colon)...])
            versions.append(withoutEpoch)
            if let epoch = Int(fixed[..<colon]) { versions.append("\(epoch + 1):\(withoutEpoch)") }
        } else {
            versions.append("1:" + fixed)
        }
        if fixed.contains("+deb") { versions.append(fixed.replacingOccurrences(of: "+deb", with: "~deb")) }
        if let hyphen = fixed.lastIndex(of: "-") {
            let upstream = String(fixed[..<hyphen])
            versions += [upstream, upstream + "-0", upstream + "+really" + "-1"]
        } else {
            versions += [fixed + "-1", fixed + "-0~1"]
        }
        var unique: [String] = []
        for version in versions where !unique.contains(version) { unique.append(version) }
        return unique
    }

    /// `text` with its last run of digits changed by `delta` (`nil` when that would go negative or
    /// the run is too long to be a plain number).
    static func adjustLastNumber(_ text: String, by delta: Int, within range: Range<String.Index>? = nil) -> String? {
        let range = range ?? text.startIndex..<text.endIndex
        guard let last = text[range].lastIndex(where: \.isNumber) else { return nil }
        var first = last
        while first > range.lowerBound, text[text.index(before: first)].isNumber { first = text.index(before: first) }
        let digits = text[first...last]
        guard digits.count <= 9, let value = Int(digits), value + delta >= 0 else { return nil }
        return text.replacingCharacters(in: first...last, with: String(value + delta))
    }

    @Test(.enabled(if: VersionOracles.dpkg != nil, "dpkg is not installed on this machine"))
    func debianVerdictsEqualDpkg() throws {
        let cases = try Self.debianCases()
        #expect(cases.count >= 300, "expected a few hundred cases, built \(cases.count)")
        let verdicts = try VersionOracles.dpkgVerdicts(cases.map { ($0.installed, $0.fixed) })
        var compared = 0
        var skippedInvalid: [String] = []
        var disagreements: [String] = []
        for (item, dpkg) in zip(cases, verdicts) {
            guard dpkg.installedValid, dpkg.fixedValid else {
                skippedInvalid.append(item.description)
                continue
            }
            // A `~bpoN` package on Debian N is judged against release N+1's data, by design.
            guard
                Correlator.backportRelease(version: item.installed, host: item.affected.release)
                    == item.affected.release
            else { continue }
            compared += 1
            let ours = item.verdict()
            if ours.vulnerable != dpkg.installedLessThanFixed {
                disagreements.append(
                    "\(item): correlator says \(ours.vulnerable ? "vulnerable" : "not vulnerable"), dpkg says "
                        + (dpkg.installedLessThanFixed ? "lt" : "not lt")
                )
            } else if ours.vulnerable, ours.fixedVersion != item.fixed {
                disagreements.append("\(item): reported fixed version \(ours.fixedVersion ?? "nil")")
            }
        }
        #expect(compared >= 300, "only \(compared) valid cases; dpkg rejected: \(skippedInvalid.prefix(20))")
        // A differential that only compared equal versions would prove little: both verdicts occur.
        let lower = verdicts.filter(\.installedLessThanFixed).count
        #expect(lower >= 100 && verdicts.count - lower >= 100, "dpkg said lt for \(lower) of \(verdicts.count)")
        #expect(
            disagreements.isEmpty,
            "\(disagreements.count) of \(compared) cases disagree with dpkg:\n\(disagreements.joined(separator: "\n"))"
        )
    }

    // MARK: RPM

    /// Every fixed EVR the CSAF reader gives for the real Red Hat advisories (telnet's
    /// `1:0.17-65.el7_6` in RHSA-2022:0011), plus a spread of the EVRs that RHBA-2018:0489 names in
    /// its product tree (431 OpenShift 3.9 RPMs, which the reader rightly leaves out as a layered
    /// product), each put in an advisory entry for Red Hat 7 as the reader would.
    static func rpmCases() throws -> [Case] {
        let folder = VersionOracles.fixtures.appendingPathComponent("csaf")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".json") }
            .sorted()
        var entries: [(advisory: Advisory, entry: Int)] = []
        var productEVRs: [(name: String, evr: String)] = []
        for name in names {
            let data = try Data(contentsOf: folder.appendingPathComponent(name))
            for advisory in try CSAFReader().read(data, source: "csaf/\(name)").advisories {
                for (index, affected) in advisory.affected.enumerated()
                where affected.status == .fixed && affected.fixedVersion != nil && affected.scheme == .rpm {
                    entries.append((advisory, index))
                }
            }
            productEVRs += try productTreeEVRs(data)
        }
        #expect(!entries.isEmpty, "the CSAF reader gave no fixed RPM entry")
        let stride = max(1, productEVRs.count / 40)
        for (offset, product) in Swift.stride(from: 0, to: productEVRs.count, by: stride).map({ productEVRs[$0] })
            .enumerated()
        {
            let advisory = Advisory(
                id: "RHBA-2018:0489#\(offset)",
                source: .rhsa,
                modified: Date(timeIntervalSince1970: 0),
                affected: [
                    AffectedPackage(
                        release: EcosystemRelease(.redHat, "7"),
                        name: product.name,
                        nameKind: .binary,
                        status: .fixed,
                        fixedVersion: product.evr
                    )
                ]
            )
            entries.append((advisory, 0))
        }
        var seen = Set<String>()
        var cases: [Case] = []
        for (advisory, entry) in entries {
            let fixed = advisory.affected[entry].fixedVersion!
            guard seen.insert(fixed).inserted else { continue }
            for installed in rpmDerivations(of: fixed) {
                cases.append(Case(advisory: advisory, entry: entry, installed: installed))
            }
        }
        return cases
    }

    /// `name-epoch:version-release` product ids of a CSAF product tree, split into name and EVR.
    static func productTreeEVRs(_ data: Data) throws -> [(name: String, evr: String)] {
        let pattern = /^(.+)-(\d+:[^-:]+-[^-:]+)$/
        var found: [(String, String)] = []
        func walk(_ branch: [String: Any]) {
            if let product = branch["product"] as? [String: Any], let id = product["product_id"] as? String,
                let match = id.wholeMatch(of: pattern),
                // NEVRA ids (`telnet-1:0.17-65.el7_6.x86_64`) carry an arch: the reader covers those.
                !["x86_64", "src", "noarch", "i686", "aarch64", "ppc64le", "s390x"].contains(where: {
                    id.hasSuffix("." + $0)
                })
            {
                found.append((String(match.1), String(match.2)))
            }
            for child in branch["branches"] as? [[String: Any]] ?? [] { walk(child) }
        }
        let root = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        walk(root?["product_tree"] as? [String: Any] ?? [:])
        return found
    }

    /// Installed EVRs a host might run next to a fixed EVR `E:V-R`.
    static func rpmDerivations(of fixed: String) -> [String] {
        var epoch: String?
        var rest = Substring(fixed)
        if let colon = rest.firstIndex(of: ":"), rest[..<colon].allSatisfy(\.isNumber) {
            epoch = String(rest[..<colon])
            rest = rest[rest.index(after: colon)...]
        }
        guard let hyphen = rest.lastIndex(of: "-") else { return [fixed] }
        let version = String(rest[..<hyphen])
        let release = String(rest[rest.index(after: hyphen)...])
        func evr(_ e: String?, _ v: String, _ r: String?) -> String {
            (e.map { $0 + ":" } ?? "") + v + (r.map { "-" + $0 } ?? "")
        }
        var versions = [fixed, evr(nil, version, release), evr(epoch ?? "0", version, release)]
        if let number = Int(epoch ?? "0") {
            versions.append(evr(String(number + 1), version, release))
            if number > 0 { versions.append(evr(String(number - 1), version, release)) }
        }
        for delta in [-1, 1] {
            if let lower = adjustLastNumber(release, by: delta) { versions.append(evr(epoch, version, lower)) }
            if let changed = adjustLastNumber(version, by: delta) { versions.append(evr(epoch, changed, release)) }
        }
        versions += [
            evr(epoch, version + "~rc1", release),
            evr(epoch, version + "^20240101git", release),
            evr(epoch, version, nil),
            evr(epoch, version, release + ".1"),
            evr(epoch, version, release + "~1"),
            evr(epoch, version, release + "_1"),
            evr(epoch, version + ".0", release),
        ]
        // el8 vs el8_4-style dist tags.
        if let dist = release.range(of: #"el\d+"#, options: .regularExpression) {
            versions.append(evr(epoch, version, release.replacingCharacters(in: dist, with: release[dist] + "_4")))
        }
        var unique: [String] = []
        for version in versions where !unique.contains(version) { unique.append(version) }
        return unique
    }

    @Test(.enabled(if: VersionOracles.rpmPython != nil, "python3 cannot import rpm: install python3-rpm"))
    func rpmVerdictsEqualLabelCompare() throws {
        let cases = try Self.rpmCases()
        #expect(cases.count >= 150, "expected a few hundred cases, built \(cases.count)")
        let verdicts = try VersionOracles.rpmLabelCompare(cases.map { ($0.installed, $0.fixed) })
        let lower = verdicts.filter { $0 < 0 }.count
        #expect(lower >= 50 && verdicts.count - lower >= 50, "labelCompare said -1 for \(lower) of \(verdicts.count)")
        var disagreements: [String] = []
        for (item, rpm) in zip(cases, verdicts) {
            let ours = item.verdict()
            if ours.vulnerable != (rpm < 0) {
                disagreements.append(
                    "\(item): correlator says \(ours.vulnerable ? "vulnerable" : "not vulnerable"), "
                        + "rpm.labelCompare says \(rpm)"
                )
            } else if ours.vulnerable, ours.fixedVersion != item.fixed {
                disagreements.append("\(item): reported fixed version \(ours.fixedVersion ?? "nil")")
            }
        }
        #expect(
            disagreements.isEmpty,
            "\(disagreements.count) of \(cases.count) cases disagree with rpm:\n\(disagreements.joined(separator: "\n"))"
        )
    }
}
