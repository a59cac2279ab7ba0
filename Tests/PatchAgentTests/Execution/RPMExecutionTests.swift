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
