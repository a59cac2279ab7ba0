import AgentProtocol
import ChangeControl
import Foundation
import HTTPTypes
import Logging
import PatchPolicy
import PatchStore
import RolloutEngine
import ServiceLifecycle

/// How a change is rolled out, as given to `POST /api/v1/rollouts`.
public struct RolloutOptions: Codable, Sendable, Hashable {
    /// Canary size per environment (`1`, `5%`).
    public var canary: Budget?
    /// Most hosts per wave (`25%`).
    public var maxConcurrency: Budget?
    /// Failed hosts tolerated per wave (`0`, `10%`).
    public var errorBudget: Budget?
    /// Service order inside a tier.
    public var serviceOrder: RolloutRequest.ServiceOrder?
    /// Disruption budget per service (default 1 host).
    public var disruptionBudgets: [String: Budget]?
    /// Wait between environments.
    public var bakeTimeSeconds: Int?
    /// Wait after each wave before its verdict (metric gates look at this period).
    public var waveBakeSeconds: Int?
    /// How long one host's task may take (it must fit in the window before the cutoff).
    public var taskMinutes: Int?
    /// How long an agent has to report before its task counts as failed.
    public var leaseSeconds: Int?
    /// A person approves each environment after the first.
    public var approveEachEnvironment: Bool?
    /// Reboot policy of the plans.
    public var reboot: RebootPolicy?
    /// Checks of the plans.
    public var preChecks: [PlanCheck]?
    /// Post-checks of the plans (the exact installed versions are always checked).
    public var postChecks: [PlanCheck]?
    /// Metric gates judged against a Prometheus server at the end of each wave's bake period.
    public var metricGates: [MetricGateSpec]?

    /// Creates options (all defaults).
    public init() {}
}

/// A metric gate as JSON.
public struct MetricGateSpec: Codable, Sendable, Hashable {
    /// Name.
    public var name: String
    /// PromQL with `{{hosts}}` (a regex of the hosts' names, for an `instance=~"…"`-style matcher).
    public var query: String
    /// `increase`, `decrease` or `either`.
    public var direction: MetricGate.Direction
    /// Tolerated shift as a fraction of the baseline median (`relativeTolerance`) or in the metric's
    /// unit (`absoluteTolerance`).
    public var relativeTolerance: Double?
    /// See `relativeTolerance`.
    public var absoluteTolerance: Double?
    /// A failure alone fails the wave.
    public var critical: Bool?
    /// Fewest samples per side.
    public var minimumSamples: Int?

    func gate() throws -> MetricGate {
        try MetricGate(
            name: name,
            query: query,
            direction: direction,
            tolerance: absoluteTolerance.map(MetricGate.Tolerance.absolute) ?? .relative(relativeTolerance ?? 0.1),
            critical: critical ?? false,
            minimumSamples: minimumSamples ?? 10
        )
    }
}

/// The stored rollout plus what the server adds for its API: options are kept beside it.
struct StoredRolloutOptions: Codable, Sendable {
    var options: RolloutOptions
}

/// Plans rollouts of approved changes, starts them, runs the scheduler tick (leases host tasks by
/// queueing signed plans, applies agent reports with attempt fencing, judges waves, rolls back),
/// and carries out people's commands.
public struct RolloutOrchestrator: Sendable {
    let storage: any PatchStorage
    let clock: any WallClock
    let changes: ChangeService
    let plans: PlanQueue
    let prometheus: PrometheusClient?
    let notifier: WebhookNotifier
    let logger: Logger

