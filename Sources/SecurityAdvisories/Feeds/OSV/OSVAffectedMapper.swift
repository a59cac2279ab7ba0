import FleetModel
import PackageVersions

/// Turns one OSV `affected[]` entry into an ``AffectedPackage``.
///
/// Rules:
/// - The ecosystem must name a distribution release (``EcosystemRelease/init(osvEcosystem:)``);
///   other ecosystems (Ubuntu Pro and FIPS streams, npm, PyPI …) are left out by design and counted.
/// - Debian, Ubuntu and Alpine name source packages; Red Hat, Rocky and Alma name binary packages.
/// - `ECOSYSTEM` ranges become ``VersionRangeEvents``; other range types (`GIT`, `SEMVER`) are ignored.
/// - The status is ``AffectedStatus/fixed`` when a `fixed` event exists, with the lowest fixed version
///   as ``AffectedPackage/fixedVersion``; otherwise ``AffectedStatus/affected`` (only `introduced`, only
///   `last_affected`, or no ranges at all: no fix has been released).
/// - `ecosystem_specific.binaries` is read in both shapes Ubuntu publishes: a list of
///   `{binary_name, binary_version}` objects, or a list of `{name: version}` objects.
/// - The entry's severity comes from `ecosystem_specific.urgency` (Debian), `ubuntu_priority` or
///   `priority` (Ubuntu), or `database_specific.severity`.
/// - The `purl` is not read: Ubuntu publishes malformed ones (`?arch=src?distro=jammy`).
struct OSVAffectedMapper {
    /// What the mapper produced for one entry.
    enum Outcome {
        /// A distribution package.
        case package(AffectedPackage)
        /// An ecosystem left out by design, named for the count.
        case ignored(ecosystem: String)
    }

    func map(_ entry: JSONRecordObject) throws(SecurityAdvisoriesError) -> Outcome {
        let package = try entry.requiredObject("package")
        let ecosystem = try package.requiredString("ecosystem")
        let name = try package.requiredString("name")
        guard let release = EcosystemRelease(osvEcosystem: ecosystem) else { return .ignored(ecosystem: ecosystem) }

        var ranges: [VersionRangeEvents] = []
        for range in try entry.objects("ranges") {
            let type = try range.requiredString("type")
            guard type == "ECOSYSTEM" else { continue }
            guard range.fields["events"] != nil else {
                throw range.error(.missingField, "events", "required field is missing")
            }
            ranges.append(try events(of: range))
        }
        let versions = try entry.strings("versions")
        let ecosystemSpecific = try entry.object("ecosystem_specific")
        let databaseSpecific = try entry.object("database_specific")
        let binaries =
            try ecosystemSpecific.map { specific throws(SecurityAdvisoriesError) in
                try Self.binaries(of: specific)
            } ?? []

        let fixedVersions = ranges.flatMap(\.fixed)
        let fixedVersion = Self.lowest(fixedVersions, scheme: Self.scheme(of: release))
        var severityWords: [String?] = []
        for key in ["urgency", "ubuntu_priority", "priority"] {
            severityWords.append(try ecosystemSpecific?.string(key))
        }
        severityWords.append(try databaseSpecific?.string("severity"))
        let severity = severityWords.lazy.compactMap { $0 }.map(Severity.init(distributionWord:))
            .first { $0 != .unknown }

        return .package(
            AffectedPackage(
                release: release,
                name: name,
                nameKind: Self.nameKind(of: release),
                status: fixedVersion == nil ? .affected : .fixed,
                fixedVersion: fixedVersion,
                ranges: ranges,
                versions: versions,
                binaries: binaries,
                severity: severity
            )
        )
    }

    private func events(of range: JSONRecordObject) throws(SecurityAdvisoriesError) -> VersionRangeEvents {
        var events = VersionRangeEvents()
        for event in try range.objects("events") {
            guard event.fields.count == 1, let (key, value) = event.fields.first else {
                throw event.error(.invalidValue, nil, "an event must have exactly one member")
            }
            guard let version = value as? String, !version.isEmpty else {
                throw event.error(.invalidValue, key, "expected a version string")
            }
            switch key {
            case "introduced": events.introduced.append(version)
            case "fixed": events.fixed.append(version)
            case "last_affected": events.lastAffected.append(version)
            case "limit": events.limit.append(version)
            default: throw event.error(.invalidValue, key, "unknown event type '\(key)'")
            }
        }
        return events
    }

    static func binaries(of specific: JSONRecordObject) throws(SecurityAdvisoriesError) -> [BinaryFix] {
        var fixes: [BinaryFix] = []
        for object in try specific.objects("binaries") {
            if object.fields["binary_name"] != nil {
                fixes.append(
                    BinaryFix(
                        name: try object.requiredString("binary_name"),
                        version: try object.requiredString("binary_version")
                    )
                )
                continue
            }
            // UBUNTU-CVE-2024-7347: one object mapping every binary name to its version.
            for name in object.fields.keys.sorted() {
                guard let version = object.fields[name] as? String, !version.isEmpty else {
                    throw object.error(.invalidValue, name, "expected a binary version string")
                }
                fixes.append(BinaryFix(name: name, version: version))
            }
        }
        return fixes
    }

    /// The lowest version by the release's scheme; unparsable versions sort after parsable ones.
    static func lowest(_ versions: [String], scheme: VersionScheme) -> String? {
        guard var lowest = versions.first else { return nil }
        for candidate in versions.dropFirst() where (try? scheme.compare(candidate, lowest)) == .less {
            lowest = candidate
        }
        return lowest
    }

    /// The version scheme of a release's packages.
    static func scheme(of release: EcosystemRelease) -> VersionScheme {
        switch release.distribution.packageManager {
        case .dpkg: .deb
        case .rpm: .rpm
        case .apk: .apk
        }
    }

    /// Debian, Ubuntu and Alpine (origin) advisories name source packages; Red Hat and its rebuilds
    /// name binary packages.
    static func nameKind(of release: EcosystemRelease) -> PackageNameKind {
        switch release.distribution {
        case .debian, .ubuntu, .alpine: .source
        case .redHat, .rocky, .alma: .binary
        }
    }
}
