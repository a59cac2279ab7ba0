import FleetModel
import Foundation
import SecurityAdvisories

/// The release key of the package catalog: packages of hosts with the same key are the same
/// artefacts, so they are stored and correlated once.
///
/// It is the OSV ecosystem of the host's release (`Debian:12`, `Ubuntu:22.04:LTS`, `Red Hat:9`),
/// which ``SecurityAdvisories/EcosystemRelease/init(osvEcosystem:)`` reads back for correlation;
/// hosts of distributions without feeds get `os:<ID>:<VERSION_ID>` (never correlated).
public enum CatalogRelease {
    /// The key for a host running `os`.
    public static func of(_ os: OSRelease) -> String {
        EcosystemRelease(osRelease: os)?.osvEcosystem ?? "os:\(os.id):\(os.versionID)"
    }
}

/// One distinct package version of the fleet (release, name, architecture, version, source name
/// and version, manager), stored once whatever the number of hosts that run it.
public struct CatalogPackage: Sendable, Hashable {
    /// The catalog id.
    public var id: Int64
    /// ``CatalogRelease`` key.
    public var release: String
    /// The package, in state `installed` (a host's state is kept with the host).
    public var package: InstalledPackage
    /// Hosts that have it installed.
    public var hostCount: Int

    /// Creates a catalog entry.
    public init(id: Int64, release: String, package: InstalledPackage, hostCount: Int) {
        self.id = id
        self.release = release
        self.package = package
        self.hostCount = hostCount
    }
}

/// The complete correlation result of one catalog package: every advisory that applies to it.
public struct PackageCorrelation: Sendable, Hashable {
    /// The catalog id.
    public var packageID: Int64
    /// Its findings (host-independent; the first per advisory counts).
    public var findings: [Finding]

    /// Creates a result.
    public init(packageID: Int64, findings: [Finding]) {
        self.packageID = packageID
        self.findings = findings
    }
}

/// What storing correlation results changed, counted in host findings.
public struct CorrelationOutcome: Sendable, Hashable {
    /// Catalog packages whose results were stored.
    public var packages: Int
    /// (package, advisory) results that appeared, changed values or disappeared.
    public var added: Int
    public var changed: Int
    public var removed: Int
    /// Host findings that opened (hosts running a package that gained an advisory).
    public var opened: Int
    /// Host findings that closed (hosts running a package that lost one).
    public var closed: Int

    /// Creates an outcome.
    public init(packages: Int = 0, added: Int = 0, changed: Int = 0, removed: Int = 0, opened: Int = 0, closed: Int = 0)
    {
        self.packages = packages
        self.added = added
        self.changed = changed
        self.removed = removed
        self.opened = opened
        self.closed = closed
    }
}
