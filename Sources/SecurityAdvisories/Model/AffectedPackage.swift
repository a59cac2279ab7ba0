import FleetModel
import PackageVersions

/// Whether an advisory names a source package or a binary package.
public enum PackageNameKind: String, Sendable, Hashable, Codable {
    /// A source package (Debian/Ubuntu advisories, Alpine origin packages).
    case source
    /// A binary package (RPM advisories, per-binary Ubuntu lists).
    case binary
}

/// One OSV-style range event list, kept as text so advisories stay Codable and scheme-neutral.
public struct VersionRangeEvents: Sendable, Hashable, Codable {
    /// `introduced` versions (`0` means from the beginning).
    public var introduced: [String]
    /// `fixed` versions.
    public var fixed: [String]
    /// `last_affected` versions.
    public var lastAffected: [String]
    /// `limit` versions.
    public var limit: [String]

    /// Creates an event list.
    public init(introduced: [String] = [], fixed: [String] = [], lastAffected: [String] = [], limit: [String] = []) {
        self.introduced = introduced
        self.fixed = fixed
        self.lastAffected = lastAffected
        self.limit = limit
    }
}

/// A binary package an advisory lists for a source, with its fixed version.
public struct BinaryFix: Sendable, Hashable, Codable {
    /// The binary package name.
    public var name: String
    /// The binary version that contains the fix.
    public var version: String

    /// Creates a binary fix.
    public init(name: String, version: String) {
        self.name = name
        self.version = version
    }
}

/// What an advisory says about one package in one distribution release.
public struct AffectedPackage: Sendable, Hashable, Codable {
    /// The release (`Debian:12`).
    public var release: EcosystemRelease
    /// The package name.
    public var name: String
    /// Whether ``name`` is a source or binary package.
    public var nameKind: PackageNameKind
    /// The status in this release.
    public var status: AffectedStatus
    /// The lowest version that contains the fix (status ``AffectedStatus/fixed``).
    public var fixedVersion: String?
    /// ECOSYSTEM ranges, when the feed gives ranges rather than one fixed version.
    public var ranges: [VersionRangeEvents]
    /// Explicit affected versions, when the feed lists them.
    public var versions: [String]
    /// Binaries the source builds, with their fixed versions, when the feed lists them (Ubuntu).
    /// When present, only these binaries are attributed the finding.
    public var binaries: [BinaryFix]
    /// The distribution's own severity for this package, if any.
    public var severity: Severity?
    /// Why the status is what it is, when the feed says (`no-dsa: Minor issue`, a `<not-affected>` reason).
    public var statusNote: String?

    /// Creates an entry.
    public init(
        release: EcosystemRelease,
        name: String,
        nameKind: PackageNameKind,
        status: AffectedStatus,
        fixedVersion: String? = nil,
        ranges: [VersionRangeEvents] = [],
        versions: [String] = [],
        binaries: [BinaryFix] = [],
        severity: Severity? = nil,
        statusNote: String? = nil
    ) {
        self.release = release
        self.name = name
        self.nameKind = nameKind
        self.status = status
        self.fixedVersion = fixedVersion
        self.ranges = ranges
        self.versions = versions
        self.binaries = binaries
        self.severity = severity
        self.statusNote = statusNote
    }

    /// The version scheme of this release's packages.
    public var scheme: VersionScheme {
        switch release.distribution.packageManager {
        case .dpkg: .deb
        case .rpm: .rpm
        case .apk: .apk
        }
    }
}
