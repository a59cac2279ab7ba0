import Testing

@testable import PatchAgent

/// The plan execution state machine, exhaustively and without any process or file.
@Suite struct PlanExecutionTests {
    /// Drives a machine: each step in `outcomes` succeeds unless it maps to a failure reason.
    private func drive(
        automaticRollback: Bool = true,
        failing: Set<ExecutionStep> = [],
        rebootRequired: Bool = false,
        boots: [Int] = [1]
    ) -> (steps: [ExecutionStep], final: PlanExecution.Action, machine: PlanExecution) {
        var machine = PlanExecution(automaticRollback: automaticRollback, maximumBoots: 2)
        var steps: [ExecutionStep] = []
        var action = machine.event(.start)
        var pendingBoots = boots
        while true {
            switch action {
            case .run(let step):
                steps.append(step)
                if failing.contains(step) {
                    action = machine.event(.stepFailed("\(step) broke"))
                } else if step == .reboot {
                    action = machine.event(.rebootDecided(required: rebootRequired))
                } else {
                    action = machine.event(.stepSucceeded)
                }
            case .reboot:
                guard !pendingBoots.isEmpty else { return (steps, action, machine) }
                action = machine.event(.booted(bootsSeen: pendingBoots.removeFirst()))
            case .finish, .none:
                return (steps, action, machine)
            }
        }
    }

    @Test func happyPathWithoutReboot() {
        let run = drive()
        #expect(run.steps == [.precheck, .snapshot, .recordInstalled, .apply, .verify, .postcheck, .reboot])
        #expect(run.final == .finish(.succeeded, reason: nil))
        #expect(run.machine.state == .finished(.succeeded))
        #expect(run.machine.hasChangedHost)
    }

    @Test func happyPathWithReboot() {
        let run = drive(rebootRequired: true)
        #expect(run.steps.suffix(2) == [.reboot, .postRebootCheck])
        #expect(run.final == .finish(.succeeded, reason: nil))
    }

    @Test(arguments: [ExecutionStep.precheck, .snapshot, .recordInstalled])
    func failureBeforeApplyChangesNothing(step: ExecutionStep) {
        let run = drive(failing: [step])
        #expect(run.steps.last == step)
        #expect(!run.steps.contains(.apply))
        #expect(run.final == .finish(.failedBeforeChange, reason: "\(step.rawValue): \(step) broke"))
        #expect(!run.machine.hasChangedHost)
    }

    @Test(arguments: [ExecutionStep.apply, .verify, .postcheck, .postRebootCheck])
    func failureAfterApplyRollsBack(step: ExecutionStep) {
        let run = drive(failing: [step], rebootRequired: true)
        #expect(run.steps.suffix(3) == [step, .rollback, .rollbackCheck])
        #expect(run.final == .finish(.rolledBack, reason: "\(step.rawValue): \(step) broke"))
    }

    @Test(arguments: [ExecutionStep.apply, .verify, .postcheck, .postRebootCheck])
    func failureWithoutAutomaticRollbackStops(step: ExecutionStep) {
        let run = drive(automaticRollback: false, failing: [step], rebootRequired: true)
        #expect(run.steps.last == step)
        #expect(run.final == .finish(.failed, reason: "\(step.rawValue): \(step) broke"))
    }

