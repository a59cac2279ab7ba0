import AgentProtocol
import Foundation
import Testing

@testable import PatchAgent

/// Real rpm on a sandbox root (`--root`/`--dbpath`) with packages built by `rpmbuild`. The packages
/// have no scriptlets: rpm runs those chrooted into the root, which has no shell.
@Suite(
    .enabled(if: ["rpm", "rpmbuild"].allSatisfy { ProcessCommandRunner.locate($0) != nil }, "needs rpm and rpmbuild")
)
struct RPMExecutionTests {
    private func buildRPM(_ sandbox: ExecutionSandbox, _ version: String, healthy: Bool = true) throws -> PlanArtifact {
        let spec = sandbox.base + "/demo-\(version).spec"
        let install =
            healthy
            ? "echo ok > %{buildroot}/usr/share/demo/healthy" : "echo broken > %{buildroot}/usr/share/demo/broken"
        let file = healthy ? "/usr/share/demo/healthy" : "/usr/share/demo/broken"
        try sandbox.write(
            spec,
            """
            Name: demo
            Version: \(version)
            Release: 1
            Summary: PatchPilot execution test package
            License: MIT
            BuildArch: noarch
            %description
            test package
            %install
            mkdir -p %{buildroot}/usr/share/demo
            \(install)
            %files
            \(file)

            """
        )
        let built = try ProcessCommandRunner().run([
            "rpmbuild", "-bb", "--define", "_topdir \(sandbox.base)/rpmtop", "--define", "_rpmdir \(sandbox.packages)",
            "--define", "_build_id_links none", spec,
        ])
        guard built.status == 0 else {
            throw ExecutionError(code: .commandFailed, subject: "rpmbuild", message: built.standardError)
        }
        let path = sandbox.packages + "/noarch/demo-\(version)-1.noarch.rpm"
        let bytes = Array(FileManager.default.contents(atPath: path) ?? Data())
        return PlanArtifact(url: URL(fileURLWithPath: path).absoluteString, sha256: ArtifactCache.sha256(bytes))
    }

    private func runner(_ sandbox: ExecutionSandbox, _ plan: UpdatePlan) -> PlanRunner {
        let executor = RPMExecutor(root: sandbox.root, stateDirectory: sandbox.state)
        return PlanRunner(
            plan: plan,
            journal: Journal(stateDirectory: sandbox.state, planID: plan.id),
            executor: executor,
            checks: CheckRunner(
                root: sandbox.root,
                adminDirectory: sandbox.adminDirectory,
                runner: ProcessCommandRunner(),
                executor: executor
            ),
            rebootMonitor: RebootMonitor(root: sandbox.root, bootIDFile: sandbox.bootIDFile)
        )
    }

    @Test func upgradeThenProbeFailureRollsBack() async throws {
        let sandbox = try ExecutionSandbox()
        let initialized = try ProcessCommandRunner().run(
            RPMExecutor(root: sandbox.root, stateDirectory: sandbox.state).rpm + ["--initdb"]
        )
        #expect(initialized.status == 0)
        let first = try buildRPM(sandbox, "1.0")
        let second = try buildRPM(sandbox, "1.1")
        let breaking = try buildRPM(sandbox, "1.3", healthy: false)
        var plan = sandbox.plan("1.0-1", artifact: first, id: "rpm-1")
        plan.preChecks = [.packagesConsistent]
        guard case .finished(let installed) = try await runner(sandbox, plan).run() else {
            Issue.record("not finished")
            return
        }
        #expect(installed.status == .succeeded)
        plan = sandbox.plan("1.1-1", artifact: second, id: "rpm-2")
        plan.preChecks = [.packagesConsistent]
        guard case .finished(let upgraded) = try await runner(sandbox, plan).run() else {
            Issue.record("not finished")
            return
        }
        #expect(upgraded.status == .succeeded)
        let executor = RPMExecutor(root: sandbox.root, stateDirectory: sandbox.state)
        #expect(try executor.installedVersions(of: ["demo"]) == ["demo": "1.1-1"])
        plan = sandbox.plan("1.3-1", artifact: breaking, id: "rpm-3")
        plan.preChecks = [.packagesConsistent]
        guard case .finished(let broken) = try await runner(sandbox, plan).run() else {
            Issue.record("not finished")
            return
        }
        #expect(broken.status == .rolledBack)
        #expect(try executor.installedVersions(of: ["demo"]) == ["demo": "1.1-1"])
        #expect(FileManager.default.fileExists(atPath: sandbox.root + "/usr/share/demo/healthy"))
        // Installing the exact installed version again is a no-op.
        let again = try executor.install([
            PlanPackage(name: "demo", version: "0:1.1-1", action: .upgrade, artifact: second)
        ])
        #expect(again.alreadyInstalled == ["demo"])
    }
}