    /// The planner's input for a change.
    func request(for change: ChangeRequest, options: RolloutOptions, now: Date) async throws -> RolloutRequest {
        let policy = try await changes.policy()
        let document = policy?.document ?? PolicyDocument()
        let resolution = try await changes.resolve(change.content, now: now)
        var hosts: [RolloutHost] = []
        var zones: Set<String> = []
        for host in resolution.hosts {
            let zone = host.timeZone.flatMap { TimeZone(identifier: $0)?.identifier } ?? "UTC"
            zones.insert(zone)
            hosts.append(
                RolloutHost(
                    id: host.id,
                    hostname: host.hostname,
                    environment: host.environment,
                    tier: host.tier,
                    services: host.services,
                    osRelease: host.osRelease,
                    scheduleKey: change.content.windows.isEmpty ? nil : zone
                )
            )
        }
        // One schedule per time zone: the change's windows, and every freeze.
        var schedules: [String: MaintenanceSchedule] = [:]
        let events = (policy?.calendars ?? []).flatMap { $0.calendar.events.map(MaintenanceWindow.init(event:)) }
        let windows = events.filter { !$0.isFreeze && change.content.windows.contains($0.name) }
        if !windows.isEmpty {
            for zone in zones {
                schedules[zone] = MaintenanceSchedule(
                    windows: windows,
                    freezes: events.filter(\.isFreeze),
                    hostTimeZone: TimeZone(identifier: zone) ?? TimeZone(identifier: "UTC")!
                )
            }
        }
        let services = document.services.services.values.sorted { $0.name < $1.name }.map { service in
            RolloutOrchestrator.service(service, budget: options.disruptionBudgets?[service.name])
        }
        return RolloutRequest(
            changeID: change.id,
            environments: document.environments.sorted { ($0.order, $0.name) < ($1.order, $1.name) }.map(\.name),
            hosts: hosts,
            services: services,
            canary: options.canary ?? .count(1),
            maxConcurrency: options.maxConcurrency ?? .percent(25),
            serviceOrder: options.serviceOrder ?? .dependenciesFirst,
            bakeTime: TimeInterval(options.bakeTimeSeconds ?? 0),
            taskDuration: TimeInterval((options.taskMinutes ?? 30) * 60),
            schedules: schedules,
            ignoreWindows: change.kind == .emergency && change.outsideWindowReason != nil,
            notBefore: now
        )
    }

    static func service(_ service: FleetService, budget: Budget?) -> RolloutEngine.RolloutService {
        RolloutEngine.RolloutService(
            name: service.name,
            dependsOn: service.dependsOn,
            disruptionBudget: budget ?? .count(1)
        )
    }

    /// The plan of a change's rollout, without starting it.
    func plan(changeID: String, options: RolloutOptions) async throws -> RolloutPlan {
        guard let change = try await storage.change(id: changeID) else {
            throw Problem.notFound("no change request '\(changeID)'")
        }
        do {
            return try RolloutPlanner.plan(try await request(for: change, options: options, now: clock.now()))
        } catch let error as RolloutEngineError {
            throw Problem.badRequest(error.description)
        }
    }

