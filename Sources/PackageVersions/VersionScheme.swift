/// A versioning scheme: how a package manager spells and orders its versions.
public enum VersionScheme: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// Debian / Ubuntu (dpkg), ``DebianVersion``.
    case deb
    /// Red Hat family (rpm), ``RPMVersion``.
    case rpm
    /// Alpine (apk-tools), ``AlpineVersion``.
    case apk
    /// SemVer 2.0.0 (npm and others), ``SemanticVersion``.
    case semver

    /// Accepts the canonical names and common aliases: `deb`/`debian`/`ubuntu`, `rpm`/`redhat`,
    /// `apk`/`alpine`, `semver`/`npm`.
    ///
    /// - Throws: ``PackageVersionsError`` (``PackageVersionsError/Code/unknownScheme``).
    public init(name: String) throws(PackageVersionsError) {
        switch name.lowercased() {
        case "deb", "debian", "ubuntu", "dpkg": self = .deb
        case "rpm", "redhat", "red hat", "rhel", "fedora", "centos", "rocky", "almalinux", "suse", "opensuse":
            self = .rpm
        case "apk", "alpine", "wolfi", "chainguard": self = .apk
        case "semver", "npm", "cargo", "golang", "go", "nuget", "hex", "pub": self = .semver
        default:
            throw PackageVersionsError(
                code: .unknownScheme,
                input: name,
                position: nil,
                reason: "unknown versioning scheme (expected deb, rpm, apk or semver)"
            )
        }
    }

    /// The scheme of an OSV `affected[].package.ecosystem` name (its part before any `:`), such as
    /// `Debian:12`, `Ubuntu:22.04:LTS`, `Alpine:v3.19`, `Red Hat`, `Rocky Linux:9`, `npm`.
    public init(osvEcosystem: String) throws(PackageVersionsError) {
        let base = osvEcosystem.split(separator: ":", maxSplits: 1).first.map(String.init) ?? osvEcosystem
        switch base.lowercased() {
        case "debian", "ubuntu": self = .deb
        case "red hat", "rocky linux", "almalinux", "suse", "opensuse", "mageia", "openeuler", "azure linux":
            self = .rpm
        case "alpine", "wolfi", "chainguard", "alpaquita", "bellsoft hardened containers": self = .apk
        case "npm", "crates.io", "go", "nuget", "hex", "pub": self = .semver
        default: try self.init(name: base)
        }
    }

    /// The canonical name (`deb`, `rpm`, `apk`, `semver`).
    public var description: String { rawValue }

    /// Parses `text` as a version of this scheme.
    public func parse(_ text: String) throws(PackageVersionsError) -> AnyVersion {
        try AnyVersion(parsing: text, scheme: self)
    }

    /// Whether `text` is a valid version of this scheme.
    public func isValid(_ text: String) -> Bool { (try? parse(text)) != nil }

    /// Parses both strings and orders them by this scheme's rules.
    public func compare(_ lhs: String, _ rhs: String) throws(PackageVersionsError) -> VersionOrdering {
        switch self {
        case .deb: try DebianVersion.compare(lhs, rhs)
        case .rpm: try RPMVersion.compare(lhs, rhs)
        case .apk: try AlpineVersion(parsing: lhs).compare(to: AlpineVersion(parsing: rhs))
        case .semver: try SemanticVersion.compare(lhs, rhs)
        }
    }
}

/// A parsed version of any supported scheme.
public enum AnyVersion: Sendable, Hashable, CustomStringConvertible {
    /// A Debian version.
    case deb(DebianVersion)
    /// An RPM version.
    case rpm(RPMVersion)
    /// An Alpine version.
    case apk(AlpineVersion)
    /// A semantic version.
    case semver(SemanticVersion)

    /// Parses `text` by `scheme`'s rules.
    public init(parsing text: String, scheme: VersionScheme) throws(PackageVersionsError) {
        switch scheme {
        case .deb: self = .deb(try DebianVersion(parsing: text))
        case .rpm: self = .rpm(try RPMVersion(parsing: text))
        case .apk: self = .apk(try AlpineVersion(parsing: text))
        case .semver: self = .semver(try SemanticVersion(parsing: text))
        }
    }

    /// The scheme this version belongs to.
    public var scheme: VersionScheme {
        switch self {
        case .deb: .deb
        case .rpm: .rpm
        case .apk: .apk
        case .semver: .semver
        }
    }

    /// Orders two versions of the same scheme; `nil` when the schemes differ.
    public func compare(to other: AnyVersion) -> VersionOrdering? {
        switch (self, other) {
        case (.deb(let a), .deb(let b)): a.compare(to: b)
        case (.rpm(let a), .rpm(let b)): a.compare(to: b)
        case (.apk(let a), .apk(let b)): a.compare(to: b)
        case (.semver(let a), .semver(let b)): a.compare(to: b)
        default: nil
        }
    }

    /// The version as text.
    public var description: String {
        switch self {
        case .deb(let v): v.description
        case .rpm(let v): v.description
        case .apk(let v): v.description
        case .semver(let v): v.description
        }
    }
}
