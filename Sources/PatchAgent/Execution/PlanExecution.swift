/// One step of executing an update plan, in the order they normally run.
public enum ExecutionStep: String, Sendable, Hashable, Codable, CaseIterable {
    /// The plan's pre-checks; nothing has changed yet.
    case precheck
    /// The plan's snapshot command, if any.
    case snapshot
    /// Records the installed versions (for rollback) and makes sure their artifacts are cached.
    case recordInstalled
    /// Installs the exact versions.
    case apply
    /// The installed versions are exactly the plan's.
    case verify
    /// The plan's post-checks.
    case postcheck
    /// Decides whether to reboot (policy, reboot-required marker, running kernel) and reboots.
    case reboot
    /// The post-checks again, after the reboot.
    case postRebootCheck
    /// Reinstalls the recorded versions (and runs the snapshot revert command, if any).
    case rollback
    /// Checks that the rollback restored the recorded versions and a consistent package database.
    case rollbackCheck
}

/// How an execution ended.
public enum ExecutionStatus: String, Sendable, Hashable, Codable, CaseIterable {
    /// Every step passed.
    case succeeded
    /// A step before `apply` failed: nothing was changed.
    case failedBeforeChange = "failed-before-change"
    /// A step after the change failed and automatic rollback is off: the host is left as it is.
    case failed
    /// A step failed and the rollback restored the recorded versions.
    case rolledBack = "rolled-back"
    /// A step failed and the rollback failed too: needs a person.
    case rollbackFailed = "rollback-failed"
    /// The host booted more often than allowed while executing this plan.
    case rebootLoop = "reboot-loop"
}

/// The pure state machine of one plan execution (CONVENTIONS habit 7): it holds no files and runs
/// no processes. The driver (``PlanRunner``) feeds it events and performs the actions it returns.
///
/// Normal path: precheck → snapshot → recordInstalled → apply → verify → postcheck → reboot →
/// (after the boot) postRebootCheck → done. A failure before `apply` ends the execution with
/// ``ExecutionStatus/failedBeforeChange``; a failure from `apply` on leads to rollback →
/// rollbackCheck when the plan allows automatic rollback.
public struct PlanExecution: Sendable, Hashable {
    /// Where the execution is.
    public enum State: Sendable, Hashable {
        /// Not started.
        case idle
        /// A step is running.
        case running(ExecutionStep)
        /// The reboot command was issued; waiting for the next boot.
        case awaitingBoot
        /// Finished.
        case finished(ExecutionStatus)
    }

    /// What happened.
    public enum Event: Sendable, Hashable {
        /// Start the execution.
        case start
        /// The running step passed.
        case stepSucceeded
        /// The running step failed, with the reason.
        case stepFailed(String)
        /// The reboot step decided whether a reboot is needed.
        case rebootDecided(required: Bool)
        /// The host booted while the execution was waiting for it; `bootsSeen` counts the boots
        /// seen since the plan started, this one included.
        case booted(bootsSeen: Int)
        /// The time budget ran out.
        case budgetExceeded
    }

    /// What the driver must do next.
    public enum Action: Sendable, Hashable {
        /// Run a step and report its outcome.
        case run(ExecutionStep)
        /// Issue the reboot command, then wait for ``Event/booted(bootsSeen:)``.
        case reboot
        /// Write the final report; the execution is over.
        case finish(ExecutionStatus, reason: String?)
        /// Nothing (an event that does not apply in this state).
        case none
    }

    /// The current state.
    public private(set) var state: State = .idle
    /// Whether a failure after the change rolls back by itself.
    public let automaticRollback: Bool
    /// How many boots are allowed while this plan executes before it stops with
    /// ``ExecutionStatus/rebootLoop``.
    public let maximumBoots: Int
    /// The first failure's reason, kept for the final report.
    public private(set) var failureReason: String?

    /// Creates a machine in the idle state.
    public init(automaticRollback: Bool, maximumBoots: Int = 3) {
        self.automaticRollback = automaticRollback
        self.maximumBoots = maximumBoots
    }

    /// Whether the host may have been changed by this execution.
    public var hasChangedHost: Bool { changed }
    private var changed = false

    /// Feeds an event and returns the action to perform.
    public mutating func event(_ event: Event) -> Action {
        switch (state, event) {
        case (.idle, .start):
            return run(.precheck)
        case (.running(let step), .stepSucceeded):
            return succeeded(step)
        case (.running(let step), .stepFailed(let reason)):
            return failed(step, reason)
        case (.running(.reboot), .rebootDecided(let required)):
            if required {
                state = .awaitingBoot
                return .reboot
            }
            return finish(.succeeded, nil)
        case (.awaitingBoot, .booted(let bootsSeen)):
            if bootsSeen > maximumBoots { return rebootLoop(bootsSeen) }
            return run(.postRebootCheck)
        case (.running(let step), .booted(let bootsSeen)):
            // A boot nobody asked for (power loss, watchdog, a crash): run the interrupted step again.
            if bootsSeen > maximumBoots { return rebootLoop(bootsSeen) }
            return run(step)
        case (.awaitingBoot, .stepFailed(let reason)):
            return failed(.reboot, reason)
        case (.running(let step), .budgetExceeded):
            return failed(step, "time budget exceeded during \(step.rawValue)")
        case (.awaitingBoot, .budgetExceeded):
            return failed(.reboot, "time budget exceeded waiting for the reboot")
        default:
            return .none
        }
    }

    private mutating func rebootLoop(_ bootsSeen: Int) -> Action {
        finish(.rebootLoop, "host booted \(bootsSeen) times during the plan (at most \(maximumBoots) allowed)")
    }

    private mutating func run(_ step: ExecutionStep) -> Action {
        if step == .apply { changed = true }
        state = .running(step)
        return .run(step)
    }

    private mutating func finish(_ status: ExecutionStatus, _ reason: String?) -> Action {
        state = .finished(status)
        return .finish(status, reason: reason ?? failureReason)
    }

    private mutating func succeeded(_ step: ExecutionStep) -> Action {
        switch step {
        case .precheck: return run(.snapshot)
        case .snapshot: return run(.recordInstalled)
        case .recordInstalled: return run(.apply)
        case .apply: return run(.verify)
        case .verify: return run(.postcheck)
        case .postcheck: return run(.reboot)
        // The reboot step answers with .rebootDecided; a plain success means no reboot was needed.
        case .reboot: return finish(.succeeded, nil)
        case .postRebootCheck: return finish(.succeeded, nil)
        case .rollback: return run(.rollbackCheck)
        case .rollbackCheck: return finish(.rolledBack, nil)
        }
    }

    private mutating func failed(_ step: ExecutionStep, _ reason: String) -> Action {
        switch step {
        case .precheck, .snapshot, .recordInstalled:
            if failureReason == nil { failureReason = "\(step.rawValue): \(reason)" }
            return finish(.failedBeforeChange, nil)
        case .apply, .verify, .postcheck, .reboot, .postRebootCheck:
            if failureReason == nil { failureReason = "\(step.rawValue): \(reason)" }
            return automaticRollback ? run(.rollback) : finish(.failed, nil)
        case .rollback, .rollbackCheck:
            let first = failureReason.map { "\($0); " } ?? ""
            return finish(.rollbackFailed, "\(first)\(step.rawValue): \(reason)")
        }
    }
}
