import AgentProtocol
import Foundation
import Testing

@testable import PatchAgent

/// Plans without artifacts installed with real `apt-get` from a flat repository (built with
/// `dpkg-scanpackages`) into a sandbox root: exact `pkg=version`, rollback from the repository
/// when the previous version was never cached, missing versions and holds refused before any change.
@Suite(
    .enabled(
        if: ExecutionSandbox.available
            && ["apt-get", "apt-cache", "dpkg-scanpackages"].allSatisfy {
                ProcessCommandRunner.locate($0) != nil
            },
        "needs apt-get and dpkg-dev"
    )
)
struct AptExecutionTests {
    func sandboxWithRepository() throws -> ExecutionSandbox {
        let sandbox = try ExecutionSandbox()
        try sandbox.buildDemo("1.0")
        try sandbox.buildDemo("1.1")
        try sandbox.buildDemo("1.2", .failingPostinst)
        try sandbox.makeRepository()
        try sandbox.preinstall("1.0")
        return sandbox
    }

    @Test func upgradeToAnExactRepositoryVersion() async throws {
        let sandbox = try sandboxWithRepository()
        let outcome = try await sandbox.runner(sandbox.plan("1.1", artifact: nil)).run()
        guard case .finished(let report) = outcome else {
            Issue.record("\(outcome)")
            return
        }
        #expect(report.status == .succeeded, "\(report.reason ?? "")")
        #expect(try sandbox.installedVersion() == "1.1")
        #expect(try sandbox.audit() == "")
        // 1.0 was never cached, but the repository still offers it: rollback is possible.
        let record = try #require(report.steps.first { $0.step == .recordInstalled })
        #expect(!record.detail.contains("no cached artifact"))
        #expect(sandbox.executor().isRestorable(name: "demo", version: "1.0"))
        #expect(!sandbox.executor().isCached(name: "demo", version: "1.0"))
        let apply = try #require(report.steps.first { $0.step == .apply })
        #expect(apply.stdoutTail?.contains("Setting up demo (1.1)") == true)
    }

    @Test func failedPostinstRollsBackFromTheRepository() async throws {
        let sandbox = try sandboxWithRepository()
        let outcome = try await sandbox.runner(sandbox.plan("1.2", artifact: nil)).run()
        guard case .finished(let report) = outcome else {
            Issue.record("\(outcome)")
            return
        }
        #expect(report.status == .rolledBack, "\(report.reason ?? "")")
        #expect(try sandbox.installedVersion() == "1.0")
        #expect(try sandbox.audit() == "")
        let rollback = try #require(report.steps.first { $0.step == .rollback })
        #expect(rollback.stdoutTail?.contains("Setting up demo (1.0)") == true)
    }

    @Test func versionMissingFromTheRepositoryFailsBeforeAnyChange() async throws {
        let sandbox = try sandboxWithRepository()
        let outcome = try await sandbox.runner(sandbox.plan("9.9", artifact: nil)).run()
        guard case .finished(let report) = outcome else {
            Issue.record("\(outcome)")
            return
        }
        #expect(report.status == .failedBeforeChange)
        #expect(report.reason?.contains("Version '9.9' for 'demo' was not found") == true)
        #expect(!report.steps.contains { $0.step == .apply })
        #expect(try sandbox.installedVersion() == "1.0")
    }

    @Test func heldPackageIsNotChanged() async throws {
        let sandbox = try sandboxWithRepository()
        let hold = try ProcessCommandRunner().run(
            ["sh", "-c", "echo 'demo hold' | " + sandbox.executor().dpkg.joined(separator: " ") + " --set-selections"]
        )
        #expect(hold.status == 0)
        let outcome = try await sandbox.runner(sandbox.plan("1.1", artifact: nil)).run()
        guard case .finished(let report) = outcome else {
            Issue.record("\(outcome)")
            return
        }
        #expect(report.status != .succeeded)
        #expect(report.reason?.contains("held") == true)
        #expect(try sandbox.installedVersion() == "1.0")
    }
}