    /// Plans and starts a rollout of an approved or scheduled change; the change goes in progress.
    func start(changeID: String, options: RolloutOptions, identity: Identity) async throws -> Rollout {
        let now = clock.now()
        guard let change = try await storage.change(id: changeID) else {
            throw Problem.notFound("no change request '\(changeID)'")
        }
        guard [.approved, .scheduled].contains(change.state) else {
            throw Problem.conflict(
                "\(changeID) is \(change.state.rawValue); only an approved or scheduled change can be rolled out"
            )
        }
        for gate in options.metricGates ?? [] {
            do { _ = try gate.gate() } catch let error as RolloutEngineError {
                throw Problem.badRequest(error.description)
            }
        }
        if !(options.metricGates ?? []).isEmpty, prometheus == nil {
            throw Problem.badRequest("field 'metricGates' needs a Prometheus server (serve --prometheus-url)")
        }
        let plan: RolloutPlan
        do {
            plan = try RolloutPlanner.plan(try await request(for: change, options: options, now: now))
        } catch let error as RolloutEngineError {
            throw Problem.badRequest(error.description)
        }
        guard !plan.waves.isEmpty else {
            throw Problem.conflict(
                "no host of \(changeID) can be scheduled: \(plan.unschedulable.prefix(5).map { "\($0.hostname): \($0.reason)" }.joined(separator: "; "))"
            )
        }
        var rollout = Rollout(
            id: "RO-" + BearerSecret.randomToken(bytes: 6),
            plan: plan,
            settings: Rollout.Settings(
                errorBudget: options.errorBudget ?? .count(0),
                leaseDuration: TimeInterval(options.leaseSeconds ?? 3600),
                waveBakeTime: TimeInterval(options.waveBakeSeconds ?? 0),
                approveEachEnvironment: options.approveEachEnvironment ?? false,
                metricGates: !(options.metricGates ?? []).isEmpty
            )
        )
        rollout.options = options
        _ = try rollout.apply(.start)
        try await storage.createRollout(
            rollout,
            events: [
                EventRecord(
                    at: now,
                    actor: identity.actor,
                    action: "rollout.started",
                    target: "rollout:\(rollout.id)",
                    details: try JSONResponse.text([
                        "change": changeID, "waves": String(plan.waves.count),
                        "hosts": String(plan.waves.reduce(0) { $0 + $1.hosts.count }),
                        "unschedulable": String(plan.unschedulable.count),
                    ])
                )
            ],
            now: now
        )
        let rolloutID = rollout.id
        _ = try await storage.updateChange(id: changeID, actor: identity.actor, action: "rollout_started") { change in
            if change.state == .approved {
                try change.schedule(start: now, fitsWindow: true, outsideWindowReason: nil, now: now)
            }
            try change.advance(.start, now: now)
            return ["rollout": rolloutID]
        }
        await notifier.notify(
            rollout: rollout,
            event: "started",
            message: "rollout \(rollout.id) of \(changeID) started: \(plan.waves.count) waves"
        )
        try await tick(rolloutID: rollout.id)
        return try await storage.rollout(id: rollout.id) ?? rollout
    }

    /// Pause, resume, abort or approve the next environment.
    func command(
        _ command: RolloutCommand,
        rolloutID: String,
        reason: String?,
        identity: Identity
    ) async throws -> Rollout {
        let now = clock.now()
        let updated: Rollout
        do {
            updated = try await storage.updateRollout(id: rolloutID) { rollout in
                let before = rollout.state
                let effects = try rollout.apply(command, reason: reason)
                return [
                    EventRecord(
                        at: now,
                        actor: identity.actor,
                        action: "rollout.\(command.rawValue)",
                        target: "rollout:\(rolloutID)",
                        details: try JSONResponse.text([
                            "before": before.rawValue, "after": rollout.state.rawValue, "reason": reason ?? "",
                        ])
                    )
                ]
                    + (try Self.events(
                        effects.filter { if case .stateChanged = $0 { false } else { true } },
                        rollout: rollout,
                        now: now
                    ))
            }
        } catch let error as RolloutEngineError {
            throw Problem(.conflict, error.description)
        } catch let error as StoreError where error.code == .notFound {
            throw Problem.notFound(error.message)
        }
        if command == .pause || command == .abort {
            await notifier.notify(
                rollout: updated,
                event: command.rawValue,
                message:
                    "rollout \(rolloutID) \(updated.state.rawValue) by \(identity.username)\(reason.map { ": \($0)" } ?? "")"
            )
        }
        if command == .abort { try await finishChange(updated) }
        if updated.state == .running { try await tick(rolloutID: rolloutID) }
        return try await storage.rollout(id: rolloutID) ?? updated
    }

    /// Runs one scheduler tick over every active rollout.
    public func tickAll() async {
        do {
            for rollout in try await storage.rollouts(activeOnly: true, limit: 1000)
            where rollout.state == .running || rollout.state == .rollingBack {
                do {
                    try await tick(rolloutID: rollout.id)
                } catch {
                    logger.error(
                        "rollout tick failed",
                        metadata: ["pp.rollout": .string(rollout.id), "pp.error": .string("\(error)")]
                    )
                }
            }
        } catch {
            logger.error("cannot list rollouts", metadata: ["pp.error": .string("\(error)")])
        }
    }

