import AgentProtocol
import Foundation
import Testing

@testable import PatchAgent

/// Crash at every step boundary, then resume from the journal.
///
/// The crash is simulated in-process through ``PlanRunner/crashHook``: the runner throws at the
/// chosen point, exactly where a kill -9 would leave the journal, and a fresh runner (as after a
/// restart) resumes from the files alone.
@Suite(.enabled(if: ExecutionSandbox.available, "needs dpkg and dpkg-deb"))
struct ResumeTests {
    static let forwardSteps: [ExecutionStep] = [
        .precheck, .snapshot, .recordInstalled, .apply, .verify, .postcheck, .reboot,
    ]
    static let boundaries: [(ExecutionStep, CrashPoint)] = forwardSteps.flatMap { step in
        CrashPoint.allCases.map { (step, $0) }
    }

    private func startedCount(_ journal: Journal, _ step: ExecutionStep) throws -> Int {
        try journal.read().filter { $0.kind == .stepStarted && $0.step == step }.count
    }

    @Test(arguments: boundaries)
    func resumeAfterCrashOnTheHappyPath(step: ExecutionStep, point: CrashPoint) async throws {
        let sandbox = try ExecutionSandbox()
        try sandbox.buildDemo("1.0")
        let artifact = try sandbox.buildDemo("1.1")
        try sandbox.preinstall("1.0")
        let plan = sandbox.plan("1.1", artifact: artifact)
        let crashing = sandbox.runner(plan, crashHook: { $0 == step && $1 == point })
        await #expect(throws: ExecutionError.self) { try await crashing.run() }
        let journal = Journal(stateDirectory: sandbox.state, planID: plan.id)
        #expect(try journal.read().last?.kind == (point == .afterFinished ? .stepFinished : .stepStarted))
        let outcome = try await sandbox.runner(plan).run()
        guard case .finished(let report) = outcome else {
            Issue.record("\(outcome)")
            return
        }
        #expect(report.status == .succeeded)
        #expect(try sandbox.installedVersion() == "1.1")
        #expect(try sandbox.audit() == "")
        // Completed steps are not redone; only the interrupted one starts twice.
        for other in Self.forwardSteps {
            let expected = other == step && point != .afterFinished ? 2 : 1
            #expect(try startedCount(journal, other) == expected, "\(other)")
        }
        let records = try journal.read()
        #expect(records.filter { $0.kind == .reported }.count == 1)
        #expect(try await sandbox.runner(plan).run() == .alreadyReported(.succeeded))
    }

    /// dpkg killed half-way through `apply`: the package is unpacked but not configured. The resume
    /// repairs it with `dpkg --configure -a` before running `apply` again (which is then a no-op).
    @Test func interruptedApplyIsRepaired() async throws {
        let sandbox = try ExecutionSandbox()
        try sandbox.buildDemo("1.0")
        let artifact = try sandbox.buildDemo("1.1")
        try sandbox.preinstall("1.0")
        let plan = sandbox.plan("1.1", artifact: artifact)
        let crashing = sandbox.runner(plan, crashHook: { $0 == .apply && $1 == .afterStarted })
        await #expect(throws: ExecutionError.self) { try await crashing.run() }
        let unpack = try ProcessCommandRunner().run(
            sandbox.executor().dpkg + ["--unpack", sandbox.state + "/cache/demo_1.1.deb"]
        )
        #expect(unpack.status == 0)
        #expect(try sandbox.audit() != "")
        let outcome = try await sandbox.runner(plan).run()
        guard case .finished(let report) = outcome else {
            Issue.record("\(outcome)")
            return
        }
        #expect(report.status == .succeeded)
        let apply = try #require(report.steps.last { $0.step == .apply })
        #expect(apply.detail.hasPrefix("repaired interrupted run (dpkg --configure -a, exit 0)"))
        #expect(apply.detail.contains("already at target: demo"))
        #expect(try sandbox.audit() == "")
    }

    @Test(
        arguments: [ExecutionStep.apply, .rollback, .rollbackCheck].flatMap { step in
            CrashPoint.allCases.map { (step, $0) }
        }
    )
    func resumeAfterCrashOnTheRollbackPath(step: ExecutionStep, point: CrashPoint) async throws {
        let sandbox = try ExecutionSandbox()
        let good = try sandbox.buildDemo("1.1")
        let broken = try sandbox.buildDemo("1.2", .failingPostinst)
        _ = try await sandbox.runner(sandbox.plan("1.1", artifact: good, id: "first")).run()
        let plan = sandbox.plan("1.2", artifact: broken, id: "second")
        let crashing = sandbox.runner(plan, crashHook: { $0 == step && $1 == point })
        await #expect(throws: ExecutionError.self) { try await crashing.run() }
        let outcome = try await sandbox.runner(plan).run()
        guard case .finished(let report) = outcome else {
            Issue.record("\(outcome)")
            return
        }
        #expect(report.status == .rolledBack)
        #expect(try sandbox.installedVersion() == "1.1")
        #expect(try sandbox.audit() == "")
    }

    @Test func reportIsDeliveredAgainWhenDeliveryFailed() async throws {
        let sandbox = try ExecutionSandbox()
        let artifact = try sandbox.buildDemo("1.1")
        let plan = sandbox.plan("1.1", artifact: artifact)
        struct Unreachable: Error {}
        await #expect(throws: ExecutionError.self) {
            try await sandbox.runner(plan).run(deliver: { _ in throw Unreachable() })
        }
        #expect(
            try Journal.unreported(in: sandbox.state).map(\.path) == [
                Journal(stateDirectory: sandbox.state, planID: plan.id).path
            ]
        )
        let delivered = Recorder()
        let outcome = try await sandbox.runner(plan).run(deliver: { report in
            delivered.append(ExecutionStepResult(step: .postcheck, succeeded: report.status == .succeeded, detail: ""))
        })
        guard case .finished(let report) = outcome else {
            Issue.record("\(outcome)")
            return
        }
        #expect(report.status == .succeeded)
        #expect(delivered.all.count == 1)
        #expect(try Journal.unreported(in: sandbox.state).isEmpty)
        // The steps were not run again for the second delivery.
        #expect(
            try Journal(stateDirectory: sandbox.state, planID: plan.id).read().filter { $0.kind == .stepStarted }.count
                == 7
        )
    }

    @Test func journalForAnotherPlanIsRefused() async throws {
        let sandbox = try ExecutionSandbox()
        let artifact = try sandbox.buildDemo("1.1")
        _ = try await sandbox.runner(sandbox.plan("1.1", artifact: artifact)).run()
        var other = sandbox.plan("1.1", artifact: artifact)
        other.sequence = 2
        await #expect(throws: ExecutionError.self) { try await sandbox.runner(other).run() }
    }
}
