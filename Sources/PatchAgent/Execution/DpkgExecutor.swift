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
    /// Installs from the host's configured apt repositories (for plan packages without an artifact,
    /// and for rollback to versions not in the artifact cache); `nil` to use artifacts only.
    public var apt: AptSettings?

    /// Creates an executor.
    public init(
        root: String = "/",
        adminDirectory: String? = nil,
        stateDirectory: String,
        runner: any CommandRunning = ProcessCommandRunner(),
        fetch: @escaping ArtifactFetch = localFileFetch,
        apt: AptSettings? = nil
    ) {
        self.apt = apt
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

    /// `apt-get` with non-interactive, exact-version settings for this root: keep modified
    /// configuration files (`--force-confold`, `--force-confdef`), allow downgrades (rollback), never
    /// touch held packages, and — for a sandbox root — every path and dpkg option pointed into it.
    public var aptGet: [String] {
        var arguments = [
            "env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "-y", "-q", "--no-install-recommends",
            "-o", "Dpkg::Options::=--force-confold", "-o", "Dpkg::Options::=--force-confdef",
            "-o", "APT::Get::Allow-Downgrades=true", "-o", "APT::Get::Allow-Change-Held-Packages=false",
        ]
        if root != "/" {
            arguments += [
                "-o", "Dir=\(root)", "-o", "Dir::State::status=\(adminDirectory)/status",
                "-o", "Dir::Bin::dpkg=/usr/bin/dpkg", "-o", "Dir::Log=\(root)/var/log/apt",
                "-o", "APT::Sandbox::User=root",
                "-o", "DPkg::Options::=--root=\(root)", "-o", "DPkg::Options::=--admindir=\(adminDirectory)",
                "-o", "DPkg::Options::=--force-not-root", "-o", "DPkg::Options::=--force-script-chrootless",
            ]
        }
        return arguments + (apt?.options ?? [])
    }

    /// `apt-cache` with the same root settings.
    var aptCache: [String] {
        var arguments = ["apt-cache"]
        if root != "/" {
            arguments += ["-o", "Dir=\(root)", "-o", "Dir::State::status=\(adminDirectory)/status"]
        }
        return arguments + (apt?.options ?? [])
    }

    private func runApt(_ arguments: [String], subject: String) throws(ExecutionError) -> CommandOutput {
        if root != "/" {
            try? FileManager.default.createDirectory(atPath: root + "/var/log/apt", withIntermediateDirectories: true)
        }
        let output = try runner.run(aptGet + arguments)
        guard output.status == 0 else {
            throw ExecutionError(
                code: .artifactUnavailable,
                subject: subject,
                message: "apt-get \(arguments.joined(separator: " ")) exited \(output.status): "
                    + String(output.standardError.suffix(600))
            )
        }
        return output
    }

    /// Fetches plan artifacts into the cache (checking their SHA-256) and, for packages without an
    /// artifact, refreshes the repository lists (if configured) and downloads the exact versions
    /// from the repositories — so a missing version fails here, before anything changes.
    public func stage(_ packages: [PlanPackage]) async throws(ExecutionError) {
        var fromRepository: [PlanPackage] = []
        for package in packages where package.action != .hold {
            if package.artifact == nil, apt != nil, !isCached(name: package.name, version: package.version) {
                fromRepository.append(package)
            } else {
                try await cache.stage(package, fileExtension: "deb", fetch: fetch)
            }
        }
        guard let apt, !fromRepository.isEmpty else { return }
        let targets = fromRepository.map { "\($0.name)=\($0.version)" }
        if apt.update { _ = try runApt(["update"], subject: "apt-get update") }
        _ = try runApt(["--download-only", "install"] + targets, subject: targets.joined(separator: " "))
    }

    public func isCached(name: String, version: String) -> Bool {
        FileManager.default.fileExists(atPath: cache.path(name: name, version: version))
    }

    /// Cached, or (with apt) offered by a configured repository.
    public func isRestorable(name: String, version: String) -> Bool {
        if isCached(name: name, version: version) { return true }
        guard apt != nil, let output = try? runner.run(aptCache + ["show", "\(name)=\(version)"]) else { return false }
        return output.status == 0
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
        let local = pending.filter { isCached(name: $0.name, version: $0.version) || apt == nil }
        let repository = pending.filter { !isCached(name: $0.name, version: $0.version) && apt != nil }
        var output = CommandOutput(status: 0)
        if !local.isEmpty {
            let files = local.map { cache.path(name: $0.name, version: $0.version) }
            output = try runner.run(dpkg + ["--force-confold", "--force-confdef", "-i"] + files)
        }
        if output.status == 0, !repository.isEmpty {
            let fromApt = try runner.run(aptGet + ["install"] + repository.map { "\($0.name)=\($0.version)" })
            output = CommandOutput(
                status: fromApt.status,
                standardOutput: output.standardOutput + fromApt.standardOutput,
                standardError: output.standardError + fromApt.standardError
            )
        }
        return PackageChange(output: output, alreadyInstalled: skipped)
    }

    public func restore(_ versions: [String: String], names: [String]) throws(ExecutionError) -> PackageChange {
        let installed = try installedVersions(of: names)
        var combined = CommandOutput(status: 0)
        var skipped: [String] = []
        let toInstall = names.filter { versions[$0] != nil && installed[$0] != versions[$0] }
        let toRemove = names.filter { versions[$0] == nil && installed[$0] != nil }
        skipped = names.filter { !toInstall.contains($0) && !toRemove.contains($0) }
        var files: [String] = []
        var fromRepository: [String] = []
        for name in toInstall {
            let version = versions[name] ?? ""
            let file = cache.path(name: name, version: version)
            if FileManager.default.fileExists(atPath: file) {
                files.append(file)
            } else if apt != nil {
                fromRepository.append("\(name)=\(version)")
            } else {
                throw ExecutionError(
                    code: .artifactUnavailable,
                    subject: "\(name) \(version)",
                    message: "not in the artifact cache (\(file)) and no apt repository configured; cannot roll back"
                )
            }
        }
        if !files.isEmpty {
            combined = try runner.run(dpkg + ["--force-confold", "--force-confdef", "--force-downgrade", "-i"] + files)
        }
        if combined.status == 0, !fromRepository.isEmpty {
            let fromApt = try runner.run(aptGet + ["install"] + fromRepository)
            combined = CommandOutput(
                status: fromApt.status,
                standardOutput: combined.standardOutput + fromApt.standardOutput,
                standardError: combined.standardError + fromApt.standardError
            )
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