    /// One tick of one rollout: apply the reports that arrived, move on, queue plans, record events.
    func tick(rolloutID: String, attempt: Int = 1) async throws {
        guard let original = try await storage.rollout(id: rolloutID) else { return }
        var snapshot = original
        let now = clock.now()
        // Reports of the current attempts (those that arrived while the server was down, too).
        let leased = (snapshot.tasks + snapshot.rollbackTasks).filter { $0.state == .leased }.compactMap(\.planID)
        let reports = try await storage.planReports(planIDs: leased)
        // Metric gates for a wave whose bake period ended.
        var gateVerdict: WaveVerdict?
        if snapshot.settings.metricGates, snapshot.waves.indices.contains(snapshot.currentWave),
            snapshot.waves[snapshot.currentWave].state == .baking,
            let until = snapshot.waves[snapshot.currentWave].bakeUntil, now >= until
        {
            gateVerdict = await metricVerdict(snapshot, wave: snapshot.currentWave, now: now)
        }
        let request = try await windowChecker(for: snapshot, now: now)
        // Compute the tick on a copy first: the plans it leases are queued before the new state is
        // stored, so a crash in between re-leases the same attempt (same plan id, queued once).
        var effects: [RolloutEffect] = []
        for (planID, report) in reports {
            effects +=
                (try? snapshot.report(
                    planID: planID,
                    outcome: Self.outcome(report.outcome),
                    reason: Self.reason(report.report)
                )) ?? []
        }
        effects += snapshot.tick(now: now, windowOpen: request, metrics: { _ in gateVerdict })
        guard !effects.isEmpty else { return }
        // A host whose earlier versions were never recorded cannot be rolled back by a plan: its
        // rollback fails at once instead of waiting for a lease to run out.
        for planID in try await carryOut(effects, rollout: snapshot) {
            effects +=
                (try? snapshot.report(
                    planID: planID,
                    outcome: .rollbackFailed,
                    reason: "no versions recorded before the change; roll back by hand"
                )) ?? []
            effects += snapshot.tick(now: now, windowOpen: request, metrics: { _ in gateVerdict })
        }
        let next = snapshot
        let done = effects
        let stored: Rollout
        do {
            stored = try await storage.updateRollout(id: rolloutID) { rollout in
                // Optimistic: someone else (a report, a command) changed it meanwhile → tick again.
                guard rollout == original else {
                    throw StoreError(code: .conflict, message: "rollout changed during the tick")
                }
                rollout = next
                return try Self.events(done, rollout: next, now: now)
            }
        } catch let error as StoreError where error.code == .conflict && attempt < 3 {
            return try await tick(rolloutID: rolloutID, attempt: attempt + 1)
        }
        for effect in effects {
            switch effect {
            case .waveVerdict(let index, let verdict):
                await notifier.notify(
                    rollout: stored,
                    event: "wave-verdict",
                    message:
                        "\(stored.plan.waves[index].name): \(verdict.outcome.rawValue) — \(verdict.reasons.joined(separator: "; "))"
                )
            case .stateChanged(let state, let reason):
                await notifier.notify(
                    rollout: stored,
                    event: state.rawValue,
                    message: "rollout \(stored.id) is \(state.rawValue)\(reason.map { ": \($0)" } ?? "")"
                )
            default: break
            }
        }
        if stored.state.isFinished { try await finishChange(stored) }
    }

