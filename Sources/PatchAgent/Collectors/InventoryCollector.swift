import FleetModel
import Foundation

/// Collects a host's facts and installed packages from its files and package databases.
///
/// What it reads, every path resolved under ``CollectorConfiguration/rootDirectory``:
/// - OS: `/etc/os-release`, else `/usr/lib/os-release` (one of them is required);
/// - host name: `/proc/sys/kernel/hostname`, else `/etc/hostname`;
/// - identifiers: `/etc/machine-id` (else `/var/lib/dbus/machine-id`) and
///   `/proc/sys/kernel/random/boot_id`;
/// - kernel: `/proc/sys/kernel/osrelease` (`uname -r`) and `/proc/sys/kernel/arch` (`uname -m`);
/// - uptime: the first number of `/proc/uptime`;
/// - reboot state: `/var/run/reboot-required` (or `/run/reboot-required`) and its `.pkgs` list,
///   plus a newer installed kernel than the running one;
/// - packages: dpkg's `<admindir>/status` when it exists, and `rpm -qa` when an rpm database is
///   configured or found.
///
/// Optional facts that are absent come back empty (or zero); a file that exists but cannot be read
/// or parsed is an error naming the file.
public struct InventoryCollector: Sendable {
    /// Where to look.
    public var configuration: CollectorConfiguration

    /// Creates a collector.
    public init(configuration: CollectorConfiguration = CollectorConfiguration()) {
        self.configuration = configuration
    }

    /// Reads the host's facts and packages.
    ///
    /// - Throws: ``CollectorError`` naming the file or command that failed and why.
    public func collect() throws(CollectorError) -> CollectedInventory {
        let files = CollectorFileSystem(rootDirectory: configuration.rootDirectory)
        var packages = try collectDpkgPackages(files)
        packages += try collectRPMPackages(files)
        let kernelRunning = try files.firstLine("/proc/sys/kernel/osrelease") ?? ""
        let kernelNewest = InstalledKernels.newest(in: packages)
        let rebootFlag = files.exists("/var/run/reboot-required") || files.exists("/run/reboot-required")
        let kernelIsNewer =
            kernelNewest.map { newest in
                !kernelRunning.isEmpty && InstalledKernels.areInIncreasingOrder(kernelRunning, newest)
            } ?? false
        let facts = HostFacts(
            hostname: try hostname(files),
            machineID: try machineID(files),
            bootID: try files.firstLine("/proc/sys/kernel/random/boot_id") ?? "",
            os: try operatingSystem(files),
            architecture: try machine(files),
            kernelRunning: kernelRunning,
            kernelNewestInstalled: kernelNewest,
            rebootRequired: rebootFlag || kernelIsNewer,
            rebootRequiredPackages: try rebootRequiredPackages(files),
            uptimeSeconds: try uptime(files),
            timeZone: timeZone(files)
        )
        return CollectedInventory(facts: facts, packages: packages)
    }

    // MARK: - Facts

    private func operatingSystem(_ files: CollectorFileSystem) throws(CollectorError) -> OSRelease {
        for path in ["/etc/os-release", "/usr/lib/os-release"] {
            guard let text = try files.text(path) else { continue }
            do {
                return try OSReleaseParser(sourceName: files.resolve(path)).parse(text)
            } catch {
                throw CollectorError(code: .fileMalformed, subject: files.resolve(path), message: error.description)
            }
        }
        throw CollectorError(
            code: .fileMissing,
            subject: files.resolve("/etc/os-release"),
            message: "neither /etc/os-release nor /usr/lib/os-release exists under \(configuration.rootDirectory)"
        )
    }

