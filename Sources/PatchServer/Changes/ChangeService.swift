import ChangeControl
import FleetModel
import Foundation
import PatchPolicy
import PatchStore
import RolloutEngine
import SecurityAdvisories

/// Resolves what a change request touches from the policy in force and the fleet — hosts,
/// environments, groups, tiers, services, the severity it addresses, whether the baselines approve
/// it, the compliance holds over it — and checks start times against its maintenance windows.
struct ChangeService: Sendable {
    let storage: any PatchStorage
    let clock: any WallClock
    let updates: UpdatesController
    let approvalPolicy: ApprovalPolicy

    /// One host in a change's scope.
    struct ScopedHost: Sendable {
        var id: String
        var hostname: String
        var environment: String
        var groups: Set<String>
        var tier: Int? = nil
        var services: [String] = []
        var osRelease: String = ""
        var timeZone: String? = nil
    }

    /// What a change touches.
    struct Resolution: Sendable {
        var impact: ChangeImpact
        var hosts: [ScopedHost]
        var holds: [String]
    }

    func policy() async throws -> LoadedPolicy? {
        try await storage.currentPolicy().map { try LoadedPolicy.load($0.files) }
    }

    /// Every host named by the content (directly, by group or by environment), with its placement.
    func resolve(_ content: ChangeContent, now: Date) async throws -> Resolution {
        let document = try await policy()?.document ?? PolicyDocument()
        let shared = try await updates.context()
        let knownGroups = Dictionary(document.groups.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        var query = HostQuery()
        query.limit = 1000
        var scoped: [ScopedHost] = []
        var tiers: [Int] = []
        var services: Set<String> = []
        var severities: [Severity] = []
        var knownExploited = false
        var baselineApproved = true
        var holds: Set<String> = []
        let packageNames = Set(content.packages.map(\.name))
        let addresses = Set(content.addresses)
        // What placing a host reads of its inventory: the packages the policy's groups test.
        let tested = document.groups.reduce(into: Set<String>()) { $0.formUnion($1.query.referencedPackages) }
        let placementPackages = try await storage.installedPackageNames(tested)
        // The open fixable findings that can concern a change of named packages or advisories, read
        // for the whole fleet at once (per package finding, not per host); a change of everything
        // the baselines approved reads each host's own.
        var concerning: [String: [Finding]] = [:]
        if !content.allApprovedByBaseline {
            let byNumber = try await storage.reduceOpenFindingGroups(into: [Int64: [Finding]]()) { state, group in
                let finding = group.finding
                guard finding.fixedVersion != nil,
                    packageNames.contains(finding.package) || addresses.contains(finding.advisory)
                else { return }
                for host in group.hosts { state[host, default: []].append(finding) }
            }
            if !byNumber.isEmpty {
                for host in try await storage.fleetHosts(decode: { _, _ in false }) {
                    if let findings = byNumber[host.number] { concerning[host.id] = findings }
                }
            }
        }
        while true {
            let page = try await storage.hosts(query)
            // A host flagged as a duplicate machine id is nobody's target until an operator sorts it out.
            for host in page.hosts where host.duplicateOf == nil {
                let description = HostDescription(
                    id: host.id,
                    facts: host.facts,
                    labels: host.labels,
                    tags: Set(host.tags),
                    packages: placementPackages[host.id] ?? []
                )
                let placement = document.placement(of: description)
                let environment = placement.environment?.name ?? "unassigned"
                let named =
                    content.hosts.contains(host.id) || content.hosts.contains(host.facts.hostname)
                    || !placement.groups.isDisjoint(with: content.groups)
                    || content.environments.contains(environment)
                guard named else { continue }
                let hostServices = document.services.services.values
                    .filter { $0.contains(description, groups: knownGroups) }
                    .map(\.name).sorted()
                scoped.append(
                    ScopedHost(
                        id: host.id,
                        hostname: host.facts.hostname,
                        environment: environment,
                        groups: placement.groups,
                        tier: placement.tier?.rank,
                        services: hostServices,
                        osRelease: "\(host.facts.os.id) \(host.facts.os.versionID)",
                        timeZone: host.facts.timeZone
                    )
                )
                if let tier = placement.tier { tiers.append(tier.rank) }
                services.formUnion(hostServices)
                let rows: [UpdatesController.Row]
                if content.allApprovedByBaseline {
                    rows = try await updates.updates(for: host, context: shared).updates.filter {
                        $0.decision == "approved"
                    }
                } else if let findings = concerning[host.id] {
                    rows = try await updates.answer(
                        for: host,
                        packageNames: description.packages,
                        findings: findings,
                        context: shared,
                        now: now
                    ).updates
                } else {
                    rows = []
                }
                if !content.allApprovedByBaseline {
                    let concerned = rows.filter { packageNames.contains($0.package) }
                    if concerned.isEmpty || concerned.contains(where: { $0.decision != "approved" }) {
                        baselineApproved = false
                    }
                }
                for row in rows {
                    severities.append(Severity(rawValue: row.severity) ?? .unknown)
                    knownExploited = knownExploited || row.knownExploited
                }
                let touched = content.allApprovedByBaseline ? Array(Set(rows.map(\.package))) : Array(packageNames)
                for hold in document.register.holds(
                    hostID: host.id,
                    groups: placement.groups,
                    packages: touched,
                    advisories: Array(addresses),
                    at: now
                ) {
                    holds.insert(
                        "\(hold.name) (\(hold.scope), until \(ISO8601DateFormatter().string(from: hold.ends))): \(hold.reason)"
                    )
                }
            }
            guard let next = page.next else { break }
            query.after = next
        }
        let byEnvironment = Dictionary(grouping: scoped, by: \.environment)
        let reaches = byEnvironment.keys.sorted().map { name -> ChangeImpact.EnvironmentReach in
            let members = byEnvironment[name] ?? []
            let common = members.dropFirst().reduce(members.first?.groups ?? []) { $0.intersection($1.groups) }
            return ChangeImpact.EnvironmentReach(environment: name, hosts: members.count, commonGroups: common.sorted())
        }
        let impact = ChangeImpact(
            environments: reaches,
            hostCount: scoped.count,
            mostCriticalTier: tiers.min(),
            services: services.sorted(),
            highestSeverity: (severities.max() ?? .unknown).rawValue,
            addressesKnownExploited: knownExploited,
            baselineApproved: !scoped.isEmpty && baselineApproved
        )
        return Resolution(impact: impact, hosts: scoped, holds: holds.sorted())
    }

    /// The environments among the change's where `identity` may approve.
    func approvableEnvironments(_ change: ChangeRequest, identity: Identity) -> [String] {
        (change.impact?.environments ?? []).filter { reach in
            identity.authorization.allows(
                .changesApprove,
                environment: reach.environment,
                groups: Set(reach.commonGroups)
            )
        }
        .map(\.environment)
    }

    /// Whether `identity` may request or run a change over every environment it reaches.
    func covers(_ change: ChangeRequest, permission: Permission, identity: Identity) -> Bool {
        (change.impact?.environments ?? []).allSatisfy { reach in
            identity.authorization.allows(permission, environment: reach.environment, groups: Set(reach.commonGroups))
        }
    }

    /// Whether `start` lies in an occurrence of one of the named windows (freezes win), read in UTC
    /// for floating times.
    func fitsWindow(_ start: Date, windows names: [String]) async throws -> Bool {
        guard !names.isEmpty, let policy = try await policy() else { return false }
        let all = policy.calendars.flatMap { $0.calendar.events.map(MaintenanceWindow.init(event:)) }
        let windows = all.filter { !$0.isFreeze && names.contains($0.name) }
        guard !windows.isEmpty else { return false }
        let schedule = MaintenanceSchedule(
            windows: windows,
            freezes: all.filter(\.isFreeze),
            hostTimeZone: TimeZone(identifier: "UTC")!
        )
        guard let fit = try schedule.nextFit(after: start, duration: 0) else { return false }
        return fit.changeStart == start
    }
}

extension ChangeService {
    /// One window occurrence of the CAB calendar with the changes planned in it.
    struct CalendarSlot: Encodable, Sendable {
        struct Entry: Encodable, Sendable {
            var id: String
            var title: String
            var state: String
            var kind: String
            var risk: String?
            var plannedStart: Date?
        }
        var window: String
        var calendar: String
        var start: Date
        var end: Date
        var changes: [Entry]
    }

