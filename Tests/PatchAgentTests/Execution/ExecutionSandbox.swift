import AgentProtocol
import Foundation

@testable import PatchAgent

/// A sandbox host for execution tests: a dpkg root, an agent state directory and tiny `demo`
/// packages built with `dpkg-deb`. Removed when the value goes away. Never touches the machine's
/// own packages: every dpkg call gets `--root`/`--admindir`.
final class ExecutionSandbox: @unchecked Sendable {
    let base: String
    var root: String { base + "/root" }
    var state: String { base + "/state" }
    var packages: String { base + "/packages" }
    var bootIDFile: String { base + "/boot_id" }
    var adminDirectory: String { root + "/var/lib/dpkg" }
    /// Steps reported through `onStepResult`, in order.
    let reported = Recorder()
    /// Whether the executor installs from the apt repository set up by ``makeRepository(_:)``.
    var apt: AptSettings?

    /// Whether the tools these tests need are here.
    static let available: Bool = ["dpkg", "dpkg-deb"].allSatisfy { ProcessCommandRunner.locate($0) != nil }

    init() throws {
        base = FileManager.default.temporaryDirectory.appendingPathComponent("pp-exec-\(UUID().uuidString)").path
        for directory in ["info", "updates", "triggers"] {
            try FileManager.default.createDirectory(
                atPath: root + "/var/lib/dpkg/" + directory,
                withIntermediateDirectories: true
            )
        }
        try Data().write(to: URL(fileURLWithPath: adminDirectory + "/status"))
        try FileManager.default.createDirectory(atPath: packages, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
        try write(bootIDFile, "boot-0\n")
    }

    deinit { try? FileManager.default.removeItem(atPath: base) }

    func write(_ path: String, _ text: String) throws {
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent,
            withIntermediateDirectories: true
        )
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }

    /// How a demo version behaves.
    enum Flavour {
        case good
        case failingPostinst
        case breaksProbe
    }

    /// Builds `demo_<version>.deb`: ships `/usr/share/demo/healthy` (except `breaksProbe`) and the
    /// conffile `/etc/demo/demo.conf`; `failingPostinst` has a postinst that exits 1.
    @discardableResult
    func buildDemo(_ version: String, _ flavour: Flavour = .good, name: String = "demo") throws -> PlanArtifact {
        let tree = base + "/build-\(name)-\(version)"
        try write(
            tree + "/DEBIAN/control",
            "Package: \(name)\nVersion: \(version)\nArchitecture: all\nMaintainer: Tests <t@example.org>\n"
                + "Description: PatchPilot execution test package\n"
        )
        try write(tree + "/DEBIAN/conffiles", "/etc/\(name)/\(name).conf\n")
        try write(tree + "/etc/\(name)/\(name).conf", "version=\(version)\n")
        if flavour != .breaksProbe { try write(tree + "/usr/share/\(name)/healthy", "ok\n") }
        try write(tree + "/usr/share/\(name)/VERSION", version + "\n")
        if flavour == .failingPostinst {
            try write(tree + "/DEBIAN/postinst", "#!/bin/sh\necho postinst failing >&2\nexit 1\n")
            chmod(tree + "/DEBIAN/postinst", 0o755)
        }
        let output = packages + "/\(name)_\(version).deb"
        let built = try ProcessCommandRunner().run(["dpkg-deb", "--root-owner-group", "--build", tree, output])
        guard built.status == 0 else {
            throw ExecutionError(code: .commandFailed, subject: "dpkg-deb", message: built.standardError)
        }
        let bytes = Array(FileManager.default.contents(atPath: output) ?? Data())
        return PlanArtifact(url: URL(fileURLWithPath: output).absoluteString, sha256: ArtifactCache.sha256(bytes))
    }

