import Foundation

/// A rollout in progress: the plan, where each wave and host task is, and the rollback when one
/// was needed. ``tick(now:metrics:)`` moves it on; everything it does is returned as
/// ``RolloutEffect``s for the server to carry out and record.
public struct Rollout: Sendable, Hashable, Codable {
    /// Knobs that do not change the plan.
    public struct Settings: Sendable, Hashable, Codable {
        /// Failed hosts allowed per wave (beyond it the wave fails).
        public var errorBudget: Budget
        /// Failed hosts allowed per wave of particular environments (the policy's), instead of
        /// ``errorBudget``.
        public var errorBudgets: [String: Budget]
        /// How long a leased task may run before it counts as failed.
        public var leaseDuration: TimeInterval
        /// Wait after a wave's tasks finished before its verdict (metric gates look at this period).
        public var waveBakeTime: TimeInterval
        /// A person approves each environment after the first.
        public var approveEachEnvironment: Bool
        /// Whether metric gates judge waves (the caller supplies their verdicts).
        public var metricGates: Bool

        /// Creates settings.
        public init(
            errorBudget: Budget = .count(0),
            errorBudgets: [String: Budget] = [:],
            leaseDuration: TimeInterval = 3600,
            waveBakeTime: TimeInterval = 0,
            approveEachEnvironment: Bool = false,
            metricGates: Bool = false
        ) {
            self.errorBudget = errorBudget
            self.errorBudgets = errorBudgets
            self.leaseDuration = leaseDuration
            self.waveBakeTime = waveBakeTime
            self.approveEachEnvironment = approveEachEnvironment
            self.metricGates = metricGates
        }

        private enum CodingKeys: String, CodingKey {
            case errorBudget, errorBudgets, leaseDuration, waveBakeTime, approveEachEnvironment, metricGates
        }

        /// Decodes settings; those stored before per-environment error budgets have none.
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            errorBudget = try container.decode(Budget.self, forKey: .errorBudget)
            errorBudgets = try container.decodeIfPresent([String: Budget].self, forKey: .errorBudgets) ?? [:]
            leaseDuration = try container.decode(TimeInterval.self, forKey: .leaseDuration)
            waveBakeTime = try container.decode(TimeInterval.self, forKey: .waveBakeTime)
            approveEachEnvironment = try container.decode(Bool.self, forKey: .approveEachEnvironment)
            metricGates = try container.decode(Bool.self, forKey: .metricGates)
        }

