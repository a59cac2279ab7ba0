/// The outcome of one step of a plan.
public enum StepOutcome: String, Sendable, Hashable, Codable {
    /// The step did what it should.
    case succeeded
    /// The step failed.
    case failed
    /// The step had nothing to do (e.g. the exact version was already installed).
    case skipped
}

/// One step result as the agent reports it.
public struct StepResult: Sendable, Hashable, Codable {
    /// Step name (`precheck`, `apply`, `postcheck`, `reboot`, `rollback` …).
    public var step: String
    /// Unix seconds when the step started.
    public var startedAt: Int64
    /// Unix seconds when it ended.
    public var endedAt: Int64
    /// Outcome.
    public var outcome: StepOutcome
    /// A human-readable summary (which check failed and why).
    public var message: String
    /// Tail of the standard output of the commands run.
    public var stdoutTail: String
    /// Tail of the standard error.
    public var stderrTail: String
    /// Package versions before the step (name → version).
    public var versionsBefore: [String: String]
    /// Package versions after the step.
    public var versionsAfter: [String: String]

    /// Creates a step result.
    public init(
        step: String,
        startedAt: Int64,
        endedAt: Int64,
        outcome: StepOutcome,
        message: String = "",
        stdoutTail: String = "",
        stderrTail: String = "",
        versionsBefore: [String: String] = [:],
        versionsAfter: [String: String] = [:]
    ) {
        self.step = step
        self.startedAt = startedAt
        self.endedAt = endedAt
        self.outcome = outcome
        self.message = message
        self.stdoutTail = stdoutTail
        self.stderrTail = stderrTail
        self.versionsBefore = versionsBefore
        self.versionsAfter = versionsAfter
    }
}

/// How a plan ended on the host.
public enum PlanOutcome: String, Sendable, Hashable, Codable {
    /// Applied, checks passed.
    case completed
    /// Refused before any change (bad signature, expired, pre-check failed …).
    case refused
    /// Failed, and was rolled back.
    case rolledBack = "rolled-back"
    /// Failed, and the rollback failed too (the report says what is left).
    case rollbackFailed = "rollback-failed"
    /// Stopped because the host kept rebooting.
    case rebootLoop = "reboot-loop"
    /// Still running (an interim report).
    case inProgress = "in-progress"
}

/// A report of a plan's steps, sent by the agent until the server acknowledges it.
public struct PlanReport: Sendable, Hashable, Codable {
    /// The plan id.
    public var planID: String
    /// The plan's sequence number.
    public var sequence: Int64
    /// How it ended (or ``PlanOutcome/inProgress``).
    public var outcome: PlanOutcome
    /// The steps so far.
    public var steps: [StepResult]

    /// Creates a report.
    public init(planID: String, sequence: Int64, outcome: PlanOutcome, steps: [StepResult]) {
        self.planID = planID
        self.sequence = sequence
        self.outcome = outcome
        self.steps = steps
    }
}

/// The server's acknowledgement of a report.
public struct PlanReportAcknowledgement: Sendable, Hashable, Codable {
    /// The plan id acknowledged.
    public var planID: String
    /// Whether this exact report had been received before (a retry).
    public var duplicate: Bool

    /// Creates an acknowledgement.
    public init(planID: String, duplicate: Bool) {
        self.planID = planID
        self.duplicate = duplicate
    }
}
