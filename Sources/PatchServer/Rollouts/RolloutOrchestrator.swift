import AgentProtocol
import ChangeControl
import Foundation
import HTTPTypes
import Logging
import PatchAPI
import PatchPolicy
import PatchStore
import RolloutEngine
import ServiceLifecycle

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
    /// Woken when a tick wrote webhook messages.
    let delivery: WebhookDelivery
    /// This replica, the holder of the rollout tick leases it claims.
    let replicaID: String
    /// How long a tick lease lasts: another replica takes a rollout over this long after its
    /// ticking replica died or stalled.
    let tickLease: TimeInterval
    let logger: Logger
    /// Wakes the scheduler before its next interval (a report arrived).
    let wakeups = Wakeups()

    /// The planner's input for a change, with the limits and the task estimate chosen for it:
    /// each limit from the request's options, else the policy (per environment or service), else
    /// the built-in default; the task duration from `taskMinutes`, else measured plan durations.
    func planningInput(for change: ChangeRequest, options: RolloutOptions, now: Date) async throws -> PlanningInput {
        let policy = try await changes.policy()
        let document = policy?.document ?? PolicyDocument()
        let resolution = try await changes.resolve(change.content, now: now)
        if [.approved, .scheduled].contains(change.state) {
            // The approval covers the environments the change reached when it was decided; a host
            // moved since (say, relabelled from prod into dev) is not covered by it.
            let approved = Dictionary(
                (change.impact?.environments ?? []).map { ($0.environment, Set($0.commonGroups)) },
                uniquingKeysWith: { first, _ in first }
            )
            if let moved = resolution.hosts.first(where: { approved[$0.environment] == nil }) {
                throw Problem.conflict(
                    "\(change.id) now reaches \(moved.hostname) in \(moved.environment), which its approval does not cover; edit and resubmit it"
                )
            }
            // Group-scoped approvers decided for the groups every host of an environment shared; a
            // host outside those groups now (say, a db host that joined the change's reach) is not
            // covered by their votes.
            for reach in resolution.impact.environments {
                let lost = (approved[reach.environment] ?? []).subtracting(reach.commonGroups)
                guard lost.isEmpty else {
                    throw Problem.conflict(
                        "\(change.id)'s hosts in \(reach.environment) no longer all belong to \(lost.sorted().joined(separator: ", ")), as when it was approved; edit and resubmit it"
                    )
                }
            }
        }
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
        let schedules = Self.schedules(for: change, calendars: policy?.calendars ?? [], zones: zones)
        let services = document.services.services.values.sorted { $0.name < $1.name }.map { service in
            RolloutOrchestrator.service(service, budget: options.disruptionBudgets?[service.name])
        }
        let limits = RolloutLimits(policy: document, options: options)
        let estimate = try await taskEstimate(options: options)
        let request = RolloutRequest(
            changeID: change.id,
            environments: document.environments.sorted { ($0.order, $0.name) < ($1.order, $1.name) }.map(\.name),
            hosts: hosts,
            services: services,
            canary: limits.canary,
            maxConcurrency: limits.maxConcurrency,
            canaryByEnvironment: limits.canaryByEnvironment,
            maxConcurrencyByEnvironment: limits.maxConcurrencyByEnvironment,
            serviceOrder: options.serviceOrder ?? .dependenciesFirst,
            bakeTime: TimeInterval(options.bakeTimeSeconds ?? 0),
            taskDuration: estimate.duration,
            schedules: schedules,
            ignoreWindows: Self.ignoresWindows(change),
            notBefore: now
        )
        return PlanningInput(request: request, limits: limits, taskEstimate: estimate)
    }

    /// An emergency change scheduled outside its windows with a reason runs at any time.
    static func ignoresWindows(_ change: ChangeRequest) -> Bool {
        change.kind == .emergency && change.outsideWindowReason != nil
    }

    /// One schedule per time zone (the key): the change's windows, and every freeze.
    static func schedules(
        for change: ChangeRequest,
        calendars: [(name: String, calendar: MaintenanceCalendar)],
        zones: Set<String>
    ) -> [String: MaintenanceSchedule] {
        let events = calendars.flatMap { $0.calendar.events.map(MaintenanceWindow.init(event:)) }
        let windows = events.filter { !$0.isFreeze && change.content.windows.contains($0.name) }
        guard !windows.isEmpty else { return [:] }
        var schedules: [String: MaintenanceSchedule] = [:]
        for zone in zones {
            schedules[zone] = MaintenanceSchedule(
                windows: windows,
                freezes: events.filter(\.isFreeze),
                hostTimeZone: TimeZone(identifier: zone) ?? TimeZone(identifier: "UTC")!
            )
        }
        return schedules
    }

    /// A service as the planner sees it; its disruption budget is the request's (`budget`), else
    /// the policy's, else one host.
    static func service(_ service: FleetService, budget: Budget?) -> RolloutEngine.RolloutService {
        RolloutEngine.RolloutService(
            name: service.name,
            dependsOn: service.dependsOn,
            disruptionBudget: budget ?? service.disruptionBudget.map(RolloutLimits.budget) ?? .count(1)
        )
    }

    /// The plan of a change's rollout, without starting it, and the task estimate it used.
    func plan(changeID: String, options: RolloutOptions) async throws -> (plan: RolloutPlan, taskEstimate: TaskEstimate)
    {
        guard let change = try await storage.change(id: changeID) else {
            throw Problem.notFound("no change request '\(changeID)'")
        }
        try options.validate()
        do {
            let input = try await planningInput(for: change, options: options, now: clock.now())
            return (try RolloutPlanner.plan(input.request), input.taskEstimate)
        } catch let error as RolloutEngineError {
            throw Problem.badRequest(error.description)
        }
    }

    /// Plans and starts a rollout of an approved or scheduled change; the change goes in progress.
    func start(
        changeID: String,
        options: RolloutOptions,
        identity: Identity,
        reviewedDigest: String? = nil
    ) async throws -> Rollout {
        let now = clock.now()
        guard let change = try await storage.change(id: changeID) else {
            throw Problem.notFound("no change request '\(changeID)'")
        }
        guard [.approved, .scheduled].contains(change.state) else {
            throw Problem.conflict(
                "\(changeID) is \(change.state.rawValue); only an approved or scheduled change can be rolled out"
            )
        }
        try options.validate()
        for gate in options.metricGates ?? [] {
            do { _ = try gate.gate() } catch let error as RolloutEngineError {
                throw Problem.badRequest(error.description)
            }
        }
        if !(options.metricGates ?? []).isEmpty, prometheus == nil {
            throw Problem.badRequest("field 'metricGates' needs a Prometheus server (serve --prometheus-url)")
        }
        let plan: RolloutPlan
        let limits: RolloutLimits
        do {
            let input = try await planningInput(for: change, options: options, now: now)
            limits = input.limits
            plan = try RolloutPlanner.plan(input.request)
        } catch let error as RolloutEngineError {
            throw Problem.badRequest(error.description)
        }
        if let reviewedDigest, ReviewedPlan.digest(of: plan) != reviewedDigest {
            throw Problem.conflict(
                "the fleet changed since plan \(reviewedDigest.prefix(12))… was reviewed (it is now \(ReviewedPlan.digest(of: plan).prefix(12))…): review the plan again"
            )
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
                errorBudget: limits.errorBudget,
                errorBudgets: limits.errorBudgetByEnvironment,
                leaseDuration: TimeInterval(options.leaseSeconds ?? 3600),
                waveBakeTime: TimeInterval(options.waveBakeSeconds ?? 0),
                approveEachEnvironment: options.approveEachEnvironment ?? false,
                metricGates: !(options.metricGates ?? []).isEmpty
            )
        )
        rollout.options = options
        _ = try rollout.apply(.start)
        // The change goes in progress first, atomically from approved or scheduled: if its approvals
        // were voided meanwhile (a host moved), this refuses before any rollout exists.
        let rolloutID = rollout.id
        _ = try await storage.updateChange(id: changeID, actor: identity.actor, action: "rollout_started") { change in
            if change.state == .approved {
                try change.schedule(start: now, fitsWindow: true, outsideWindowReason: nil, now: now)
            }
            try change.advance(.start, now: now)
            return ["rollout": rolloutID]
        }
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
            outbox: notifier.messages(
                rollout: rollout,
                event: "started",
                message: "rollout \(rollout.id) of \(changeID) started: \(plan.waves.count) waves",
                at: now
            ),
            now: now
        )
        delivery.wake()
        try await tickNow(rolloutID: rollout.id)
        return try await storage.rollout(id: rollout.id) ?? rollout
    }

    /// Pause, resume, abort or approve the next environment. `authorize` sees the rollout as it is
    /// inside the transaction, so a caller's scope is checked against the wave that is really
    /// waiting, not one read a moment earlier; what it throws leaves the rollout unchanged.
    func command(
        _ command: RolloutCommand,
        rolloutID: String,
        reason: String?,
        actor: String,
        authorize: @escaping @Sendable (Rollout) throws -> Void = { _ in }
    ) async throws -> Rollout {
        let now = clock.now()
        let updated: Rollout
        do {
            // Pause and abort are announced (written with the change; nothing when it is refused).
            let announced: RolloutState? = command == .pause ? .paused : command == .abort ? .aborted : nil
            var outbox: [OutboxMessage] = []
            if let announced, let current = try await storage.rollout(id: rolloutID) {
                outbox = notifier.messages(
                    rollout: rolloutID,
                    change: current.changeID,
                    state: announced,
                    event: command.rawValue,
                    message: "rollout \(rolloutID) \(announced.rawValue) by \(actor)\(reason.map { ": \($0)" } ?? "")",
                    at: now
                )
            }
            updated = try await storage.updateRollout(
                id: rolloutID,
                applying: [],
                fence: nil,
                outbox: outbox
            ) { rollout in
                try authorize(rollout)
                let before = rollout.state
                let effects = try rollout.apply(command, reason: reason)
                return [
                    EventRecord(
                        at: now,
                        actor: actor,
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
        if command == .pause || command == .abort { delivery.wake() }
        if command == .pause, updated.state == .paused {
            // A paused rollout hands nothing out either: plans not fetched yet are withdrawn and
            // their tasks wait, pending, for the resume (which leases them again as new attempts).
            try await withdrawUndeliveredPlans(
                of: updated,
                reason: "rollout \(rolloutID) paused",
                action: "rollout.plans_withdrawn",
                actor: actor,
                now: now
            ) { rollout, withdrawn, _ in rollout.releaseWithdrawn(withdrawn) }
        }
        if command == .abort {
            // Plans queued for leased tasks but not fetched yet are cancelled: an aborted rollout
            // hands nothing more out.
            try await withdrawUndeliveredPlans(
                of: updated,
                reason: "rollout \(rolloutID) aborted",
                action: "rollout.plans_cancelled",
                actor: actor,
                now: now
            ) { rollout, cancelled, reason in rollout.skipCancelled(cancelled, reason: reason) }
            try await finishChange(updated)
        }
        if updated.state == .running { try await tickNow(rolloutID: rolloutID) }
        return try await storage.rollout(id: rolloutID) ?? updated
    }

    /// Cancels the plans of the rollout's leased tasks that no agent has fetched, then lets
    /// `apply` settle those tasks in the stored rollout, with an `action` event naming the plans.
    func withdrawUndeliveredPlans(
        of rollout: Rollout,
        reason: String,
        action: String,
        actor: String,
        now: Date,
        apply: @escaping @Sendable (inout Rollout, Set<String>, String) -> Void
    ) async throws {
        let queued = rollout.tasks.filter { $0.state == .leased }.compactMap(\.planID)
        let withdrawn = Set(try await storage.cancelUndeliveredPlans(queued, reason: reason, actor: actor, now: now))
        guard !withdrawn.isEmpty else { return }
        let rolloutID = rollout.id
        _ = try await storage.updateRollout(id: rolloutID) { stored in
            apply(&stored, withdrawn, reason)
            return [
                EventRecord(
                    at: now,
                    actor: actor,
                    action: action,
                    target: "rollout:\(rolloutID)",
                    details: try JSONResponse.text(["plans": withdrawn.sorted().joined(separator: ",")])
                )
            ]
        }
    }

    /// An agent report of a rollout plan was stored: wake the scheduler, whose next tick applies it
    /// (a stale attempt is refused and recorded there). The report request does not wait for it.
    func agentReported(_ report: PlanReport) {
        guard report.planID.hasPrefix("RO-"), report.outcome != .inProgress else { return }
        wakeups.wake()
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
}