        /// The error budget of a wave in `environment`.
        public func errorBudget(in environment: String) -> Budget { errorBudgets[environment] ?? errorBudget }
    }

    /// One wave's progress.
    public struct WaveProgress: Sendable, Hashable, Codable {
        /// Where the wave is.
        public enum State: String, Sendable, Hashable, Codable {
            case pending, running, baking, passed, failed, inconclusive, skipped
        }
        /// State.
        public var state: State
        /// When it started.
        public var startedAt: Date?
        /// When its bake period ends.
        public var bakeUntil: Date?
        /// Its verdict, once given.
        public var verdict: WaveVerdict?
    }

    /// Hostnames by host id.
    public var hostnames: [String: String] { plan.hostnames }

    /// Identifier (`RO-…`).
    public var id: String
    /// The change rolled out.
    public var changeID: String
    /// State.
    public var state: RolloutState
    /// The plan.
    public var plan: RolloutPlan
    /// Knobs.
    public var settings: Settings
    /// Progress per wave (same order as `plan.waves`).
    public var waves: [WaveProgress]
    /// Every host task, by wave.
    public var tasks: [HostTask]
    /// Rollback tasks (hosts of the failed wave), once a rollback started.
    public var rollbackTasks: [HostTask]
    /// The wave being worked on.
    public var currentWave: Int
    /// The environment a person approved last.
    public var approvedEnvironment: String?
    /// Why it stopped, paused or failed.
    public var reason: String?
    /// Data its owner keeps with it (the server keeps the options it was started with).
    public var annotations: [String: String] = [:]
    /// Task positions by host id (tasks are stored wave by wave, so each wave is a range).
    private var taskIndex: [String: Int]
    private var waveRanges: [Range<Int>]

    /// Creates a pending rollout of `plan`.
    public init(id: String, plan: RolloutPlan, settings: Settings) {
        self.id = id
        self.changeID = plan.changeID
        self.state = .pending
        self.plan = plan
        self.settings = settings
        let waves = plan.waves
        self.waves = waves.map { _ in WaveProgress(state: .pending) }
        self.tasks = waves.flatMap { wave in
            wave.hosts.map {
                HostTask(hostID: $0, wave: wave.index, notBefore: wave.hostStarts[$0] ?? wave.earliestStart)
            }
        }
        self.rollbackTasks = []
        self.currentWave = 0
        var index: [String: Int] = [:]
        var ranges: [Range<Int>] = []
        var position = 0
        for wave in waves {
            ranges.append(position..<(position + wave.hosts.count))
            for host in wave.hosts {
                index[host] = position
                position += 1
            }
        }
        self.taskIndex = index
        self.waveRanges = ranges
    }

    /// Applies a person's command (pause, resume, abort, approve the next environment, start).
    public mutating func apply(_ command: RolloutCommand, reason: String? = nil) throws -> [RolloutEffect] {
        state = try state.applying(command)
        if let reason { self.reason = reason }
        switch command {
        case .approveNextEnvironment:
            approvedEnvironment = plan.waves.indices.contains(currentWave) ? plan.waves[currentWave].environment : nil
        case .resume:
            if waves.indices.contains(currentWave), waves[currentWave].state == .inconclusive {
                // A person looked at an inconclusive wave and let it pass.
                waves[currentWave].state = .passed
                currentWave += 1
            }
        case .abort:
            for index in tasks.indices where tasks[index].state == .pending { tasks[index].state = .skipped }
            for index in waves.indices where waves[index].state == .pending { waves[index].state = .skipped }
        default: break
        }
        return [.stateChanged(state, reason: reason)]
    }

    /// Withdraws a host from the rollout: its tasks that have not started are skipped with `reason`
    /// (the approval they relied on no longer covers the host, say), and so are its leased tasks
    /// whose plans were cancelled before any agent fetched them (`cancelledPlans`). A plan already
    /// handed out is judged by its report.
    /// - Returns: how many tasks were skipped.
    @discardableResult
    public mutating func withdraw(host hostID: String, reason: String, cancelledPlans: Set<String> = []) -> Int {
        var skipped = 0
        for index in tasks.indices where tasks[index].hostID == hostID {
            let cancelled = tasks[index].state == .leased && tasks[index].planID.map(cancelledPlans.contains) == true
            guard tasks[index].state == .pending || cancelled else { continue }
            tasks[index].state = .skipped
            tasks[index].reason = reason
            skipped += 1
        }
        return skipped
    }

    /// Skips leased tasks whose plans were cancelled before delivery (an aborted rollout's, say).
    public mutating func skipCancelled(_ cancelledPlans: Set<String>, reason: String) {
        for index in tasks.indices
        where tasks[index].state == .leased && tasks[index].planID.map(cancelledPlans.contains) == true {
            tasks[index].state = .skipped
            tasks[index].reason = reason
        }
    }

    /// Returns leased tasks whose plans were withdrawn before any agent fetched them (a pause) to
    /// pending: they are leased again, with a new attempt and plan id, once the rollout resumes.
    /// The withdrawn attempt's plan id is fenced off like an expired lease's.
    public mutating func releaseWithdrawn(_ withdrawnPlans: Set<String>) {
        for index in tasks.indices
        where tasks[index].state == .leased && tasks[index].planID.map(withdrawnPlans.contains) == true {
            tasks[index].state = .pending
            tasks[index].planID = nil
            tasks[index].leaseExpiresAt = nil
        }
    }

    /// Indices of the tasks of one wave.
    public func taskIndices(ofWave wave: Int) -> Range<Int> {
        waveRanges.indices.contains(wave) ? waveRanges[wave] : 0..<0
    }

    /// Moves the rollout on at `now`. A pending task of the current wave is leased only when
    /// `windowOpen` says its host may start now (inside a window, with time for the task before the
    /// cutoff; the plan's start times are estimates). `metrics` gives a wave's metric-gate verdict at
    /// the end of its bake period (only asked when ``Settings/metricGates`` is on).
    public mutating func tick(
        now: Date,
        windowOpen: (String) -> Bool = { _ in true },
        metrics: (Int) -> WaveVerdict? = { _ in nil }
    ) -> [RolloutEffect] {
        var effects: [RolloutEffect] = []
        switch state {
        case .running:
            runWaves(now: now, windowOpen: windowOpen, metrics: metrics, effects: &effects)
            // A failed wave starts its rollback in the same tick.
            if state == .rollingBack { runRollback(now: now, effects: &effects) }
        case .rollingBack: runRollback(now: now, effects: &effects)
        default: break
        }
        return effects
    }

    private mutating func runWaves(
        now: Date,
        windowOpen: (String) -> Bool,
        metrics: (Int) -> WaveVerdict?,
        effects: inout [RolloutEffect]
    ) {
        while state == .running {
            guard waves.indices.contains(currentWave) else {
                state = .completed
                effects.append(.stateChanged(.completed, reason: nil))
                return
            }
            let wave = plan.waves[currentWave]
            switch waves[currentWave].state {
            case .pending:
                let previous = currentWave > 0 ? plan.waves[currentWave - 1].environment : nil
                if settings.approveEachEnvironment, let previous, previous != wave.environment,
                    approvedEnvironment != wave.environment
                {
                    state = .awaitingApproval
                    reason = "\(previous) passed; \(wave.environment) waits for approval"
                    effects.append(.stateChanged(.awaitingApproval, reason: reason))
                    return
                }
                waves[currentWave].state = .running
                waves[currentWave].startedAt = now
                effects.append(.waveStarted(currentWave))
            case .running:
                let indices = taskIndices(ofWave: currentWave)
                for index in indices {
                    if tasks[index].expireLease(at: now) {
                        effects.append(.taskFinished(hostID: tasks[index].hostID, wave: currentWave, state: .failed))
                    }
                    if tasks[index].state == .pending, windowOpen(tasks[index].hostID) {
                        let attempt = tasks[index].attempt + 1
                        let planID = "\(id)-\(tasks[index].hostID)-a\(attempt)"
                        try? tasks[index].lease(planID: planID, until: now.addingTimeInterval(settings.leaseDuration))
                        effects.append(.leaseTask(hostID: tasks[index].hostID, attempt: attempt, planID: planID))
                    }
                }
                let verdict = WaveVerdict.judge(
                    tasks: indices.map { tasks[$0] },
                    isCanary: wave.kind == .canary,
                    errorBudget: settings.errorBudget(in: wave.environment)
                )
                guard let verdict else { return }
                if verdict.outcome == .fail {
                    fail(wave: currentWave, verdict: verdict, effects: &effects)
                    return
                }
                if settings.waveBakeTime > 0 || settings.metricGates {
                    waves[currentWave].state = .baking
                    waves[currentWave].bakeUntil = now.addingTimeInterval(settings.waveBakeTime)
                    effects.append(.waveBaking(currentWave, until: now.addingTimeInterval(settings.waveBakeTime)))
                } else {
                    pass(verdict, effects: &effects)
                }
            case .baking:
                guard let until = waves[currentWave].bakeUntil, now >= until else { return }
                let indices = taskIndices(ofWave: currentWave)
                let gate = settings.metricGates ? metrics(currentWave) : nil
                if settings.metricGates && gate == nil {
                    let verdict = WaveVerdict(.inconclusive, ["no metric verdict at the end of the bake period"])
                    inconclusive(verdict, effects: &effects)
                    return
                }
                let verdict =
                    WaveVerdict.judge(
                        tasks: indices.map { tasks[$0] },
                        isCanary: wave.kind == .canary,
                        errorBudget: settings.errorBudget(in: wave.environment),
                        metrics: gate
                    ) ?? WaveVerdict(.inconclusive, ["tasks not finished"])
                switch verdict.outcome {
                case .pass: pass(verdict, effects: &effects)
                case .fail:
                    fail(wave: currentWave, verdict: verdict, effects: &effects)
                    return
                case .inconclusive:
                    inconclusive(verdict, effects: &effects)
                    return
                }
            case .passed, .skipped:
                currentWave += 1
            case .failed, .inconclusive:
                return
            }
        }
    }

    private mutating func pass(_ verdict: WaveVerdict, effects: inout [RolloutEffect]) {
        waves[currentWave].state = .passed
        waves[currentWave].verdict = verdict
        effects.append(.waveVerdict(currentWave, verdict))
        currentWave += 1
    }

    private mutating func inconclusive(_ verdict: WaveVerdict, effects: inout [RolloutEffect]) {
        waves[currentWave].state = .inconclusive
        waves[currentWave].verdict = verdict
        effects.append(.waveVerdict(currentWave, verdict))
        state = .paused
        reason = "wave \(plan.waves[currentWave].name) is inconclusive: \(verdict.reasons.joined(separator: "; "))"
        effects.append(.stateChanged(.paused, reason: reason))
    }

    /// Stops new tasks, skips what has not started, and rolls back the failed wave's hosts that
    /// changed (those the agent did not already roll back itself).
    private mutating func fail(wave failed: Int, verdict: WaveVerdict, effects: inout [RolloutEffect]) {
        waves[failed].state = .failed
        waves[failed].verdict = verdict
        effects.append(.waveVerdict(failed, verdict))
        for index in waves.indices where waves[index].state == .pending { waves[index].state = .skipped }
        for index in tasks.indices where tasks[index].state == .pending { tasks[index].state = .skipped }
        reason = "wave \(plan.waves[failed].name) failed: \(verdict.reasons.joined(separator: "; "))"
        state = .rollingBack
        effects.append(.stateChanged(.rollingBack, reason: reason))
        rollbackTasks = taskIndices(ofWave: failed).compactMap { index in
            let task = tasks[index]
            let changed =
                task.state == .succeeded || task.state == .leased
                || (task.state == .failed && task.outcome != .rolledBack && task.outcome != .refused)
            return changed ? HostTask(hostID: task.hostID, wave: failed, notBefore: .distantPast) : nil
        }
    }

    private mutating func runRollback(now: Date, effects: inout [RolloutEffect]) {
        for index in rollbackTasks.indices {
            if rollbackTasks[index].expireLease(at: now) {
                effects.append(.rollbackFinished(hostID: rollbackTasks[index].hostID, succeeded: false))
            }
            if rollbackTasks[index].state == .pending {
                let attempt = rollbackTasks[index].attempt + 1
                let planID = "\(id)-\(rollbackTasks[index].hostID)-rollback-a\(attempt)"
                try? rollbackTasks[index].lease(planID: planID, until: now.addingTimeInterval(settings.leaseDuration))
                effects.append(.rollBackHost(hostID: rollbackTasks[index].hostID, attempt: attempt, planID: planID))
            }
        }
        guard rollbackTasks.allSatisfy(\.state.isTerminal) else { return }
        for task in rollbackTasks where task.state == .succeeded {
            if let index = taskIndex[task.hostID] { tasks[index].state = .rolledBack }
        }
        let failures = rollbackTasks.filter { $0.state != .succeeded }
        state = failures.isEmpty ? .rolledBack : .failed
        if !failures.isEmpty {
            reason = (reason ?? "") + "; rollback failed on \(failures.map(\.hostID).sorted().joined(separator: ", "))"
        }
        effects.append(.stateChanged(state, reason: reason))
    }

    /// Whether `planID` names a later attempt than its task's current one: a plan queued by a tick
    /// whose state write was then refused (another replica had taken the tick over). Its report
    /// waits until a tick leases that attempt (with the same plan id) instead of being refused.
    public func isAhead(planID: String) -> Bool {
        switch target(of: planID) {
        case .rollback(let index, let attempt): attempt > rollbackTasks[index].attempt
        case .task(let index, let attempt): attempt > tasks[index].attempt
        case nil: false
        }
    }

    /// Applies an agent's report to the task whose current plan id is `planID` (rollout or rollback
    /// task). A report for an earlier attempt of the host is refused (fencing).
    public mutating func report(planID: String, outcome: HostTask.Outcome, reason: String?) throws -> [RolloutEffect] {
        switch target(of: planID) {
        case .rollback(let index, let attempt):
            try rollbackTasks[index].report(attempt: attempt, outcome: outcome, reason: reason)
            return [
                .rollbackFinished(
                    hostID: rollbackTasks[index].hostID,
                    succeeded: rollbackTasks[index].state == .succeeded
                )
            ]
        case .task(let index, let attempt):
            try tasks[index].report(attempt: attempt, outcome: outcome, reason: reason)
            return [.taskFinished(hostID: tasks[index].hostID, wave: tasks[index].wave, state: tasks[index].state)]
        case nil:
            throw RolloutEngineError(.invalid, field: "planID", "'\(planID)' belongs to no task of \(id)")
        }
    }

    /// The task a plan id names (`<rollout>-<host>-a<attempt>` or `<rollout>-<host>-rollback-a<attempt>`)
    /// and the attempt it carries (-1 when unreadable).
    private enum PlanTarget {
        case rollback(index: Int, attempt: Int)
        case task(index: Int, attempt: Int)
    }

    private func target(of planID: String) -> PlanTarget? {
        let attempt = Int(planID.split(separator: "-").last.map { $0.dropFirst() } ?? "") ?? -1
        if let index = rollbackTasks.firstIndex(where: { planID.hasPrefix("\(id)-\($0.hostID)-rollback-a") }) {
            return .rollback(index: index, attempt: attempt)
        }
        let prefix = "\(id)-"
        guard planID.hasPrefix(prefix), let marker = planID.range(of: "-a", options: .backwards),
            let index = taskIndex[
                String(planID[planID.index(planID.startIndex, offsetBy: prefix.count)..<marker.lowerBound])
            ]
        else { return nil }
        return .task(index: index, attempt: attempt)
    }
}

/// Something a tick or a command did, for the server to carry out (queue a plan) and record (an
/// event, a webhook).
public enum RolloutEffect: Sendable, Hashable, Codable {
    /// The rollout's state changed.
    case stateChanged(RolloutState, reason: String?)
    /// A wave started.
    case waveStarted(Int)
    /// A wave's tasks finished; its verdict waits for the bake period.
    case waveBaking(Int, until: Date)
    /// A wave got its verdict.
    case waveVerdict(Int, WaveVerdict)
    /// Queue the change's plan for a host (attempt number and plan id as fencing token).
    case leaseTask(hostID: String, attempt: Int, planID: String)
    /// A host task finished.
    case taskFinished(hostID: String, wave: Int, state: HostTask.State)
    /// Queue a rollback plan for a host.
    case rollBackHost(hostID: String, attempt: Int, planID: String)
    /// A host's rollback finished.
    case rollbackFinished(hostID: String, succeeded: Bool)
}
