import AgentProtocol
import Foundation

/// Drives a ``PlanExecution`` with real I/O: the journal, the package executor, the checks and the
/// reboot monitor. ``run(deliver:)`` starts a plan or resumes it from its journal.
///
/// Resume rules: the journal is replayed through the state machine, so a step with a
/// `stepFinished` record is not run again. A step with only `stepStarted` was interrupted and runs
/// again (every step is idempotent: an exact version already installed is skipped); when that step
/// is `apply` or `rollback`, `dpkg --configure -a` repairs a half-done dpkg run first. A boot id
/// other than the last one recorded counts as a boot of this plan.
public struct PlanRunner: Sendable {
    /// The plan.
    public var plan: UpdatePlan
    /// The journal (normally `Journal(stateDirectory:planID: plan.id)`).
    public var journal: Journal
    /// Installs packages.
    public var executor: any PackageExecutor
    /// Runs the plan's checks.
    public var checks: CheckRunner
    /// Decides and issues reboots, and reads the boot id.
    public var rebootMonitor: RebootMonitor
    /// Runs the snapshot and snapshot-revert commands.
    public var runner: any CommandRunning
    /// Boots allowed while executing the plan before stopping with ``ExecutionStatus/rebootLoop``.
    public var maximumBoots: Int
    /// The current time as Unix seconds.
    public var now: @Sendable () -> Int64
    /// Called with each finished step (the CLI prints these as JSON lines).
    public var onStepResult: @Sendable (ExecutionStepResult) -> Void
    /// Test hook: return `true` to stop as a crash would at that point (throws ``ExecutionError/Code/crashInjected``).
    public var crashHook: (@Sendable (ExecutionStep, CrashPoint) -> Bool)?

