import AgentProtocol
import FleetModel
import Foundation

/// Installs local `.rpm` artifacts with rpm, on the running system or on a sandbox root
/// (`rpm --root R --dbpath D`). Upgrades and rollbacks use `-U --oldpackage`, so the recorded
/// previous version can be put back. Versions are `[epoch:]version-release`, as
/// ``RPMQueryParser`` reports them.
///
/// rpm has no selection states: nothing is reported as held (dnf's versionlock is not read). rpm
/// has no half-configured state either: ``repair()`` only checks the database can be read. On a
/// sandbox root, scriptlets run chrooted into the root and need a shell there.
public struct RPMExecutor: PackageExecutor {
    /// The root directory (`/` for the running system).
    public var root: String
    /// The rpm database directory inside the root (`/var/lib/rpm` by default).
    public var databasePath: String
    /// Where fetched `.rpm` files are kept.
    public var cache: ArtifactCache
    /// Runs rpm.
    public var runner: any CommandRunning
    /// Fetches artifacts.
    public var fetch: ArtifactFetch

    /// Creates an executor.
    public init(
        root: String = "/",
        databasePath: String = "/var/lib/rpm",
        stateDirectory: String,
        runner: any CommandRunning = ProcessCommandRunner(),
        fetch: @escaping ArtifactFetch = localFileFetch
    ) {
        self.root = root
        self.databasePath = databasePath
        cache = ArtifactCache(stateDirectory: stateDirectory)
        self.runner = runner
        self.fetch = fetch
    }

    /// The rpm command line prefix for this root.
    public var rpm: [String] { ["rpm", "--root", root, "--dbpath", databasePath] }

    /// `1.0-1` and `0:1.0-1` are the same version.
    static func normalized(_ version: String) -> String {
        version.hasPrefix("0:") ? String(version.dropFirst(2)) : version
    }

    public func installedVersions(of names: [String]) throws(ExecutionError) -> [String: String] {
        let output = try runner.run(rpm + ["-qa", "--qf", RPMQueryParser.queryFormat])
        guard output.status == 0 else {
            throw ExecutionError(
                code: .databaseUnreadable,
                subject: rpm.joined(separator: " "),
                message: output.errorTail()
            )
        }
        let packages: [InstalledPackage]
        do {
            packages = try RPMQueryParser(sourceName: "rpm -qa").parse(output.standardOutput)
        } catch {
            throw ExecutionError(code: .databaseUnreadable, subject: "rpm -qa", message: "\(error)")
        }
        let wanted = Set(names)
        var versions: [String: String] = [:]
        for package in packages where wanted.contains(package.name) { versions[package.name] = package.version }
        return versions
    }

    public func heldPackages(among names: [String]) throws(ExecutionError) -> [String] { [] }

    public func stage(_ packages: [PlanPackage]) async throws(ExecutionError) {
        for package in packages where package.action != .hold {
            try await cache.stage(package, fileExtension: "rpm", fetch: fetch)
        }
    }

    public func isCached(name: String, version: String) -> Bool {
        FileManager.default.fileExists(atPath: cache.path(name: name, version: version, fileExtension: "rpm"))
    }

    public func install(_ packages: [PlanPackage]) throws(ExecutionError) -> PackageChange {
        let targets = packages.filter { $0.action != .hold }
        let installed = try installedVersions(of: targets.map(\.name))
        let matches = { (package: PlanPackage) in
            installed[package.name].map(Self.normalized) == Self.normalized(package.version)
        }
        let pending = targets.filter { !matches($0) }
        let skipped = targets.filter(matches).map(\.name)
        guard !pending.isEmpty else {
            return PackageChange(output: CommandOutput(status: 0), alreadyInstalled: skipped)
        }
        let files = pending.map { cache.path(name: $0.name, version: $0.version, fileExtension: "rpm") }
        return PackageChange(output: try runner.run(rpm + ["-U", "--oldpackage"] + files), alreadyInstalled: skipped)
    }

    public func restore(_ versions: [String: String], names: [String]) throws(ExecutionError) -> PackageChange {
        let installed = try installedVersions(of: names)
        let toInstall = names.filter {
            versions[$0] != nil && installed[$0].map(Self.normalized) != versions[$0].map(Self.normalized)
        }
        let toRemove = names.filter { versions[$0] == nil && installed[$0] != nil }
        let skipped = names.filter { !toInstall.contains($0) && !toRemove.contains($0) }
        var output = CommandOutput(status: 0)
        if !toInstall.isEmpty {
            var files: [String] = []
            for name in toInstall {
                let file = cache.path(name: name, version: versions[name] ?? "", fileExtension: "rpm")
                guard FileManager.default.fileExists(atPath: file) else {
                    throw ExecutionError(
                        code: .artifactUnavailable,
                        subject: "\(name) \(versions[name] ?? "")",
                        message: "not in the artifact cache (\(file)); cannot roll back"
                    )
                }
                files.append(file)
            }
            output = try runner.run(rpm + ["-U", "--oldpackage"] + files)
        }
        if output.status == 0, !toRemove.isEmpty {
            output = try runner.run(rpm + ["-e"] + toRemove)
        }
        return PackageChange(output: output, alreadyInstalled: skipped)
    }

    public func repair() throws(ExecutionError) -> CommandOutput {
        try runner.run(rpm + ["-qa", "--qf", ""])
    }

    public func audit() throws(ExecutionError) -> CommandOutput {
        // Dependencies only: file verification would flag every edited configuration file.
        try runner.run(rpm + ["-Va", "--nofiles", "--noscripts"])
    }
}
