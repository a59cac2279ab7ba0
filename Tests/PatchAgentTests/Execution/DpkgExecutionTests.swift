import AgentProtocol
import Foundation
import Testing

@testable import PatchAgent

/// Real dpkg on sandbox roots with packages built by `dpkg-deb`.
@Suite(.enabled(if: ExecutionSandbox.available, "needs dpkg and dpkg-deb"))
struct DpkgExecutionTests {
    @Test func upgradeHappyPath() async throws {
        let sandbox = try ExecutionSandbox()
        try sandbox.buildDemo("1.0")
        let artifact = try sandbox.buildDemo("1.1")
        try sandbox.preinstall("1.0")
        let outcome = try await sandbox.runner(sandbox.plan("1.1", artifact: artifact)).run()
        guard case .finished(let report) = outcome else {
            Issue.record("\(outcome)")
            return
        }
        #expect(report.status == .succeeded)
        #expect(
            report.steps.map(\.step) == [.precheck, .snapshot, .recordInstalled, .apply, .verify, .postcheck, .reboot]
        )
        #expect(try sandbox.installedVersion() == "1.1")
        let apply = try #require(report.steps.first { $0.step == .apply })
        #expect(apply.versionsBefore == ["demo": "1.0"])
        #expect(apply.versionsAfter == ["demo": "1.1"])
        #expect(apply.stdoutTail?.contains("Setting up demo (1.1)") == true)
        #expect(sandbox.reported.steps == report.steps.map(\.step))
        // The wire report the agent sends.
        let wire = report.planReport
        #expect(wire.outcome == .completed)
        #expect(wire.steps.map(\.step) == report.steps.map(\.step.rawValue))
        #expect(wire.steps.allSatisfy { $0.startedAt > 0 && $0.endedAt >= $0.startedAt })
        #expect(wire.steps.first { $0.step == "apply" }?.versionsAfter == ["demo": "1.1"])
        #expect(wire.steps.first { $0.step == "postcheck" }?.message.contains("ok installedVersionsMatchPlan") == true)
        // The fetched artifact stays in the cache for a later rollback.
        #expect(sandbox.executor().isCached(name: "demo", version: "1.1"))
        // Running again is a no-op: the journal says it was reported.
        #expect(try await sandbox.runner(sandbox.plan("1.1", artifact: artifact)).run() == .alreadyReported(.succeeded))
    }

    @Test func exactVersionAlreadyInstalledIsANoOp() async throws {
        let sandbox = try ExecutionSandbox()
        let artifact = try sandbox.buildDemo("1.1")
        try sandbox.preinstall("1.1")
        let change = try sandbox.executor().install([
            PlanPackage(name: "demo", version: "1.1", action: .upgrade, artifact: artifact)
        ])
        #expect(change.alreadyInstalled == ["demo"])
        #expect(change.output == CommandOutput(status: 0))
    }

    @Test func failedPostinstRollsBackToPreviousVersion() async throws {
        let sandbox = try ExecutionSandbox()
        try sandbox.buildDemo("1.0")
        let good = try sandbox.buildDemo("1.1")
        let broken = try sandbox.buildDemo("1.2", .failingPostinst)
        try sandbox.preinstall("1.0")
        // A first plan brings 1.1 (and caches its .deb, which the rollback needs).
        _ = try await sandbox.runner(sandbox.plan("1.1", artifact: good, id: "to-1.1")).run()
        #expect(try sandbox.installedVersion() == "1.1")
        let outcome = try await sandbox.runner(sandbox.plan("1.2", artifact: broken, id: "to-1.2")).run()
        guard case .finished(let report) = outcome else {
            Issue.record("\(outcome)")
            return
        }
        #expect(report.status == .rolledBack)
        #expect(
            report.steps.map(\.step) == [.precheck, .snapshot, .recordInstalled, .apply, .rollback, .rollbackCheck]
        )
        #expect(report.reason?.hasPrefix("apply: package manager exited 1") == true)
        let apply = try #require(report.steps.first { $0.step == .apply })
        #expect(apply.stderrTail?.contains("postinst failing") == true)
        #expect(try sandbox.installedVersion() == "1.1")
        #expect(try sandbox.audit() == "")
        #expect(report.planReport.outcome == .rolledBack)
        #expect(report.planReport.steps.first { $0.step == "apply" }?.outcome == .failed)
    }

    @Test func probeFailureRollsBack() async throws {
        let sandbox = try ExecutionSandbox()
        let good = try sandbox.buildDemo("1.1")
        let breaking = try sandbox.buildDemo("1.3", .breaksProbe)
        _ = try await sandbox.runner(sandbox.plan("1.1", artifact: good, id: "first")).run()
        let outcome = try await sandbox.runner(sandbox.plan("1.3", artifact: breaking, id: "second")).run()
        guard case .finished(let report) = outcome else {
            Issue.record("\(outcome)")
            return
        }
        #expect(report.status == .rolledBack)
        let postcheck = try #require(report.steps.first { $0.step == .postcheck })
        #expect(!postcheck.succeeded)
        #expect(postcheck.detail.contains("command test -f"))
        #expect(try sandbox.installedVersion() == "1.1")
        #expect(FileManager.default.fileExists(atPath: sandbox.root + "/usr/share/demo/healthy"))
    }

    @Test func newPackageIsRemovedOnRollback() async throws {
        let sandbox = try ExecutionSandbox()
        let breaking = try sandbox.buildDemo("1.3", .breaksProbe)
        let outcome = try await sandbox.runner(sandbox.plan("1.3", artifact: breaking)).run()
        guard case .finished(let report) = outcome else {
            Issue.record("\(outcome)")
            return
        }
        #expect(report.status == .rolledBack)
        #expect(try sandbox.installedVersion() == nil)
    }

    @Test func precheckFailureChangesNothing() async throws {
        let sandbox = try ExecutionSandbox()
        try sandbox.buildDemo("1.0")
        let artifact = try sandbox.buildDemo("1.1")
        try sandbox.preinstall("1.0")
        let before = FileManager.default.contents(atPath: sandbox.adminDirectory + "/status")
        let plan = sandbox.plan(
            "1.1",
            artifact: artifact,
            preChecks: [.command(arguments: ["false"], expectedExitCode: 0)]
        )
        let outcome = try await sandbox.runner(plan).run()
        guard case .finished(let report) = outcome else {
            Issue.record("\(outcome)")
            return
        }
        #expect(report.status == .failedBeforeChange)
        #expect(report.steps.map(\.step) == [.precheck])
        #expect(report.reason?.contains("command false failed: exit 1, expected 0") == true)
        #expect(FileManager.default.contents(atPath: sandbox.adminDirectory + "/status") == before)
        #expect(!sandbox.executor().isCached(name: "demo", version: "1.1"))
    }

    @Test func heldPackageIsRefused() async throws {
        let sandbox = try ExecutionSandbox()
        try sandbox.buildDemo("1.0")
        let artifact = try sandbox.buildDemo("1.1")
        try sandbox.preinstall("1.0")
        let selection = try ProcessCommandRunner().run(
            ["sh", "-c", "echo 'demo hold' | " + sandbox.executor().dpkg.joined(separator: " ") + " --set-selections"]
        )
        #expect(selection.status == 0)
        #expect(try sandbox.executor().heldPackages(among: ["demo"]) == ["demo"])
        let outcome = try await sandbox.runner(sandbox.plan("1.1", artifact: artifact)).run()
        guard case .finished(let report) = outcome else {
            Issue.record("\(outcome)")
            return
        }
        #expect(report.status == .failedBeforeChange)
        #expect(report.reason?.contains("held package(s) demo") == true)
        #expect(try sandbox.installedVersion() == "1.0")
        #expect(throws: ExecutionError.self) {
            try sandbox.executor().install([
                PlanPackage(name: "demo", version: "1.1", action: .upgrade, artifact: artifact)
            ])
        }
    }

    @Test func digestMismatchChangesNothing() async throws {
        let sandbox = try ExecutionSandbox()
        try sandbox.buildDemo("1.0")
        var artifact = try sandbox.buildDemo("1.1")
        try sandbox.preinstall("1.0")
        artifact.sha256 = String(repeating: "0", count: 64)
        let outcome = try await sandbox.runner(sandbox.plan("1.1", artifact: artifact)).run()
        guard case .finished(let report) = outcome else {
            Issue.record("\(outcome)")
            return
        }
        #expect(report.status == .failedBeforeChange)
        #expect(report.reason?.contains("SHA-256 is") == true)
        #expect(try sandbox.installedVersion() == "1.0")
    }

    @Test func changedConffileIsKept() async throws {
        let sandbox = try ExecutionSandbox()
        try sandbox.buildDemo("1.0")
        let artifact = try sandbox.buildDemo("1.1")
        try sandbox.preinstall("1.0")
        try sandbox.write(sandbox.root + "/etc/demo/demo.conf", "edited by the admin\n")
        let outcome = try await sandbox.runner(sandbox.plan("1.1", artifact: artifact)).run()
        guard case .finished(let report) = outcome else {
            Issue.record("\(outcome)")
            return
        }
        #expect(report.status == .succeeded)
        let kept = String(
            decoding: FileManager.default.contents(atPath: sandbox.root + "/etc/demo/demo.conf") ?? Data(),
            as: UTF8.self
        )
        #expect(kept == "edited by the admin\n")
        #expect(FileManager.default.fileExists(atPath: sandbox.root + "/etc/demo/demo.conf.dpkg-dist"))
    }
}