    /// Creates a runner.
    public init(
        plan: UpdatePlan,
        journal: Journal,
        executor: any PackageExecutor,
        checks: CheckRunner,
        rebootMonitor: RebootMonitor,
        runner: any CommandRunning = ProcessCommandRunner(),
        maximumBoots: Int = 3,
        now: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) },
        onStepResult: @escaping @Sendable (ExecutionStepResult) -> Void = { _ in },
        crashHook: (@Sendable (ExecutionStep, CrashPoint) -> Bool)? = nil
    ) {
        self.plan = plan
        self.journal = journal
        self.executor = executor
        self.checks = checks
        self.rebootMonitor = rebootMonitor
        self.runner = runner
        self.maximumBoots = maximumBoots
        self.now = now
        self.onStepResult = onStepResult
        self.crashHook = crashHook
    }

    /// What the journal says so far, replayed.
    struct Replay {
        var machine: PlanExecution
        var results: [ExecutionStepResult] = []
        var interrupted: ExecutionStep?
        var versionsBefore: [String: String]?
        var bootIDs: [String] = []
        var startedAt: Int64 = 0
        var reported = false
        var rebootIssued = false
        var finished: (status: ExecutionStatus, reason: String?)?
        var stepStartedAt: Int64?
    }

    /// Starts the plan, or resumes it from the journal; `deliver` gets the final report exactly
    /// once per execution (a `reported` record is written after it returns; if it throws, the next
    /// run delivers again).
    public func run(
        deliver: @Sendable (ExecutionReport) async throws -> Void = { _ in }
    ) async throws(ExecutionError) -> ExecutionOutcome {
        if let recorded = try journal.plan(), recorded != plan {
            throw ExecutionError(code: .planMismatch, subject: journal.path, message: "journal is for another plan")
        }
        var replay = try self.replay()
        if replay.reported, let status = replay.finished?.status { return .alreadyReported(status) }
        var action: PlanExecution.Action
        // A recorded end is final, whatever this runner's configuration would decide now.
        let state = replay.finished.map { PlanExecution.State.finished($0.status) } ?? replay.machine.state
        switch state {
        case .idle:
            var record = JournalRecord(kind: .planStarted, time: now())
            record.plan = plan
            record.bootID = rebootMonitor.currentBootID()
            try journal.append(record)
            replay.bootIDs = [record.bootID ?? "unknown"]
            replay.startedAt = record.time
            action = replay.machine.event(.start)
        case .finished(let status):
            action = .finish(status, reason: replay.finished?.reason ?? replay.machine.failureReason)
        case .awaitingBoot, .running:
            let bootID = rebootMonitor.currentBootID()
            if bootID != replay.bootIDs.last {
                var record = JournalRecord(kind: .booted, time: now())
                record.bootID = bootID
                try journal.append(record)
                replay.bootIDs.append(bootID)
                action = replay.machine.event(.booted(bootsSeen: replay.bootIDs.count - 1))
            } else if case .running(let step) = replay.machine.state {
                action = .run(step)
            } else {
                action = .reboot  // issued in this boot but the host did not go down: issue it again
            }
        }
        while true {
            switch action {
            case .run(let step):
                if step.isForward, plan.timeBudgetSeconds > 0, now() - replay.startedAt > Int64(plan.timeBudgetSeconds)
                {
                    let result = ExecutionStepResult(step: step, succeeded: false, detail: "time budget exceeded")
                    try record(result)
                    action = replay.machine.event(.budgetExceeded)
                    continue
                }
                let resumed = replay.interrupted == step
                replay.interrupted = nil
                let startedAt = now()
                try journal.append(JournalRecord(kind: .stepStarted, time: startedAt, step: step))
                try crash(step, .afterStarted)
                var result = await perform(step, replay: &replay, afterInterruption: resumed)
                result.startedAt = startedAt
                try crash(step, .afterWork)
                result = try record(result)
                replay.results.append(result)
                try crash(step, .afterFinished)
                if step == .reboot, result.succeeded {
                    // The reboot step ends with its decision rather than a plain success.
                    action = replay.machine.event(.rebootDecided(required: result.rebootRequired ?? false))
                } else {
                    action = replay.machine.event(result.succeeded ? .stepSucceeded : .stepFailed(result.detail))
                }
            case .reboot:
                var issued = JournalRecord(kind: .rebootIssued, time: now(), step: .reboot)
                issued.bootID = rebootMonitor.currentBootID()
                try journal.append(issued)
                let output: CommandOutput
                do {
                    output = try rebootMonitor.reboot()
                } catch {
                    output = CommandOutput(status: -1, standardError: error.description)
                }
                guard output.status == 0 else {
                    var result = ExecutionStepResult(step: .reboot, succeeded: false, detail: "reboot command failed")
                    result.stderrTail = output.errorTail()
                    result = try record(result)
                    replay.results.append(result)
                    action = replay.machine.event(.stepFailed(result.detail))
                    continue
                }
                return .awaitingReboot
            case .finish(let status, let reason):
                if replay.finished == nil {
                    var finished = JournalRecord(kind: .finished, time: now())
                    finished.status = status
                    finished.detail = reason
                    try journal.append(finished)
                    replay.finished = (status, reason)
                }
                let report = ExecutionReport(
                    planID: plan.id,
                    hostID: plan.hostID,
                    sequence: plan.sequence,
                    status: status,
                    reason: reason,
                    steps: replay.results,
                    bootIDs: replay.bootIDs
                )
                do {
                    try await deliver(report)
                } catch {
                    throw ExecutionError(code: .commandFailed, subject: "report", message: "not delivered: \(error)")
                }
                try journal.append(JournalRecord(kind: .reported, time: now()))
                return .finished(report)
            case .none:
                throw ExecutionError(
                    code: .journalCorrupt,
                    subject: journal.path,
                    message: "the journal leads to no action in state \(replay.machine.state)"
                )
            }
        }
    }

    private func crash(_ step: ExecutionStep, _ point: CrashPoint) throws(ExecutionError) {
        if let crashHook, crashHook(step, point) {
            throw ExecutionError(
                code: .crashInjected,
                subject: step.rawValue,
                message: "crash injected \(point.rawValue)"
            )
        }
    }

    @discardableResult
    private func record(_ result: ExecutionStepResult) throws(ExecutionError) -> ExecutionStepResult {
        var result = result
        var record = JournalRecord(kind: .stepFinished, time: now(), step: result.step)
        result.endedAt = record.time
        record.startedAt = result.startedAt
        record.succeeded = result.succeeded
        record.detail = result.detail
        record.checks = result.checks
        record.versionsBefore = result.versionsBefore
        record.versionsAfter = result.versionsAfter
        record.stdoutTail = result.stdoutTail
        record.stderrTail = result.stderrTail
        record.rebootRequired = result.rebootRequired
        try journal.append(record)
        onStepResult(result)
        return result
    }

    /// Replays the journal through a fresh state machine.
    func replay() throws(ExecutionError) -> Replay {
        var replay = Replay(
            machine: PlanExecution(automaticRollback: plan.rollback.automatic, maximumBoots: maximumBoots)
        )
        for record in try journal.read() {
            switch record.kind {
            case .planStarted:
                replay.bootIDs = [record.bootID ?? "unknown"]
                replay.startedAt = record.time
                _ = replay.machine.event(.start)
            case .stepStarted:
                replay.interrupted = record.step
                replay.stepStartedAt = record.time
            case .stepFinished:
                replay.interrupted = nil
                var result = ExecutionStepResult(
                    step: record.step ?? .precheck,
                    succeeded: record.succeeded ?? false,
                    detail: record.detail ?? ""
                )
                result.checks = record.checks
                result.versionsBefore = record.versionsBefore
                result.versionsAfter = record.versionsAfter
                result.stdoutTail = record.stdoutTail
                result.stderrTail = record.stderrTail
                result.rebootRequired = record.rebootRequired
                result.startedAt = record.startedAt ?? replay.stepStartedAt
                result.endedAt = record.time
                if result.step == .recordInstalled, result.succeeded { replay.versionsBefore = result.versionsAfter }
                replay.results.append(result)
                if case .running(.reboot) = replay.machine.state, result.succeeded {
                    _ = replay.machine.event(.rebootDecided(required: record.rebootRequired ?? false))
                } else if case .running = replay.machine.state {
                    _ = replay.machine.event(result.succeeded ? .stepSucceeded : .stepFailed(result.detail))
                } else {
                    _ = replay.machine.event(.stepFailed(result.detail))
                }
            case .rebootIssued:
                replay.rebootIssued = true
            case .booted:
                replay.bootIDs.append(record.bootID ?? "unknown")
                _ = replay.machine.event(.booted(bootsSeen: replay.bootIDs.count - 1))
            case .finished:
                replay.finished = (record.status ?? .failed, record.detail)
            case .reported:
                replay.reported = true
            }
        }
        return replay
    }
}

extension ExecutionStep {
    /// Whether the step moves the plan forward (the time budget applies), as opposed to rollback.
    var isForward: Bool { self != .rollback && self != .rollbackCheck }
}
