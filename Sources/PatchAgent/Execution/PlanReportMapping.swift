import AgentProtocol

extension ExecutionReport {
    /// The report as the agent sends it to the server (``PlanReport``).
    ///
    /// ``ExecutionStatus/failed`` (a failure with automatic rollback off) has no outcome of its
    /// own on the wire; it is sent as ``PlanOutcome/rollbackFailed``, the outcome that asks for a
    /// person, and the steps say that no rollback ran.
    public var planReport: PlanReport {
        PlanReport(planID: planID, sequence: sequence, outcome: status.planOutcome, steps: steps.map(\.wireStepResult))
    }
}

extension ExecutionStatus {
    /// The wire outcome of this status.
    public var planOutcome: PlanOutcome {
        switch self {
        case .succeeded: .completed
        case .failedBeforeChange: .refused
        case .rolledBack: .rolledBack
        case .rollbackFailed, .failed: .rollbackFailed
        case .rebootLoop: .rebootLoop
        }
    }
}

extension ExecutionStepResult {
    /// The step result as the agent sends it (``StepResult``); checks are folded into the message.
    public var wireStepResult: StepResult {
        let alreadyDone = succeeded && detail.contains("already at target") && versionsBefore == versionsAfter
        let checkLines = (checks ?? []).map { "\($0.passed ? "ok" : "FAILED") \($0.check): \($0.detail)" }
        return StepResult(
            step: step.rawValue,
            startedAt: startedAt ?? endedAt ?? 0,
            endedAt: endedAt ?? startedAt ?? 0,
            outcome: alreadyDone ? .skipped : (succeeded ? .succeeded : .failed),
            message: ([detail] + checkLines).joined(separator: "\n"),
            stdoutTail: stdoutTail ?? "",
            stderrTail: stderrTail ?? "",
            versionsBefore: versionsBefore ?? [:],
            versionsAfter: versionsAfter ?? [:]
        )
    }
}