    /// Window occurrences of the next `days` days (UTC for floating times), each with the changes
    /// scheduled into it and the approved changes not yet scheduled whose first eligible occurrence it
    /// is; emergency changes scheduled outside every window are listed apart.
    func calendar(days: Int, now: Date) async throws -> (slots: [CalendarSlot], outside: [CalendarSlot.Entry]) {
        let horizon = now.addingTimeInterval(TimeInterval(days) * 86400)
        var slots: [CalendarSlot] = []
        if let policy = try await policy() {
            let zone = TimeZone(identifier: "UTC")!
            let freezes = policy.calendars.flatMap { $0.calendar.events.map(MaintenanceWindow.init(event:)) }
                .filter(\.isFreeze)
            for (name, calendar) in policy.calendars {
                for event in calendar.events {
                    let window = MaintenanceWindow(event: event)
                    guard !window.isFreeze else { continue }
                    let schedule = MaintenanceSchedule(windows: [window], freezes: freezes, hostTimeZone: zone)
                    for slot in try schedule.nextOccurrences(after: now, count: 64) where slot.start < horizon {
                        slots.append(
                            CalendarSlot(
                                window: window.name,
                                calendar: name,
                                start: slot.start,
                                end: slot.end,
                                changes: []
                            )
                        )
                    }
                }
            }
        }
        slots.sort { ($0.start, $0.window) < ($1.start, $1.window) }
        let active = try await storage.changes(states: [.approved, .scheduled, .inProgress], limit: 1000, offset: 0)
        var outside: [CalendarSlot.Entry] = []
        for change in active.changes {
            let entry = CalendarSlot.Entry(
                id: change.id,
                title: change.title,
                state: change.state.rawValue,
                kind: change.kind.rawValue,
                risk: change.risk?.level.rawValue,
                plannedStart: change.plannedStart
            )
            let index: Int?
            if let start = change.plannedStart {
                index = slots.firstIndex {
                    $0.start <= start && start < $0.end && change.content.windows.contains($0.window)
                }
                if index == nil && start >= now && start < horizon { outside.append(entry) }
            } else {
                index = slots.firstIndex { change.content.windows.contains($0.window) }
            }
            if let index { slots[index].changes.append(entry) }
        }
        return (slots, outside)
    }
}

extension ChangeService {
    /// Whether a change's content may reach a host placed at `places` (named directly, by one of its
    /// groups or by its environment).
    func mayReach(_ content: ChangeContent, host: HostRecord, places: [HostScopes.Place]) -> Bool {
        if content.hosts.contains(host.id) || content.hosts.contains(host.facts.hostname) { return true }
        return places.contains { place in
            !place.groups.isDisjoint(with: content.groups) || content.environments.contains(place.environment)
        }
    }