    /// `/etc/timezone` (Debian), else the zone the `/etc/localtime` link points into.
    private func timeZone(_ files: CollectorFileSystem) -> String? {
        if let name = try? files.firstLine("/etc/timezone"), !name.isEmpty { return name }
        let root = configuration.rootDirectory == "/" ? "" : configuration.rootDirectory
        guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: root + "/etc/localtime"),
            let range = target.range(of: "zoneinfo/")
        else { return nil }
        let name = String(target[range.upperBound...])
        return name.isEmpty ? nil : name
    }

    private func machineID(_ files: CollectorFileSystem) throws(CollectorError) -> String {
        if let id = try files.firstLine("/etc/machine-id"), !id.isEmpty { return id }
        return try files.firstLine("/var/lib/dbus/machine-id") ?? ""
    }

    private func hostname(_ files: CollectorFileSystem) throws(CollectorError) -> String {
        if let name = try files.firstLine("/proc/sys/kernel/hostname"), !name.isEmpty { return name }
        if let name = try files.firstLine("/etc/hostname"), !name.isEmpty { return name }
        return files.isSystemRoot ? ProcessInfo.processInfo.hostName : ""
    }

    private func machine(_ files: CollectorFileSystem) throws(CollectorError) -> String {
        if let arch = try files.firstLine("/proc/sys/kernel/arch"), !arch.isEmpty { return arch }
        // Kernels before 6.1 have no /proc/sys/kernel/arch; ask uname about the running system.
        guard files.isSystemRoot, let uname = CollectorCommandRunner.locate("uname") else { return "" }
        let output = try CollectorCommandRunner().run(uname, ["-m"])
        return output.status == 0 ? output.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines) : ""
    }

    private func uptime(_ files: CollectorFileSystem) throws(CollectorError) -> Double {
        guard let line = try files.firstLine("/proc/uptime") else { return 0 }
        guard let first = line.split(separator: " ").first, let seconds = Double(first), seconds >= 0 else {
            throw CollectorError(
                code: .fileMalformed,
                subject: files.resolve("/proc/uptime"),
                message: "expected seconds since boot, found '\(line.prefix(60))'"
            )
        }
        return seconds
    }

    private func rebootRequiredPackages(_ files: CollectorFileSystem) throws(CollectorError) -> [String] {
        var text = try files.text("/var/run/reboot-required.pkgs")
        if text == nil { text = try files.text("/run/reboot-required.pkgs") }
        var seen: Set<String> = []
        var names: [String] = []
        for line in (text ?? "").split(separator: "\n") {
            let name = line.trimmingCharacters(in: .whitespaces)
            if !name.isEmpty, seen.insert(name).inserted { names.append(name) }
        }
        return names
    }

    // MARK: - Packages

    private func collectDpkgPackages(_ files: CollectorFileSystem) throws(CollectorError) -> [InstalledPackage] {
        let adminDirectory = configuration.dpkgAdminDirectory ?? CollectorConfiguration.defaultDpkgAdminDirectory
        let statusPath = adminDirectory.hasSuffix("/") ? adminDirectory + "status" : adminDirectory + "/status"
        guard let bytes = try files.bytes(statusPath) else { return [] }
        let realPath = files.resolve(statusPath)
        do {
            return try DpkgStatusParser(sourceName: realPath).parse(bytes: bytes)
        } catch {
            throw CollectorError(code: .fileMalformed, subject: realPath, message: error.description)
        }
    }

    private func collectRPMPackages(_ files: CollectorFileSystem) throws(CollectorError) -> [InstalledPackage] {
        let databasePath: String
        let rpm: String
        if let configured = configuration.rpmDatabasePath {
            guard let located = CollectorCommandRunner.locate(configuration.rpmExecutable) else {
                throw CollectorError(
                    code: .commandFailed,
                    subject: configuration.rpmExecutable,
                    message: "rpm database \(configured) is configured but the rpm program was not found"
                )
            }
            databasePath = configured
            rpm = located
        } else {
            guard let found = Self.rpmDatabase(in: files),
                let located = CollectorCommandRunner.locate(configuration.rpmExecutable)
            else { return [] }
            databasePath = found
            rpm = located
        }
        var arguments: [String] = []
        if !files.isSystemRoot { arguments += ["--root", files.root] }
        arguments += ["--dbpath", databasePath, "-qa", "--queryformat", RPMQueryParser.queryFormat]
        let output = try CollectorCommandRunner().run(rpm, arguments)
        let commandLine = "\(rpm) \(arguments.joined(separator: " "))"
        guard output.status == 0 else {
            let detail = output.standardError.trimmingCharacters(in: .whitespacesAndNewlines)
            throw CollectorError(
                code: .commandFailed,
                subject: commandLine,
                message: "exited with status \(output.status): \(detail.prefix(500))"
            )
        }
        do {
            return try RPMQueryParser(sourceName: commandLine).parse(output.standardOutput)
        } catch {
            throw CollectorError(code: .commandFailed, subject: commandLine, message: error.description)
        }
    }

    /// The first of the usual rpm database directories that holds a database, if any.
    ///
    /// Debian's `rpm` package creates an empty `/var/lib/rpm`, so the directory alone is not enough.
    private static func rpmDatabase(in files: CollectorFileSystem) -> String? {
        for directory in CollectorConfiguration.defaultRPMDatabasePaths {
            for file in ["rpmdb.sqlite", "Packages.db", "Packages"] where files.exists("\(directory)/\(file)") {
                return directory
            }
        }
        return nil
    }
}
