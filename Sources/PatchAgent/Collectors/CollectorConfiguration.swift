/// Where the inventory collector looks for the host's files and package databases.
///
/// Every host path (`/etc/os-release`, `/proc/uptime`, the dpkg admin directory, the rpm database…)
/// is resolved under ``rootDirectory``, so a collector can read a mounted image or a test sandbox
/// as if it were the running system.
public struct CollectorConfiguration: Sendable {
    /// The directory that stands for `/`. Defaults to `/`.
    public var rootDirectory: String
    /// dpkg's admin directory, as a path inside the root; `nil` means `/var/lib/dpkg`.
    /// dpkg packages are collected when `<admindir>/status` exists.
    public var dpkgAdminDirectory: String?
    /// The rpm database directory, as a path inside the root (passed to `rpm --dbpath`).
    /// When set, rpm packages are always collected; when `nil`, they are collected if the `rpm`
    /// program is found and a database exists in `/var/lib/rpm` or `/usr/lib/sysimage/rpm`.
    public var rpmDatabasePath: String?
    /// The `rpm` program to run: a path, or a name looked up in `PATH`. Defaults to `rpm`.
    public var rpmExecutable: String

    /// The dpkg admin directory used when ``dpkgAdminDirectory`` is `nil`.
    public static let defaultDpkgAdminDirectory = "/var/lib/dpkg"
    /// The rpm database directories probed when ``rpmDatabasePath`` is `nil`, in order.
    public static let defaultRPMDatabasePaths = ["/var/lib/rpm", "/usr/lib/sysimage/rpm"]

    /// Creates a configuration.
    ///
    /// - Parameters:
    ///   - rootDirectory: The directory that stands for `/` (default `/`).
    ///   - dpkgAdminDirectory: dpkg's admin directory inside the root (default `/var/lib/dpkg`).
    ///   - rpmDatabasePath: The rpm database inside the root (default: probe the usual places).
    ///   - rpmExecutable: The `rpm` program (default `rpm`, looked up in `PATH`).
    public init(
        rootDirectory: String = "/",
        dpkgAdminDirectory: String? = nil,
        rpmDatabasePath: String? = nil,
        rpmExecutable: String = "rpm"
    ) {
        self.rootDirectory = rootDirectory
        self.dpkgAdminDirectory = dpkgAdminDirectory
        self.rpmDatabasePath = rpmDatabasePath
        self.rpmExecutable = rpmExecutable
    }
}