    @Test(arguments: [ExecutionStep.rollback, .rollbackCheck])
    func failingRollback(step: ExecutionStep) {
        let run = drive(failing: [.postcheck, step])
        #expect(run.steps.last == step)
        #expect(
            run.final == .finish(.rollbackFailed, reason: "postcheck: postcheck broke; \(step.rawValue): \(step) broke")
        )
    }

    @Test func rebootLoopStops() {
        var machine = PlanExecution(automaticRollback: true, maximumBoots: 2)
        for event: PlanExecution.Event in [.start, .stepSucceeded, .stepSucceeded, .stepSucceeded, .stepSucceeded] {
            _ = machine.event(event)
        }
        #expect(machine.event(.stepSucceeded) == .run(.postcheck))
        #expect(machine.event(.stepSucceeded) == .run(.reboot))
        #expect(machine.event(.rebootDecided(required: true)) == .reboot)
        #expect(machine.state == .awaitingBoot)
        #expect(machine.event(.booted(bootsSeen: 1)) == .run(.postRebootCheck))
        // Unexpected boots during the post-reboot check run the check again, until the limit.
        #expect(machine.event(.booted(bootsSeen: 2)) == .run(.postRebootCheck))
        let action = machine.event(.booted(bootsSeen: 3))
        #expect(action == .finish(.rebootLoop, reason: "host booted 3 times during the plan (at most 2 allowed)"))
        #expect(machine.state == .finished(.rebootLoop))
    }

    @Test func unexpectedBootDuringAStepRunsItAgain() {
        var machine = PlanExecution(automaticRollback: true)
        _ = machine.event(.start)
        _ = machine.event(.stepSucceeded)
        _ = machine.event(.stepSucceeded)
        #expect(machine.event(.stepSucceeded) == .run(.apply))
        #expect(machine.event(.booted(bootsSeen: 1)) == .run(.apply))
    }

    @Test func failedRebootCommandRollsBack() {
        var machine = PlanExecution(automaticRollback: true)
        _ = machine.event(.start)
        for _ in 0..<6 { _ = machine.event(.stepSucceeded) }
        #expect(machine.event(.rebootDecided(required: true)) == .reboot)
        #expect(machine.event(.stepFailed("reboot command failed")) == .run(.rollback))
    }

    @Test func budgetExceeded() {
        var machine = PlanExecution(automaticRollback: true)
        _ = machine.event(.start)
        #expect(
            machine.event(.budgetExceeded)
                == .finish(.failedBeforeChange, reason: "precheck: time budget exceeded during precheck")
        )
        var late = PlanExecution(automaticRollback: true)
        _ = late.event(.start)
        for _ in 0..<3 { _ = late.event(.stepSucceeded) }
        #expect(late.event(.budgetExceeded) == .run(.rollback))
    }

    /// Every event in every state: events that do not apply change nothing and ask for nothing.
    @Test func eventsThatDoNotApplyAreIgnored() {
        let events: [PlanExecution.Event] = [
            .start, .stepSucceeded, .stepFailed("x"), .rebootDecided(required: true), .rebootDecided(required: false),
            .booted(bootsSeen: 1), .budgetExceeded,
        ]
        var idle = PlanExecution(automaticRollback: true)
        for event in events where event != .start {
            #expect(idle.event(event) == .none)
            #expect(idle.state == .idle)
        }
        // A finished machine stays finished.
        var finished = PlanExecution(automaticRollback: true)
        _ = finished.event(.start)
        _ = finished.event(.stepFailed("x"))
        #expect(finished.state == .finished(.failedBeforeChange))
        for event in events {
            #expect(finished.event(event) == .none, "\(event)")
            #expect(finished.state == .finished(.failedBeforeChange))
        }
        for step in ExecutionStep.allCases where step != .reboot {
            var machine = PlanExecution(automaticRollback: true)
            _ = machine.event(.start)
            // Walk to the step through the normal or the failure path.
            var guardCount = 0
            while machine.state != .running(step), guardCount < 20 {
                guardCount += 1
                switch machine.state {
                case .running(.reboot): _ = machine.event(.rebootDecided(required: true))
                case .awaitingBoot: _ = machine.event(.booted(bootsSeen: 1))
                case .running(.postRebootCheck) where step == .rollback || step == .rollbackCheck:
                    _ = machine.event(.stepFailed("x"))
                default: _ = machine.event(.stepSucceeded)
                }
            }
            #expect(machine.state == .running(step))
            #expect(machine.event(.start) == .none)
            #expect(machine.event(.rebootDecided(required: true)) == .none)
            #expect(machine.state == .running(step))
        }
    }
}
