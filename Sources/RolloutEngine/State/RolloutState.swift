/// Where a rollout is.
///
/// ```
/// pending → running ⇄ paused
///         running → awaiting-approval (next environment needs a person) → running
///         running → completed
///         running | paused → rolling-back → rolled-back | failed
///         any but finished → aborted
/// ```
public enum RolloutState: String, Sendable, Hashable, Codable, CaseIterable {
    case pending
    case running
    case paused
    case awaitingApproval = "awaiting-approval"
    case rollingBack = "rolling-back"
    case completed
    case rolledBack = "rolled-back"
    case failed
    case aborted

    /// Whether the rollout is over.
    public var isFinished: Bool { [.completed, .rolledBack, .failed, .aborted].contains(self) }
}

/// What people (or the scheduler) do to a rollout.
public enum RolloutCommand: String, Sendable, Hashable, Codable, CaseIterable {
    case start, pause, resume, abort
    case approveNextEnvironment = "approve-next-environment"
    case rollBack = "roll-back"
    case complete
    case finishRollback = "finish-rollback"
    case failRollback = "fail-rollback"
    case awaitApproval = "await-approval"

    /// The states the command is allowed from, and the state it leads to.
    public var transition: (from: Set<RolloutState>, to: RolloutState) {
        switch self {
        case .start: ([.pending], .running)
        case .pause: ([.running, .awaitingApproval], .paused)
        case .resume: ([.paused], .running)
        case .abort: ([.pending, .running, .paused, .awaitingApproval, .rollingBack], .aborted)
        case .approveNextEnvironment: ([.awaitingApproval], .running)
        case .rollBack: ([.running, .paused, .awaitingApproval], .rollingBack)
        case .complete: ([.running], .completed)
        case .finishRollback: ([.rollingBack], .rolledBack)
        case .failRollback: ([.rollingBack], .failed)
        case .awaitApproval: ([.running], .awaitingApproval)
        }
    }
}

extension RolloutState {
    /// The state after `command`, or an illegal-transition error naming both.
    public func applying(_ command: RolloutCommand) throws -> RolloutState {
        let (from, to) = command.transition
        guard from.contains(self) else {
            throw RolloutEngineError(
                .illegalTransition,
                field: "state",
                "cannot \(command.rawValue) a rollout that is \(rawValue); allowed from: \(from.map(\.rawValue).sorted().joined(separator: ", "))"
            )
        }
        return to
    }
}