    /// An agent report arrived: apply it to its rollout at once (a stale attempt is refused and recorded).
    func agentReported(_ report: PlanReport) async {
        guard report.planID.hasPrefix("RO-"), let outcome = Self.outcome(report.outcome.rawValue) as HostTask.Outcome?,
            report.outcome != .inProgress
        else { return }
        let rolloutID = report.planID.split(separator: "-").prefix(2).joined(separator: "-")
        let now = clock.now()
        do {
            _ = try await storage.updateRollout(id: rolloutID) { rollout in
                do {
                    let effects = try rollout.report(
                        planID: report.planID,
                        outcome: outcome,
                        reason: Self.reason(report)
                    )
                    return try Self.events(effects, rollout: rollout, now: now)
                } catch let error as RolloutEngineError {
                    return [
                        EventRecord(
                            at: now,
                            actor: "system",
                            action: "rollout.report_refused",
                            target: "rollout:\(rolloutID)",
                            details: try JSONResponse.text(["plan": report.planID, "reason": error.message])
                        )
                    ]
                }
            }
            try await tick(rolloutID: rolloutID)
        } catch {
            logger.warning(
                "cannot apply a plan report",
                metadata: ["pp.plan": .string(report.planID), "pp.error": .string("\(error)")]
            )
        }
    }

    static func outcome(_ text: String) -> HostTask.Outcome {
        HostTask.Outcome(rawValue: text) ?? .rollbackFailed
    }

    static func reason(_ report: PlanReport) -> String? {
        report.steps.last { $0.outcome == .failed }.map { "\($0.step): \($0.message)" }
    }

    static func reason(_ text: String) -> String? {
        (try? JSONDecoder().decode(PlanReport.self, from: Data(text.utf8))).flatMap(reason)
    }

    /// Which hosts may start now: inside a window of their schedule, with room for the task.
    func windowChecker(for rollout: Rollout, now: Date) async throws -> (String) -> Bool {
        guard let change = try await storage.change(id: rollout.changeID) else { return { _ in false } }
        let options = rollout.options ?? RolloutOptions()
        let request = try await self.request(for: change, options: options, now: now)
        if request.ignoreWindows { return { _ in true } }
        var open: [String: Bool] = [:]
        for (key, schedule) in request.schedules {
            let fit = try schedule.nextFit(after: now, duration: request.taskDuration)
            open[key] = fit.map { $0.changeStart <= now } ?? false
        }
        let keys = Dictionary(request.hosts.map { ($0.id, $0.scheduleKey) }, uniquingKeysWith: { first, _ in first })
        return { host in keys[host].flatMap { $0 }.flatMap { open[$0] } ?? false }
    }

    /// Queues the plans the effects ask for (idempotently, by plan id); returns the rollback plan
    /// ids that could not be queued because no earlier versions are known.
    func carryOut(_ effects: [RolloutEffect], rollout: Rollout) async throws -> [String] {
        guard let change = try await storage.change(id: rollout.changeID) else { return [] }
        var impossible: [String] = []
        let options = rollout.options ?? RolloutOptions()
        for effect in effects {
            switch effect {
            case .leaseTask(let hostID, _, let planID):
                var draft = PlanDraft(
                    packages: try await packages(for: change, hostID: hostID),
                    reboot: options.reboot ?? .ifRequired,
                    validForSeconds: max(60, Int(rollout.settings.leaseDuration))
                )
                draft.preChecks = options.preChecks
                draft.postChecks = [.installedVersionsMatchPlan] + (options.postChecks ?? [])
                _ = try await plans.queue(hostID: hostID, draft: draft, actor: "rollout:\(rollout.id)", planID: planID)
            case .rollBackHost(let hostID, _, let planID):
                let before = try await versionsBefore(rollout: rollout, hostID: hostID)
                guard !before.isEmpty else {
                    impossible.append(planID)
                    continue
                }
                var draft = PlanDraft(
                    packages: before.sorted { $0.key < $1.key }.map {
                        PlanPackage(name: $0.key, version: $0.value, action: .downgrade)
                    },
                    reboot: options.reboot ?? .ifRequired,
                    validForSeconds: max(60, Int(rollout.settings.leaseDuration))
                )
                draft.postChecks = [.installedVersionsMatchPlan]
                draft.rollback = RollbackRecipe(automatic: false)
                _ = try await plans.queue(hostID: hostID, draft: draft, actor: "rollout:\(rollout.id)", planID: planID)
            default: break
            }
        }
        return impossible
    }