    /// Publishes the built packages as a flat apt repository (`dpkg-scanpackages --multiversion`)
    /// and points the root's `sources.list` at it; later plans can then name versions without
    /// artifacts.
    func makeRepository() throws {
        let scan = try ProcessCommandRunner().run([
            "sh", "-c", "cd '\(packages)' && dpkg-scanpackages --multiversion . > Packages",
        ])
        guard scan.status == 0 else {
            throw ExecutionError(code: .commandFailed, subject: "dpkg-scanpackages", message: scan.standardError)
        }
        for directory in [
            "/etc/apt/apt.conf.d", "/etc/apt/preferences.d", "/etc/apt/sources.list.d", "/var/lib/apt/lists/partial",
            "/var/cache/apt/archives/partial", "/var/log/apt",
        ] {
            try FileManager.default.createDirectory(atPath: root + directory, withIntermediateDirectories: true)
        }
        try write(root + "/etc/apt/sources.list", "deb [trusted=yes] file:\(packages) ./\n")
        apt = AptSettings()
    }

    /// Installs a built demo version directly (the host's starting point), outside any plan.
    func preinstall(_ version: String, name: String = "demo") throws {
        let output = try ProcessCommandRunner().run(executor().dpkg + ["-i", packages + "/\(name)_\(version).deb"])
        guard output.status == 0 else {
            throw ExecutionError(code: .commandFailed, subject: "preinstall", message: output.standardError)
        }
    }

    func executor() -> DpkgExecutor {
        DpkgExecutor(root: root, stateDirectory: state, apt: apt)
    }

    func installedVersion(_ name: String = "demo") throws -> String? {
        try executor().installedVersions(of: [name])[name]
    }

    func audit() throws -> String {
        let output = try executor().audit()
        return output.standardOutput + output.standardError
    }

    /// A plan moving `demo` to `version`, with a probe that `/usr/share/demo/healthy` exists.
    func plan(
        _ version: String,
        artifact: PlanArtifact?,
        id: String = "plan-1",
        preChecks: [PlanCheck] = [],
        reboot: RebootPolicy = .never,
        automaticRollback: Bool = true
    ) -> UpdatePlan {
        UpdatePlan(
            id: id,
            hostID: "host-1",
            sequence: 1,
            issuedAt: 0,
            expiresAt: Int64.max,
            packages: [PlanPackage(name: "demo", version: version, action: .upgrade, artifact: artifact)],
            preChecks: preChecks + [.packageManagerLockFree, .packagesConsistent],
            postChecks: [
                .installedVersionsMatchPlan,
                .command(arguments: ["test", "-f", root + "/usr/share/demo/healthy"], expectedExitCode: 0),
            ],
            reboot: reboot,
            rollback: RollbackRecipe(automatic: automaticRollback)
        )
    }

    /// A runner for `plan` with this sandbox's root, state, boot id file and a reboot command.
    func runner(
        _ plan: UpdatePlan,
        rebootCommand: [String] = ["false"],
        maximumBoots: Int = 3,
        crashHook: (@Sendable (ExecutionStep, CrashPoint) -> Bool)? = nil
    ) -> PlanRunner {
        let executor = executor()
        let recorder = reported
        return PlanRunner(
            plan: plan,
            journal: Journal(stateDirectory: state, planID: plan.id),
            executor: executor,
            checks: CheckRunner(
                root: root,
                adminDirectory: adminDirectory,
                runner: ProcessCommandRunner(),
                executor: executor
            ),
            rebootMonitor: RebootMonitor(root: root, rebootCommand: rebootCommand, bootIDFile: bootIDFile),
            maximumBoots: maximumBoots,
            onStepResult: { recorder.append($0) },
            crashHook: crashHook
        )
    }

    /// A script that "reboots" by writing a new boot id, as a fake reboot command.
    func fakeRebootCommand() throws -> [String] {
        let script = base + "/fake-reboot"
        try write(script, "#!/bin/sh\necho \"boot-$(date +%s%N)\" > '\(bootIDFile)'\n")
        chmod(script, 0o755)
        return [script]
    }
}

/// Collects values from `@Sendable` callbacks.
final class Recorder: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [ExecutionStepResult] = []

    func append(_ item: ExecutionStepResult) {
        lock.lock()
        items.append(item)
        lock.unlock()
    }

    var steps: [ExecutionStep] {
        lock.lock()
        defer { lock.unlock() }
        return items.map(\.step)
    }

    var all: [ExecutionStepResult] {
        lock.lock()
        defer { lock.unlock() }
        return items
    }
}
