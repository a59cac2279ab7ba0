import AgentProtocol
import FleetModel
import Foundation
import Testing

@testable import PatchAgent

/// Reboots with a fake reboot command that writes a new boot id, as the next boot would.
@Suite(.enabled(if: ExecutionSandbox.available, "needs dpkg and dpkg-deb"))
struct RebootTests {
    @Test func rebootThenPostRebootChecks() async throws {
        let sandbox = try ExecutionSandbox()
        let artifact = try sandbox.buildDemo("1.1")
        let plan = sandbox.plan("1.1", artifact: artifact, reboot: .always)
        let reboot = try sandbox.fakeRebootCommand()
        #expect(try await sandbox.runner(plan, rebootCommand: reboot).run() == .awaitingReboot)
        let journal = Journal(stateDirectory: sandbox.state, planID: plan.id)
        #expect(try journal.read().last?.kind == .rebootIssued)
        #expect(try journal.read().last?.bootID == "boot-0")
        // The agent starts again in the new boot and continues.
        let outcome = try await sandbox.runner(plan, rebootCommand: reboot).run()
        guard case .finished(let report) = outcome else {
            Issue.record("\(outcome)")
            return
        }
        #expect(report.status == .succeeded)
        #expect(report.steps.map(\.step).suffix(2) == [.reboot, .postRebootCheck])
        #expect(report.bootIDs.count == 2)
        #expect(report.bootIDs.first == "boot-0")
    }

    @Test func rebootIsIssuedAgainWhenTheHostDidNotGoDown() async throws {
        let sandbox = try ExecutionSandbox()
        let artifact = try sandbox.buildDemo("1.1")
        let plan = sandbox.plan("1.1", artifact: artifact, reboot: .always)
        // A reboot command that returns without rebooting (the agent was killed before it took effect).
        #expect(try await sandbox.runner(plan, rebootCommand: ["true"]).run() == .awaitingReboot)
        let reboot = try sandbox.fakeRebootCommand()
        #expect(try await sandbox.runner(plan, rebootCommand: reboot).run() == .awaitingReboot)
        let issued = try Journal(stateDirectory: sandbox.state, planID: plan.id).read().filter {
            $0.kind == .rebootIssued
        }
        #expect(issued.count == 2)
        guard case .finished(let report) = try await sandbox.runner(plan, rebootCommand: reboot).run() else {
            Issue.record("not finished")
            return
        }
        #expect(report.status == .succeeded)
    }

    @Test func rebootLoopStops() async throws {
        let sandbox = try ExecutionSandbox()
        let artifact = try sandbox.buildDemo("1.1")
        let plan = sandbox.plan("1.1", artifact: artifact, reboot: .always)
        let reboot = try sandbox.fakeRebootCommand()
        #expect(try await sandbox.runner(plan, rebootCommand: reboot, maximumBoots: 2).run() == .awaitingReboot)
        // The host keeps going down during the post-reboot check (kernel panic, watchdog…).
        for boot in 1...2 {
            let crashing = sandbox.runner(plan, rebootCommand: reboot, maximumBoots: 2) { step, point in
                step == .postRebootCheck && point == .afterStarted
            }
            await #expect(throws: ExecutionError.self) { try await crashing.run() }
            try sandbox.write(sandbox.bootIDFile, "watchdog-boot-\(boot)\n")
        }
        let outcome = try await sandbox.runner(plan, rebootCommand: reboot, maximumBoots: 2).run()
        guard case .finished(let report) = outcome else {
            Issue.record("\(outcome)")
            return
        }
        #expect(report.status == .rebootLoop)
        #expect(report.reason == "host booted 3 times during the plan (at most 2 allowed)")
        #expect(report.bootIDs.count == 4)
        #expect(try await sandbox.runner(plan, rebootCommand: reboot).run() == .alreadyReported(.rebootLoop))
    }

    @Test func failingRebootCommandRollsBack() async throws {
        let sandbox = try ExecutionSandbox()
        let good = try sandbox.buildDemo("1.0")
        let artifact = try sandbox.buildDemo("1.1")
        _ = try await sandbox.runner(sandbox.plan("1.0", artifact: good, id: "first")).run()
        let plan = sandbox.plan("1.1", artifact: artifact, id: "second", reboot: .always)
        let outcome = try await sandbox.runner(plan, rebootCommand: ["false"]).run()
        guard case .finished(let report) = outcome else {
            Issue.record("\(outcome)")
            return
        }
        #expect(report.status == .rolledBack)
        #expect(report.reason == "reboot: reboot command failed")
        #expect(try sandbox.installedVersion() == "1.0")
    }

    @Test func requiredDetection() throws {
        let sandbox = try ExecutionSandbox()
        let monitor = RebootMonitor(root: sandbox.root, bootIDFile: sandbox.bootIDFile)
        #expect(monitor.decide(.never).required == false)
        #expect(monitor.decide(.always).required == true)
        #expect(monitor.decide(.ifRequired) == (false, "no reboot required"))
        // A newer kernel image installed than the one running.
        try sandbox.write(sandbox.root + "/proc/sys/kernel/osrelease", "6.1.0-17-amd64\n")
        try sandbox.write(
            sandbox.adminDirectory + "/status",
            """
            Package: linux-image-6.1.0-18-amd64
            Status: install ok installed
            Architecture: amd64
            Version: 6.1.76-1

            Package: linux-image-6.1.0-17-amd64
            Status: install ok installed
            Architecture: amd64
            Version: 6.1.69-1

            """
        )
        #expect(
            monitor.rebootRequiredReason() == "running kernel 6.1.0-17-amd64 is older than installed 6.1.0-18-amd64"
        )
        try sandbox.write(sandbox.root + "/proc/sys/kernel/osrelease", "6.1.0-18-amd64\n")
        #expect(monitor.rebootRequiredReason() == nil)
        try sandbox.write(sandbox.root + "/var/run/reboot-required", "*** System restart required ***\n")
        #expect(monitor.decide(.ifRequired) == (true, "/var/run/reboot-required exists"))
        #expect(monitor.currentBootID() == "boot-0")
    }
}