    /// The exact versions a host gets: the change's targets it has installed (or all its
    /// baseline-approved updates), as upgrades.
    func packages(for change: ChangeRequest, hostID: String) async throws -> [PlanPackage] {
        var result: [PlanPackage] = []
        let targets = Dictionary(
            change.content.packages.map { ($0.name, $0.version) },
            uniquingKeysWith: { first, _ in first }
        )
        if let host = try await storage.host(id: hostID) {
            let rows = try await changes.updates.updates(for: host).updates
            for row in rows {
                if change.content.allApprovedByBaseline {
                    if row.decision == "approved" {
                        result.append(PlanPackage(name: row.package, version: row.fixedVersion, action: .upgrade))
                    }
                } else if let target = targets[row.package], target == nil {
                    result.append(PlanPackage(name: row.package, version: row.fixedVersion, action: .upgrade))
                }
            }
        }
        for (name, version) in targets {
            if let version, !result.contains(where: { $0.name == name }) {
                result.append(PlanPackage(name: name, version: version, action: .upgrade))
            }
        }
        return result.sorted { $0.name < $1.name }
    }

    /// The versions recorded before the host's task changed it (its plan report's `recordInstalled`).
    func versionsBefore(rollout: Rollout, hostID: String) async throws -> [String: String] {
        guard let planID = rollout.tasks.first(where: { $0.hostID == hostID })?.planID,
            let report = try await storage.planReports(planIDs: [planID])[planID],
            let decoded = try? JSONDecoder().decode(PlanReport.self, from: Data(report.report.utf8))
        else { return [:] }
        return decoded.steps.first { $0.step == "recordInstalled" }?.versionsBefore ?? [:]
    }

    /// Moves the change along when its rollout ends.
    func finishChange(_ rollout: Rollout) async throws {
        let action: ChangeAction
        switch rollout.state {
        case .completed: action = .complete
        case .rolledBack: action = .rollBack
        case .failed, .aborted: action = .fail
        default: return
        }
        let now = clock.now()
        do {
            _ = try await storage.updateChange(
                id: rollout.changeID,
                actor: "rollout:\(rollout.id)",
                action: action.rawValue
            ) { change in
                guard change.state == .inProgress || (action == .rollBack && change.state == .failed) else {
                    throw ChangeControlError(.illegalTransition, "already \(change.state.rawValue)")
                }
                try change.advance(action, now: now)
                return ["rollout": rollout.id, "reason": rollout.reason ?? ""]
            }
        } catch is ChangeControlError {
            // Already moved on (a second tick after the end).
        }
    }

    /// The metric gates' verdict for a wave: the wave's hosts against the environment's hosts not in
    /// it (the baseline), over the bake period.
    func metricVerdict(_ rollout: Rollout, wave index: Int, now: Date) async -> WaveVerdict {
        guard let prometheus, let specs = rollout.options?.metricGates, !specs.isEmpty else {
            return WaveVerdict(.pass, ["no metric gates"])
        }
        let wave = rollout.plan.waves[index]
        let canaryHosts = wave.hosts.compactMap { id in rollout.hostnames[id] }
        let baselineHosts = rollout.plan.waves.filter { $0.environment == wave.environment && $0.index != index }
            .flatMap(\.hosts).compactMap { rollout.hostnames[$0] }
        let start = rollout.waves[index].startedAt ?? now.addingTimeInterval(-rollout.settings.waveBakeTime)
        // About 20 points or more over the period, never finer than a second nor coarser than 15 s.
        let step = Duration.seconds(max(1, min(15, Int(now.timeIntervalSince(start) / 20))))
        var judgements: [MetricJudgement] = []
        for spec in specs {
            do {
                let gate = try spec.gate()
                func samples(_ hosts: [String]) async throws -> [Double] {
                    guard !hosts.isEmpty else { return [] }
                    return try await prometheus.rangeQuery(
                        query: try gate.query(hosts: hosts),
                        start: start,
                        end: now,
                        step: step
                    )
                    .flatMap { $0.values.map(\.value) }
                }
                judgements.append(
                    gate.judge(baseline: try await samples(baselineHosts), canary: try await samples(canaryHosts))
                )
            } catch {
                return WaveVerdict(.inconclusive, ["metric \(spec.name): \(error)"])
            }
        }
        let result = MetricGateResult.combine(judgements)
        let outcome: WaveVerdict.Outcome =
            switch result.outcome {
            case .pass: .pass
            case .fail: .fail
            case .inconclusive: .inconclusive
            }
        return WaveVerdict(outcome, [result.reason] + judgements.map(\.reason))
    }

