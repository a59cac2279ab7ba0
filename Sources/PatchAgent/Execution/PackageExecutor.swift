import AgentProtocol
import Crypto
import Foundation

/// Fetches an artifact's bytes from its URL (`file://`, `http://`, `https://`). Injected so the
/// agent can use its HTTP client and tests can stay offline.
public typealias ArtifactFetch = @Sendable (URL) async throws -> [UInt8]

/// What an install or rollback did.
public struct PackageChange: Sendable, Hashable {
    /// The package-manager commands' combined output (empty when nothing had to change).
    public var output: CommandOutput
    /// Packages skipped because the exact version was already installed.
    public var alreadyInstalled: [String]

    /// Creates a change.
    public init(output: CommandOutput, alreadyInstalled: [String]) {
        self.output = output
        self.alreadyInstalled = alreadyInstalled
    }
}

/// Installs exact package versions and puts recorded versions back. One implementation per package
/// manager (``DpkgExecutor``); the plan driver does not know which.
public protocol PackageExecutor: Sendable {
    /// The installed version of each named package that is fully installed (absent = not installed).
    func installedVersions(of names: [String]) throws(ExecutionError) -> [String: String]
    /// The named packages that are held (dpkg selection `hold`).
    func heldPackages(among names: [String]) throws(ExecutionError) -> [String]
    /// Fetches (if needed) the plan packages' artifacts into the cache and verifies their digests.
    func stage(_ packages: [PlanPackage]) async throws(ExecutionError)
    /// Whether the artifact of `name` at `version` is in the local cache (needed for rollback).
    func isCached(name: String, version: String) -> Bool
    /// Whether rollback could bring back this version (cached, or offered by a repository).
    func isRestorable(name: String, version: String) -> Bool
    /// Installs the exact versions; packages already at their version are skipped.
    func install(_ packages: [PlanPackage]) throws(ExecutionError) -> PackageChange
    /// Puts the recorded versions back (from the cache); a package absent from `versions` but in
    /// `names` was not installed before and is removed.
    func restore(_ versions: [String: String], names: [String]) throws(ExecutionError) -> PackageChange
    /// Repairs an interrupted run of the package manager (`dpkg --configure -a`).
    func repair() throws(ExecutionError) -> CommandOutput
    /// The package manager's consistency audit; empty output with status 0 means consistent.
    func audit() throws(ExecutionError) -> CommandOutput
}

/// The local artifact cache, `<state>/cache`: fetched packages are kept there so that a later
/// rollback can reinstall a previous version without the network.
/// How the dpkg executor uses the host's apt repositories.
public struct AptSettings: Sendable, Hashable {
    /// Run `apt-get update` before downloading (off when lists are kept fresh elsewhere).
    public var update: Bool
    /// Extra `apt-get` arguments (e.g. `-o Acquire::http::Proxy=…`).
    public var options: [String]

    /// Creates settings.
    public init(update: Bool = true, options: [String] = []) {
        self.update = update
        self.options = options
    }
}

extension PackageExecutor {
    /// Default: only cached artifacts can be restored.
    public func isRestorable(name: String, version: String) -> Bool { isCached(name: name, version: version) }
}

public struct ArtifactCache: Sendable {
    /// The cache directory.
    public let directory: String

    /// The cache under `stateDirectory`.
    public init(stateDirectory: String) {
        directory = stateDirectory + "/cache"
    }

    /// The cache path of a package version (`name_version.deb`, `:` escaped as dpkg does).
    public func path(name: String, version: String, fileExtension: String = "deb") -> String {
        let escaped = version.replacingOccurrences(of: ":", with: "%3a")
        return "\(directory)/\(name)_\(escaped).\(fileExtension)"
    }

    /// Lowercase hex SHA-256 of bytes.
    public static func sha256(_ bytes: [UInt8]) -> String {
        SHA256.hash(data: bytes).map { byte in
            let hex = String(byte, radix: 16)
            return hex.count == 1 ? "0" + hex : hex
        }.joined()
    }

    /// Makes sure the artifact of `package` is cached with the plan's digest: a cached file with
    /// the right digest is kept, otherwise the artifact is fetched, verified, then moved in place.
    public func stage(_ package: PlanPackage, fileExtension: String, fetch: ArtifactFetch) async throws(ExecutionError)
    {
        let target = path(name: package.name, version: package.version, fileExtension: fileExtension)
        guard let artifact = package.artifact else {
            guard FileManager.default.fileExists(atPath: target) else {
                throw ExecutionError(
                    code: .artifactUnavailable,
                    subject: "\(package.name) \(package.version)",
                    message: "the plan names no artifact and none is cached at \(target)"
                )
            }
            return
        }
        let expected = artifact.sha256.lowercased()
        if let cached = FileManager.default.contents(atPath: target), Self.sha256(Array(cached)) == expected { return }
        guard let url = URL(string: artifact.url), ["file", "http", "https"].contains(url.scheme ?? "") else {
            throw ExecutionError(
                code: .artifactUnavailable,
                subject: artifact.url,
                message: "not a file or http(s) URL"
            )
        }
        let bytes: [UInt8]
        do {
            bytes = try await fetch(url)
        } catch {
            throw ExecutionError(code: .artifactUnavailable, subject: artifact.url, message: "cannot fetch: \(error)")
        }
        let digest = Self.sha256(bytes)
        guard digest == expected else {
            throw ExecutionError(
                code: .artifactDigestMismatch,
                subject: artifact.url,
                message: "SHA-256 is \(digest), the plan says \(expected)"
            )
        }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let partial = target + ".partial"
            try Data(bytes).write(to: URL(fileURLWithPath: partial))
            if FileManager.default.fileExists(atPath: target) { try FileManager.default.removeItem(atPath: target) }
            try FileManager.default.moveItem(atPath: partial, toPath: target)
        } catch {
            throw ExecutionError(code: .artifactUnavailable, subject: target, message: "cannot store: \(error)")
        }
    }
}

/// Fetches `file://` URLs only; the default when no HTTP client is wired in.
public let localFileFetch: ArtifactFetch = { url in
    guard url.isFileURL else {
        throw ExecutionError(code: .artifactUnavailable, subject: url.absoluteString, message: "only file:// here")
    }
    guard let data = FileManager.default.contents(atPath: url.path) else {
        throw ExecutionError(code: .artifactUnavailable, subject: url.path, message: "no such file")
    }
    return Array(data)
}