    /// A host moved to another environment or group set: approvals of open changes that may reach it
    /// were given for another set of hosts and stop counting (the change goes back to submitted with
    /// its impact resolved anew); rollouts already running such a change are paused, so no task runs
    /// on the strength of an approval that did not cover the host where it is now.
    func hostMoved(
        _ host: HostRecord,
        from before: HostScopes.Place,
        to after: HostScopes.Place,
        actor: String,
        rollouts: RolloutOrchestrator
    ) async throws {
        let now = clock.now()
        let reason = "host \(host.facts.hostname) moved from \(before) to \(after)"
        // Every open change, page by page.
        var open: [ChangeRequest] = []
        while true {
            let page = try await storage.changes(
                states: [.submitted, .approved, .scheduled, .inProgress],
                limit: 500,
                offset: open.count
            )
            open += page.changes
            if page.changes.isEmpty || open.count >= page.total { break }
        }
        for change in open where mayReach(change.content, host: host, places: [before, after]) {
            // Approvals stop counting (a no-op unless the change is submitted, approved or scheduled;
            // decided on the state read inside the transaction).
            if change.state != .inProgress {
                let impact = try await resolve(change.content, now: now).impact
                _ = try await storage.updateChange(id: change.id, actor: actor, action: "approvals_voided") { change in
                    let voided = change.voidApprovals(reason: reason, impact: impact, now: now)
                    return ["reason": reason, "voidedApprovals": voided.map(\.username).joined(separator: ",")]
                }
            }
            // Whatever the state was, a rollout running the change no longer runs on the host.
            for rollout in try await storage.rollouts(activeOnly: true, limit: 1000) where rollout.changeID == change.id
            {
                // Plans already queued for the host but not yet fetched are cancelled, so they are
                // never delivered; their tasks are withdrawn with the pending ones.
                let queued = rollout.tasks.filter { $0.hostID == host.id && $0.state == .leased }.compactMap(\.planID)
                let cancelled = Set(
                    try await storage.cancelUndeliveredPlans(queued, reason: reason, actor: actor, now: now)
                )
                _ = try await storage.updateRollout(id: rollout.id) { rollout in
                    let withdrawn = rollout.withdraw(host: host.id, reason: reason, cancelledPlans: cancelled)
                    guard withdrawn > 0 else { return [] }
                    return [
                        EventRecord(
                            at: now,
                            actor: actor,
                            action: "rollout.host_withdrawn",
                            target: "rollout:\(rollout.id)",
                            details: try JSONResponse.text([
                                "host": host.id, "tasks": String(withdrawn), "reason": reason,
                            ])
                        )
                    ]
                }
                // The rollout pauses so a person looks at it before anything else runs.
                if rollout.state == .running {
                    _ = try await rollouts.command(.pause, rolloutID: rollout.id, reason: reason, actor: actor)
                }
            }
        }
    }
}