    /// Events for effects.
    static func events(_ effects: [RolloutEffect], rollout: Rollout, now: Date) throws -> [EventRecord] {
        try effects.map { effect in
            let target = "rollout:\(rollout.id)"
            switch effect {
            case .stateChanged(let state, let reason):
                return EventRecord(
                    at: now,
                    actor: "system",
                    action: "rollout.state_changed",
                    target: target,
                    details: try JSONResponse.text(["after": state.rawValue, "reason": reason ?? ""])
                )
            case .waveStarted(let index):
                return EventRecord(
                    at: now,
                    actor: "system",
                    action: "rollout.wave_started",
                    target: target,
                    details: try JSONResponse.text([
                        "wave": rollout.plan.waves[index].name, "hosts": String(rollout.plan.waves[index].hosts.count),
                    ])
                )
            case .waveBaking(let index, let until):
                return EventRecord(
                    at: now,
                    actor: "system",
                    action: "rollout.wave_baking",
                    target: target,
                    details: try JSONResponse.text([
                        "wave": rollout.plan.waves[index].name, "until": ISO8601DateFormatter().string(from: until),
                    ])
                )
            case .waveVerdict(let index, let verdict):
                return EventRecord(
                    at: now,
                    actor: "system",
                    action: "rollout.wave_verdict",
                    target: target,
                    details: try JSONResponse.text([
                        "wave": rollout.plan.waves[index].name, "verdict": verdict.outcome.rawValue,
                        "reasons": verdict.reasons.joined(separator: "; "),
                    ])
                )
            case .leaseTask(let host, let attempt, let planID):
                return EventRecord(
                    at: now,
                    actor: "system",
                    action: "rollout.task_leased",
                    target: target,
                    details: try JSONResponse.text(["host": host, "attempt": String(attempt), "plan": planID])
                )
            case .taskFinished(let host, let wave, let state):
                return EventRecord(
                    at: now,
                    actor: "system",
                    action: "rollout.task_finished",
                    target: target,
                    details: try JSONResponse.text(["host": host, "wave": String(wave), "state": state.rawValue])
                )
            case .rollBackHost(let host, let attempt, let planID):
                return EventRecord(
                    at: now,
                    actor: "system",
                    action: "rollout.rollback_host",
                    target: target,
                    details: try JSONResponse.text(["host": host, "attempt": String(attempt), "plan": planID])
                )
            case .rollbackFinished(let host, let succeeded):
                return EventRecord(
                    at: now,
                    actor: "system",
                    action: "rollout.rollback_finished",
                    target: target,
                    details: try JSONResponse.text(["host": host, "succeeded": String(succeeded)])
                )
            }
        }
    }
}

/// Runs the rollout scheduler tick periodically.
struct RolloutScheduler: ServiceLifecycle.Service {
    let rollouts: RolloutOrchestrator
    let interval: Duration

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            await rollouts.tickAll()
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }
}
