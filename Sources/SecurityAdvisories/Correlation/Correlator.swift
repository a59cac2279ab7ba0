import FleetModel
import Foundation
import PackageVersions

/// Decides which advisories apply to an installed package on a host of a given release.
///
/// Rules (each has a test with real version strings):
/// - Debian and Ubuntu advisories name **source** packages: a binary package is matched through
///   its source name and **source version** (so `bsdutils 1:2.38.1-5+deb12u3` is judged as
///   `util-linux 2.38.1-5+deb12u3`, and a binNMU `+b8` does not count as a newer source). When the
///   advisory lists the binaries a source builds (Ubuntu USNs), only those binaries get the finding,
///   each judged against its own fixed binary version.
/// - RPM advisories name binary packages: name + EVR, rpm's rule for a missing epoch (0).
/// - Alpine advisories name origin packages (the source name).
/// - Backports: a Debian package versioned `~bpoN` on a Debian N host is a package of release N+1
///   rebuilt for N, so it is judged against release N+1's data; every other package is judged
///   against the host's own release, whatever release its version string hints at.
/// - `not-affected` never matches; `will-not-fix`, `affected`, `under-investigation` and
///   `end-of-life` match the versions their ranges cover (all versions when they give none) but
///   offer no fixed version, so they are never reported as fixable.
public struct Correlator: Sendable {
    /// The advisories.
    public let index: AdvisoryIndex

    /// Creates a correlator over an index.
    public init(index: AdvisoryIndex) {
        self.index = index
    }

    /// The advisories that apply to `package` on a host running `release`.
    public func matches(for package: InstalledPackage, release: EcosystemRelease) -> [PackageMatch] {
        guard package.state.countsAsInstalled, release.distribution.packageManager == package.manager else { return [] }
        var results: [PackageMatch] = []
        switch package.manager {
        case .dpkg:
            let effective = Self.backportRelease(version: package.version, host: release)
            collect(
                key: .init(release: effective, kind: .source, name: package.sourceName),
                version: package.sourceVersion,
                binary: package,
                scheme: .deb,
                into: &results
            )
            collect(
                key: .init(release: effective, kind: .binary, name: package.name),
                version: package.version,
                binary: nil,
                scheme: .deb,
                into: &results
            )
        case .rpm:
            collect(
                key: .init(release: release, kind: .binary, name: package.name),
                version: package.version,
                binary: nil,
                scheme: .rpm,
                into: &results
            )
            if package.sourceName != package.name {
                collect(
                    key: .init(release: release, kind: .source, name: package.sourceName),
                    version: package.version,
                    binary: package,
                    scheme: .rpm,
                    into: &results
                )
            }
        case .apk:
            collect(
                key: .init(release: release, kind: .source, name: package.sourceName),
                version: package.version,
                binary: package,
                scheme: .apk,
                into: &results
            )
        }
        return results
    }

    private func collect(
        key: AdvisoryIndex.Key,
        version text: String,
        binary: InstalledPackage?,
        scheme: VersionScheme,
        into results: inout [PackageMatch]
    ) {
        let entries = index.entries(for: key)
        guard !entries.isEmpty, let version = try? AnyVersion(parsing: text, scheme: scheme) else { return }
        var binaryVersion: AnyVersion?
        for entry in entries where entry.status != .notAffected {
            guard !results.contains(where: { $0.advisory == entry.advisory }) else { continue }
            var fixedVersion = entry.status == .fixed ? entry.fixedVersion : nil
            let affected: Bool
            if let binary, !entry.binaries.isEmpty {
                // The advisory names the binaries it fixes: attribute only those, by binary version.
                guard let binaryFix = entry.binaries[binary.name] else { continue }
                if binaryVersion == nil { binaryVersion = try? AnyVersion(parsing: binary.version, scheme: scheme) }
                guard let installed = binaryVersion, let fix = try? AnyVersion(parsing: binaryFix, scheme: scheme)
                else { continue }
                affected = entry.status == .fixed ? installed.compare(to: fix) == .less : true
                if entry.status == .fixed { fixedVersion = binaryFix }
            } else {
                affected = Self.isAffected(version, text: text, entry: entry)
            }
            guard affected else { continue }
            if entry.status == .fixed, fixedVersion == nil {
                fixedVersion = Self.fixedVersion(after: version, in: entry)
            }
            results.append(
                PackageMatch(
                    advisory: entry.advisory,
                    affectedEntry: entry.affectedEntry,
                    status: entry.status,
                    fixedVersion: fixedVersion
                )
            )
        }
    }

    static func isAffected(_ version: AnyVersion, text: String, entry: AdvisoryIndex.Entry) -> Bool {
        if !entry.ranges.isEmpty { return entry.ranges.contains { $0.contains(version) } }
        if let fixed = entry.fixed { return version.compare(to: fixed) == .less }
        if !entry.versions.isEmpty { return entry.versions.contains(text) }
        return true
    }

    /// The lowest fixed event above `version` among the entry's ranges.
    static func fixedVersion(after version: AnyVersion, in entry: AdvisoryIndex.Entry) -> String? {
        var best: (text: String, version: AnyVersion)?
        for range in entry.ranges {
            for case .fixed(let text) in range.events {
                guard let fixed = try? AnyVersion(parsing: text, scheme: range.scheme),
                    version.compare(to: fixed) == .less
                else { continue }
                if best == nil || fixed.compare(to: best!.version) == .less { best = (text, fixed) }
            }
        }
        return best?.text
    }

    /// The release whose data judges a Debian package: N+1 for a `~bpoN` package on Debian N.
    public static func backportRelease(version: String, host: EcosystemRelease) -> EcosystemRelease {
        guard host.distribution == .debian, let range = version.range(of: "~bpo") else { return host }
        let digits = version[range.upperBound...].prefix { $0.isNumber }
        guard let backportedTo = Int(digits), String(backportedTo) == host.version else { return host }
        return EcosystemRelease(.debian, String(backportedTo + 1))
    }
}
