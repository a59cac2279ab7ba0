import AgentProtocol

/// The result of one step, as printed by `patchpilot-agent apply` and sent in the final report.
public struct ExecutionStepResult: Sendable, Hashable, Codable {
    /// The step.
    public var step: ExecutionStep
    /// Whether it passed.
    public var succeeded: Bool
    /// What it did or why it failed.
    public var detail: String
    /// The checks it ran, if any.
    public var checks: [CheckResult]?
    /// Installed versions before the step (name → version; absent = not installed).
    public var versionsBefore: [String: String]?
    /// Installed versions after the step.
    public var versionsAfter: [String: String]?
    /// The tail of the commands' standard output.
    public var stdoutTail: String?
    /// The tail of the commands' standard error.
    public var stderrTail: String?
    /// For the reboot step: whether a reboot was required.
    public var rebootRequired: Bool?
    /// Unix seconds when the step started.
    public var startedAt: Int64?
    /// Unix seconds when it ended.
    public var endedAt: Int64?

    /// Creates a result.
    public init(step: ExecutionStep, succeeded: Bool, detail: String) {
        self.step = step
        self.succeeded = succeeded
        self.detail = detail
    }
}

/// The final report of one plan execution, produced once (the journal then records `reported`).
public struct ExecutionReport: Sendable, Hashable, Codable {
    /// The plan id.
    public var planID: String
    /// The plan's host.
    public var hostID: String
    /// The plan's sequence.
    public var sequence: Int64
    /// How it ended.
    public var status: ExecutionStatus
    /// The first failure, if any.
    public var reason: String?
    /// Every finished step in order (a step run again after a crash appears again).
    public var steps: [ExecutionStepResult]
    /// The boots seen while the plan executed, the first one included.
    public var bootIDs: [String]

    /// Creates a report.
    public init(
        planID: String,
        hostID: String,
        sequence: Int64,
        status: ExecutionStatus,
        reason: String?,
        steps: [ExecutionStepResult],
        bootIDs: [String]
    ) {
        self.planID = planID
        self.hostID = hostID
        self.sequence = sequence
        self.status = status
        self.reason = reason
        self.steps = steps
        self.bootIDs = bootIDs
    }
}

/// What one call of ``PlanRunner/run(deliver:)`` ended with.
public enum ExecutionOutcome: Sendable, Hashable {
    /// The execution finished and this report was delivered.
    case finished(ExecutionReport)
    /// The reboot command was issued; run again after the boot to continue.
    case awaitingReboot
    /// The journal says the report was already delivered; nothing was done.
    case alreadyReported(ExecutionStatus)
}

/// Where a test hook may stop the runner, as a crash (kill -9, power loss) would.
public enum CrashPoint: String, Sendable, Hashable, CaseIterable {
    /// After the step's `stepStarted` record, before its work.
    case afterStarted
    /// After the step's work, before its `stepFinished` record.
    case afterWork
    /// After the step's `stepFinished` record.
    case afterFinished
}
