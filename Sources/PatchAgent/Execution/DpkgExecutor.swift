import AgentProtocol
import FleetModel
import Foundation

/// Installs local `.deb` artifacts with dpkg, on the running system or on a sandbox root.
///
/// For a sandbox (`root` other than `/`) every dpkg call gets `--root=R --admindir=R/var/lib/dpkg
/// --force-not-root --force-script-chrootless`, so maintainer scripts run without chroot and with
/// `DPKG_ROOT` set, and nothing of the machine's own packages is touched.
///
/// Configuration files: installs pass `--force-confold` (and `--force-confdef`): a conffile the
/// administrator changed is kept, the package's new version is left beside it as
/// `<file>.dpkg-dist`, and dpkg never stops to ask. An unchanged conffile is replaced silently.
public struct DpkgExecutor: PackageExecutor {
    /// The root directory (`/` for the running system).
    public var root: String
    /// The admin directory as a real path (default `<root>/var/lib/dpkg`).
    public var adminDirectory: String
    /// Where fetched `.deb` files are kept.
    public var cache: ArtifactCache
    /// Runs dpkg.
    public var runner: any CommandRunning
    /// Fetches artifacts.
    public var fetch: ArtifactFetch

    /// Creates an executor.
    public init(
        root: String = "/",
        adminDirectory: String? = nil,
        stateDirectory: String,
        runner: any CommandRunning = ProcessCommandRunner(),
        fetch: @escaping ArtifactFetch = localFileFetch
    ) {
        var trimmed = root
        while trimmed.count > 1, trimmed.hasSuffix("/") { trimmed.removeLast() }
        self.root = trimmed
        let base = trimmed == "/" ? "" : trimmed
        self.adminDirectory = adminDirectory ?? base + "/var/lib/dpkg"
        cache = ArtifactCache(stateDirectory: stateDirectory)
        self.runner = runner
        self.fetch = fetch
    }

    /// The dpkg command line prefix for this root.
    public var dpkg: [String] {
        var arguments = ["dpkg"]
        if root != "/" {
            arguments += ["--root=\(root)", "--force-not-root", "--force-script-chrootless"]
        }
        if root != "/" || adminDirectory != "/var/lib/dpkg" { arguments.append("--admindir=\(adminDirectory)") }
        return arguments
    }

    private func statusText() throws(ExecutionError) -> String {
        let path = adminDirectory + "/status"
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ExecutionError(code: .databaseUnreadable, subject: path, message: "cannot read dpkg status")
        }
        return String(decoding: data, as: UTF8.self)
    }

    public func installedVersions(of names: [String]) throws(ExecutionError) -> [String: String] {
        let packages: [InstalledPackage]
        do {
            packages = try DpkgStatusParser(sourceName: adminDirectory + "/status").parse(try statusText())
        } catch let error as ExecutionError {
            throw error
        } catch {
            throw ExecutionError(code: .databaseUnreadable, subject: adminDirectory + "/status", message: "\(error)")
        }
        let wanted = Set(names)
        var versions: [String: String] = [:]
        for package in packages where wanted.contains(package.name) && package.state.countsAsInstalled {
            versions[package.name] = package.version
        }
        return versions
    }

    public func heldPackages(among names: [String]) throws(ExecutionError) -> [String] {
        // DpkgStatusParser keeps the state, not the selection: read `Status: hold …` here.
        let wanted = Set(names)
        var held: [String] = []
        for stanza in try statusText().components(separatedBy: "\n\n") {
            var name: String?
            var isHeld = false
            for line in stanza.split(separator: "\n") {
                if line.hasPrefix("Package:") { name = line.dropFirst(8).trimmingCharacters(in: .whitespaces) }
                if line.hasPrefix("Status:") {
                    isHeld = line.dropFirst(7).trimmingCharacters(in: .whitespaces).hasPrefix("hold ")
                }
            }
            if let name, isHeld, wanted.contains(name) { held.append(name) }
        }
        return held.sorted()
    }

    public func stage(_ packages: [PlanPackage]) async throws(ExecutionError) {
        for package in packages where package.action != .hold {
            try await cache.stage(package, fileExtension: "deb", fetch: fetch)
        }
    }

    public func isCached(name: String, version: String) -> Bool {
        FileManager.default.fileExists(atPath: cache.path(name: name, version: version))
    }

    public func install(_ packages: [PlanPackage]) throws(ExecutionError) -> PackageChange {
        let targets = packages.filter { $0.action != .hold }
        let installed = try installedVersions(of: targets.map(\.name))
        let held = try heldPackages(among: targets.filter { installed[$0.name] != $0.version }.map(\.name))
        guard held.isEmpty else {
            throw ExecutionError(
                code: .packageHeld,
                subject: held.joined(separator: ", "),
                message: "held (dpkg selection hold); refusing to change"
            )
        }
        let pending = targets.filter { installed[$0.name] != $0.version }
        let skipped = targets.filter { installed[$0.name] == $0.version }.map(\.name)
        guard !pending.isEmpty else {
            return PackageChange(output: CommandOutput(status: 0), alreadyInstalled: skipped)
        }
        let files = pending.map { cache.path(name: $0.name, version: $0.version) }
        let output = try runner.run(dpkg + ["--force-confold", "--force-confdef", "-i"] + files)
        return PackageChange(output: output, alreadyInstalled: skipped)
    }

    public func restore(_ versions: [String: String], names: [String]) throws(ExecutionError) -> PackageChange {
        let installed = try installedVersions(of: names)
        var combined = CommandOutput(status: 0)
        var skipped: [String] = []
        let toInstall = names.filter { versions[$0] != nil && installed[$0] != versions[$0] }
        let toRemove = names.filter { versions[$0] == nil && installed[$0] != nil }
        skipped = names.filter { !toInstall.contains($0) && !toRemove.contains($0) }
        if !toInstall.isEmpty {
            var files: [String] = []
            for name in toInstall {
                let version = versions[name] ?? ""
                let file = cache.path(name: name, version: version)
                guard FileManager.default.fileExists(atPath: file) else {
                    throw ExecutionError(
                        code: .artifactUnavailable,
                        subject: "\(name) \(version)",
                        message: "not in the artifact cache (\(file)); cannot roll back"
                    )
                }
                files.append(file)
            }
            combined = try runner.run(dpkg + ["--force-confold", "--force-confdef", "--force-downgrade", "-i"] + files)
        }
        if combined.status == 0, !toRemove.isEmpty {
            let removal = try runner.run(dpkg + ["--remove"] + toRemove)
            combined = CommandOutput(
                status: removal.status,
                standardOutput: combined.standardOutput + removal.standardOutput,
                standardError: combined.standardError + removal.standardError
            )
        }
        return PackageChange(output: combined, alreadyInstalled: skipped)
    }

    public func repair() throws(ExecutionError) -> CommandOutput {
        try runner.run(dpkg + ["--force-confold", "--force-confdef", "--configure", "-a"])
    }

    public func audit() throws(ExecutionError) -> CommandOutput {
        try runner.run(dpkg + ["--audit"])
    }
}
