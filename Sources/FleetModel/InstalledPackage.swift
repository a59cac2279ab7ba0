/// The package manager that owns an installed package.
public enum PackageManagerKind: String, Sendable, Hashable, Codable, CaseIterable {
    case dpkg
    case rpm
    case apk
}

/// The installation state of a package as the package manager records it.
///
/// Only ``installed`` counts as installed for vulnerability matching; the other states are kept so
/// that half-configured or removed-but-configured packages stay visible to operators.
public enum PackageState: String, Sendable, Hashable, Codable, CaseIterable {
    case installed
    case halfInstalled = "half-installed"
    case halfConfigured = "half-configured"
    case unpacked
    case triggersAwaited = "triggers-awaited"
    case triggersPending = "triggers-pending"
    case configFiles = "config-files"
    case notInstalled = "not-installed"

    /// Whether the package's files are in place and configured.
    public var countsAsInstalled: Bool { self == .installed }
}

/// Identifies one package slot on a host: a binary package name and its architecture.
public struct PackageKey: Sendable, Hashable, Codable, Comparable {
    /// The binary package name.
    public var name: String
    /// The architecture (`amd64`, `x86_64`, `all`, `noarch`…).
    public var architecture: String

    /// Creates a key.
    public init(name: String, architecture: String) {
        self.name = name
        self.architecture = architecture
    }

    public static func < (lhs: PackageKey, rhs: PackageKey) -> Bool {
        (lhs.name, lhs.architecture) < (rhs.name, rhs.architecture)
    }
}

/// A package installed (or partly installed) on a host, with the source package it was built from.
///
/// Advisories for Debian and Ubuntu name source packages, so the source name and version are kept
/// next to the binary ones. When the package manager does not record a separate source, the source
/// equals the binary.
public struct InstalledPackage: Sendable, Hashable, Codable {
    /// The binary package name.
    public var name: String
    /// The architecture.
    public var architecture: String
    /// The full version as the package manager prints it (`1:2.38.1-5+deb12u3`, `1:2.4.62-13.el9`).
    public var version: String
    /// The source package name (`util-linux` for `bsdutils`).
    public var sourceName: String
    /// The source package version (`2.38.1-5+deb12u3` for `bsdutils 1:2.38.1-5+deb12u3`).
    public var sourceVersion: String
    /// The installation state.
    public var state: PackageState
    /// Which package manager recorded it.
    public var manager: PackageManagerKind

    /// Creates a package record.
    public init(
        name: String,
        architecture: String,
        version: String,
        sourceName: String? = nil,
        sourceVersion: String? = nil,
        state: PackageState = .installed,
        manager: PackageManagerKind
    ) {
        self.name = name
        self.architecture = architecture
        self.version = version
        self.sourceName = sourceName ?? name
        self.sourceVersion = sourceVersion ?? version
        self.state = state
        self.manager = manager
    }

    /// The slot this package occupies.
    public var key: PackageKey { PackageKey(name: name, architecture: architecture) }
}