/// `needs-restarting -r` semantics on a sandbox rpm database: a core package installed after boot
/// requires a reboot; one installed before does not; names from `needs-restarting.d` count too.
@Suite(
    .enabled(if: ["rpm", "rpmbuild"].allSatisfy { ProcessCommandRunner.locate($0) != nil }, "needs rpm and rpmbuild")
)
struct RPMRebootRequiredTests {
    func install(_ name: String, in sandbox: ExecutionSandbox) throws {
        let spec = sandbox.base + "/\(name).spec"
        try sandbox.write(
            spec,
            """
            Name: \(name)
            Version: 1.0
            Release: 1
            Summary: stand-in
            License: MIT
            BuildArch: noarch
            %description
            stand-in
            %install
            mkdir -p %{buildroot}/usr/share/\(name)
            echo x > %{buildroot}/usr/share/\(name)/x
            %files
            /usr/share/\(name)/x

            """
        )
        let built = try ProcessCommandRunner().run([
            "rpmbuild", "-bb", "--define", "_topdir \(sandbox.base)/rpmtop", "--define", "_rpmdir \(sandbox.packages)",
            "--define", "_build_id_links none", spec,
        ])
        #expect(built.status == 0, "\(built.standardError)")
        let rpm = RPMExecutor(root: sandbox.root, stateDirectory: sandbox.state).rpm
        let installed = try ProcessCommandRunner().run(
            rpm + ["-U", sandbox.packages + "/noarch/\(name)-1.0-1.noarch.rpm"]
        )
        #expect(installed.status == 0, "\(installed.standardError)")
    }

    func monitor(_ sandbox: ExecutionSandbox, bootedAt boot: Date) -> RebootMonitor {
        RebootMonitor(
            root: sandbox.root,
            bootIDFile: sandbox.bootIDFile,
            rpm: RPMExecutor(root: sandbox.root, stateDirectory: sandbox.state).rpm,
            bootTime: { boot }
        )
    }

    @Test func corePackageUpdatedSinceBootRequiresAReboot() throws {
        let sandbox = try ExecutionSandbox()
        _ = try ProcessCommandRunner().run(
            RPMExecutor(root: sandbox.root, stateDirectory: sandbox.state).rpm + ["--initdb"]
        )
        try install("demo", in: sandbox)
        #expect(monitor(sandbox, bootedAt: Date().addingTimeInterval(-3600)).rebootRequiredReason() == nil)
        try install("systemd", in: sandbox)
        let reason = monitor(sandbox, bootedAt: Date().addingTimeInterval(-3600)).rebootRequiredReason()
        #expect(reason?.hasPrefix("systemd was updated at") == true)
        #expect(reason?.contains("needs-restarting -r") == true)
        // Booted after the update: nothing to do.
        #expect(monitor(sandbox, bootedAt: Date().addingTimeInterval(3600)).rebootRequiredReason() == nil)
        #expect(monitor(sandbox, bootedAt: Date().addingTimeInterval(3600)).decide(.ifRequired).required == false)
    }

    @Test func namesFromNeedsRestartingConfigurationCount() throws {
        let sandbox = try ExecutionSandbox()
        _ = try ProcessCommandRunner().run(
            RPMExecutor(root: sandbox.root, stateDirectory: sandbox.state).rpm + ["--initdb"]
        )
        try install("demo", in: sandbox)
        try sandbox.write(sandbox.root + "/etc/dnf/plugins/needs-restarting.d/local.conf", "# ours\ndemo\n")
        let decision = monitor(sandbox, bootedAt: Date().addingTimeInterval(-3600)).decide(.ifRequired)
        #expect(decision.required)
        #expect(decision.reason.hasPrefix("demo was updated at"))
    }

    @Test func bootTimeIsReadFromProcStat() throws {
        let sandbox = try ExecutionSandbox()
        try sandbox.write(sandbox.base + "/stat", "cpu  1 2 3\nbtime 1700000000\nprocesses 5\n")
        #expect(RebootMonitor.bootTime(procStat: sandbox.base + "/stat") == Date(timeIntervalSince1970: 1_700_000_000))
        #expect(RebootMonitor.bootTime(procStat: "/proc/stat") != nil)
    }
}
