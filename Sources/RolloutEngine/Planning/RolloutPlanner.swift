import Dispatch
import Foundation
import PatchPolicy

/// Turns an approved change's hosts into waves.
///
/// Per environment, in promotion order (the canary size and `maxConcurrency` may differ per
/// environment, as the policy sets them):
/// 1. **Canary**: `canary` hosts (at least one), chosen greedily so that every OS release and every
///    service present in the environment is covered, least critical hosts first, within every
///    service's disruption budget. Coverage wins over the canary size.
/// 2. **Tier waves**: the other hosts, least critical tier first (3 → 0; hosts without a tier
///    first of all), and inside a tier in service order (hosts without a service first). Each host
///    goes to the earliest wave of its tier (first fit) that has fewer than `maxConcurrency` hosts
///    (of the environment's), stays within the disruption budget of each of its services (of that
///    service's hosts in the environment), and comes after every wave holding a service that must
///    precede one of its own — its dependencies, or its dependents with `dependentsFirst` — so a
///    service never shares a wave with one related to it and unrelated services share waves. A host
///    in several services is placed by the last of them in service order.
/// 3. **Windows**: each wave starts after the previous one's estimated end (plus `bakeTime`
///    between environments); each host starts at the first fit of a `taskDuration` task in its
///    maintenance schedule (inside a window, ending before its cutoff, never in a freeze). Hosts
///    without a schedule, or with none that fits, are listed as unschedulable and left out.
public enum RolloutPlanner {
    /// Plans the rollout.
    public static func plan(_ request: RolloutRequest) throws -> RolloutPlan {
        let graph = try ServiceOrdering(request.services, order: request.serviceOrder)
        guard request.taskDuration > 0 else {
            throw RolloutEngineError(.invalid, field: "taskDuration", "must be positive")
        }
        var unschedulable: [RolloutPlan.Unschedulable] = []
        var fits = FitCache(request: request)
        try fits.preload()
        // Hosts that can never fit are reported up front and never take a slot in a wave.
        var schedulable: [RolloutHost] = []
        schedulable.reserveCapacity(request.hosts.count)
        for host in request.hosts {
            if let reason = try fits.reasonUnschedulable(host) {
                unschedulable.append(.init(hostID: host.id, hostname: host.hostname, reason: reason))
            } else {
                schedulable.append(host)
            }
        }
        let byEnvironment = Dictionary(grouping: schedulable, by: \.environment)
        let extra = byEnvironment.keys.filter { !request.environments.contains($0) }.sorted()
        let order = (request.environments + extra).filter { !(byEnvironment[$0]?.isEmpty ?? true) }
        // Waves of each environment do not depend on the others: build them on every core.
        let built = Parallel.map(order) { environment in
            Result {
                try waves(of: byEnvironment[environment]!, environment: environment, request: request, graph: graph)
            }
        }
        var stages: [RolloutPlan.Stage] = []
        var notBefore = request.notBefore
        var index = 0
        var hostnames: [String: String] = [:]
        hostnames.reserveCapacity(schedulable.count)
        var hostSchedules: [String: String] = [:]
        hostSchedules.reserveCapacity(schedulable.count)
        for (position, environment) in order.enumerated() {
            if !stages.isEmpty { notBefore = notBefore.addingTimeInterval(request.bakeTime) }
            var groups = try built[position].get()
            var stage = RolloutPlan.Stage(environment: environment, waves: [])
            for position in groups.indices {
                var group = groups[position]
                var starts: [String: Date] = [:]
                starts.reserveCapacity(group.members.count)
                var end = notBefore
                var kept: [String] = []
                for host in group.members {
                    let hostID = host.id
                    guard let fit = try fits.fit(host, after: notBefore) else {
                        unschedulable.append(
                            .init(
                                hostID: host.id,
                                hostname: host.hostname,
                                reason:
                                    "no window fits a \(Int(request.taskDuration / 60))-minute task after \(ISO8601DateFormatter().string(from: notBefore))"
                            )
                        )
                        continue
                    }
                    starts[hostID] = fit.start
                    end = max(end, fit.end)
                    kept.append(hostID)
                    hostnames[hostID] = host.hostname
                    if let key = host.scheduleKey { hostSchedules[hostID] = key }
                }
                guard !kept.isEmpty else { continue }
                group.hosts = kept
                groups[position] = group
                stage.waves.append(
                    RolloutPlan.Wave(
                        index: index,
                        environment: environment,
                        kind: group.kind,
                        tier: group.tier,
                        name: group.name,
                        hosts: kept,
                        services: group.services.sorted(),
                        earliestStart: starts.values.min() ?? notBefore,
                        estimatedEnd: end,
                        hostStarts: starts
                    )
                )
                index += 1
                notBefore = end
            }
            stages.append(stage)
        }
        return RolloutPlan(
            changeID: request.changeID,
            stages: stages,
            unschedulable: unschedulable,
            hostnames: hostnames,
            hostSchedules: hostSchedules
        )
    }

    /// A wave before windows are applied.
    struct Group {
        var kind: RolloutPlan.Wave.Kind
        var tier: Int?
        var name: String
        var hosts: [String] = []
        var members: [RolloutHost] = []
        var services: Set<String> = []
        var perService: [String: Int] = [:]

        mutating func add(_ host: RolloutHost) {
            hosts.append(host.id)
            members.append(host)
            for service in host.services {
                services.insert(service)
                perService[service, default: 0] += 1
            }
        }
    }

    static func waves(
        of hosts: [RolloutHost],
        environment: String,
        request: RolloutRequest,
        graph: ServiceOrdering
    ) throws -> [Group] {
        var serviceSize: [String: Int] = [:]
        for host in hosts { for service in host.services { serviceSize[service, default: 0] += 1 } }
        var limits: [String: Int] = [:]
        for (service, size) in serviceSize { limits[service] = graph.budget(of: service).limit(of: size) }
        let fitsBudget = { (group: Group, host: RolloutHost) -> Bool in
            host.services.allSatisfy { (group.perService[$0] ?? 0) + 1 <= limits[$0] ?? 1 }
        }
        // Least critical first, then by name; indices, so hosts are not copied while sorting.
        let order = hosts.indices.sorted { left, right in
            let lhs = hosts[left]
            let rhs = hosts[right]
            if lhs.orderingTier != rhs.orderingTier { return lhs.orderingTier > rhs.orderingTier }
            if lhs.hostname != rhs.hostname { return lhs.hostname < rhs.hostname }
            return lhs.id < rhs.id
        }
        // 1. Canary: the least critical host of each OS release (preferring one that also covers a
        // service), then of each service not yet covered, then the least critical hosts up to the size.
        var canary = Group(kind: .canary, tier: nil, name: "\(environment) canary")
        var taken = [Bool](repeating: false, count: hosts.count)
        func take(_ index: Int) {
            canary.add(hosts[index])
            taken[index] = true
        }
        for release in Set(hosts.map(\.osRelease)).sorted() {
            let candidates = order.lazy.filter {
                hosts[$0].osRelease == release && !taken[$0] && fitsBudget(canary, hosts[$0])
            }
            if let index = candidates.first(where: {
                hosts[$0].services.contains { canary.perService[$0] == nil }
            }) ?? candidates.first {
                take(index)
            }
        }
        var uncovered = Set(hosts.flatMap(\.services)).subtracting(canary.services)
        if !uncovered.isEmpty {
            for index in order where !taken[index] && hosts[index].services.contains(where: uncovered.contains) {
                guard fitsBudget(canary, hosts[index]) else { continue }
                take(index)
                uncovered.subtract(hosts[index].services)
                if uncovered.isEmpty { break }
            }
        }
        let canarySize = min(hosts.count, max(1, request.canary(in: environment).limit(of: hosts.count)))
        for index in order where canary.hosts.count < canarySize && !taken[index] && fitsBudget(canary, hosts[index]) {
            take(index)
        }
        var groups = [canary]
        // 2. Tier waves, first fit: each host goes to the earliest wave of its tier that has room,
        // stays within every budget of its services, and comes after every wave holding a service
        // that must precede one of its own (its dependencies, or its dependents with
        // dependents-first).
        let concurrency = max(1, request.maxConcurrency(in: environment).limit(of: hosts.count))
        // `order` is by tier, then name: a stable sort on (tier, service position) keeps the names
        // in order inside each key. The keys are computed once, not per comparison.
        let remaining = order.filter { !taken[$0] }
        let keys = remaining.map { (tier: hosts[$0].orderingTier, position: graph.position(of: hosts[$0].services)) }
        let rest = remaining.indices.sorted { lhs, rhs in
            let left = keys[lhs]
            let right = keys[rhs]
            if left.tier != right.tier { return left.tier > right.tier }
            if left.position != right.position { return left.position < right.position }
            return lhs < rhs
        }.map { remaining[$0] }
        var segmentStart = groups.count
        var currentTier: Int?? = .none
        var lastWave: [String: Int] = [:]
        var firstOpen = segmentStart
        var nextWithBudget: [String: Int] = [:]
        // The first wave a service may use: after every wave of the services that precede it,
        // directly or through services without hosts in this tier. Hosts come in service order, so
        // when a service is first met all its predecessors are placed and the floor is final.
        var floors: [String: Int] = [:]
        func floor(of service: String) -> Int {
            if let known = floors[service] { return known }
            var value = segmentStart
            for predecessor in graph.predecessors(of: service) {
                if let last = lastWave[predecessor] { value = max(value, last + 1) }
                value = max(value, floor(of: predecessor))
            }
            floors[service] = value
            return value
        }
        for index in rest {
            let host = hosts[index]
            if currentTier == .none || currentTier! != host.tier {
                currentTier = .some(host.tier)
                segmentStart = groups.count
                firstOpen = segmentStart
                lastWave = [:]
                nextWithBudget = [:]
                floors = [:]
            }
            var wave = firstOpen
            for service in host.services {
                wave = max(wave, nextWithBudget[service] ?? segmentStart, floor(of: service))
            }
            while wave < groups.count
                && (groups[wave].hosts.count >= concurrency || !fitsBudget(groups[wave], host))
            {
                wave += 1
            }
            if wave == groups.count {
                let tierName = host.tier.map { "tier \($0)" } ?? "no tier"
                groups.append(
                    Group(
                        kind: .tier,
                        tier: host.tier,
                        name: "\(environment) \(tierName) wave \(wave - segmentStart + 1)"
                    )
                )
            }
            groups[wave].add(host)
            for service in host.services {
                lastWave[service] = max(lastWave[service] ?? wave, wave)
                if (groups[wave].perService[service] ?? 0) >= limits[service] ?? 1 {
                    nextWithBudget[service] = max(nextWithBudget[service] ?? segmentStart, wave + 1)
                }
            }
            while firstOpen < groups.count && groups[firstOpen].hosts.count >= concurrency { firstOpen += 1 }
        }
        return groups.filter { !$0.hosts.isEmpty }
    }
}

/// Services in dependency order, their budgets, and which are related by dependency.
struct ServiceOrdering {
    private var positions: [String: Int] = [:]
    private var budgets: [String: Budget] = [:]
    /// For each service, every service it depends on or that depends on it, transitively.
    private var related: [String: Set<String>] = [:]
    /// For each service, the services directly related to it that come before it in the order.
    private var earlier: [String: [String]] = [:]

    init(_ services: [RolloutService], order: RolloutRequest.ServiceOrder) throws {
        var dependencies: [String: [String]] = [:]
        for service in services {
            if case .count(let count) = service.disruptionBudget, count < 1 {
                throw RolloutEngineError(
                    .invalid,
                    field: "services.\(service.name).disruptionBudget",
                    "must allow at least one host"
                )
            }
            budgets[service.name] = service.disruptionBudget
            dependencies[service.name] = service.dependsOn
        }
        // Kahn's algorithm, name order among the ready ones: dependencies before dependents.
        var remaining = dependencies.mapValues { Set($0.filter { dependencies[$0] != nil }) }
        var sorted: [String] = []
        while !remaining.isEmpty {
            let ready = remaining.filter { $0.value.isEmpty }.keys.sorted()
            guard !ready.isEmpty else {
                throw RolloutEngineError(
                    .invalid,
                    field: "services",
                    "dependency cycle among \(remaining.keys.sorted().joined(separator: ", "))"
                )
            }
            for name in ready {
                sorted.append(name)
                remaining[name] = nil
            }
            for key in remaining.keys { remaining[key]?.subtract(ready) }
        }
        if order == .dependentsFirst { sorted.reverse() }
        for (index, name) in sorted.enumerated() { positions[name] = index }
        // Transitive closure both ways.
        var dependents: [String: [String]] = [:]
        for (name, deps) in dependencies {
            for dep in deps where dependencies[dep] != nil { dependents[dep, default: []].append(name) }
        }
        func reach(_ start: String, _ edges: [String: [String]]) -> Set<String> {
            var seen: Set<String> = []
            var stack = edges[start] ?? []
            while let next = stack.popLast() {
                if seen.insert(next).inserted { stack += edges[next] ?? [] }
            }
            return seen
        }
        for name in dependencies.keys {
            related[name] = reach(name, dependencies).union(reach(name, dependents))
            let direct = (dependencies[name] ?? []).filter { dependencies[$0] != nil } + (dependents[name] ?? [])
            let position = positions[name] ?? 0
            earlier[name] = direct.filter { (positions[$0] ?? 0) < position }
        }
    }

    /// The services directly related to `service` that must be finished before it starts.
    func predecessors(of service: String) -> [String] { earlier[service] ?? [] }

    /// Where a host with these services goes: after all of them (−1 when it has none).
    func position(of services: [String]) -> Int {
        services.compactMap { positions[$0] }.max() ?? -1
    }

    func budget(of service: String) -> Budget { budgets[service] ?? .percent(100) }

    /// Whether any of `services` depends on, or is depended on by, any of `others` (other than itself).
    func isRelated(_ services: [String], to others: Set<String>) -> Bool {
        guard !others.isEmpty else { return false }
        for service in services {
            guard let reach = related[service], !reach.isEmpty else { continue }
            if !reach.isDisjoint(with: others) { return true }
        }
        return false
    }
}

/// Window fits. Each schedule's usable occurrences are expanded once, in batches, into a sorted
/// list; a fit after an instant is then a binary search plus a short scan instead of a fresh
/// expansion of the recurrence.
struct FitCache {
    /// One schedule's expanded occurrences and what is known about them.
    private struct Entry {
        var schedule: MaintenanceSchedule
        var slots: [ScheduledOccurrence]? = nil
        var exhausted = false
        /// The longest occurrence seen, to find occurrences already open at an instant.
        var longest: TimeInterval = 0
        /// An instant after which no fit is left (nor after any later instant).
        var noFitAfter: Date? = nil
    }

    let request: RolloutRequest
    /// Schedules by position; `positions` maps a key to it, so a fit costs one hash.
    private var entries: [Entry]
    private let positions: [String: Int]

    init(request: RolloutRequest) {
        self.request = request
        let keys = request.schedules.keys.sorted()
        entries = keys.map { Entry(schedule: request.schedules[$0]!) }
        positions = Dictionary(uniqueKeysWithValues: keys.enumerated().map { ($1, $0) })
    }

    /// Expands every schedule's first 4,096 occurrences (11 years of a daily window) on all cores.
    mutating func preload() throws {
        guard !request.ignoreWindows else { return }
        let request = self.request
        let schedules = entries.map(\.schedule)
        let loaded = Parallel.map(Array(schedules.indices)) { index in
            Result { try FitCache.initialSlots(schedules[index], request: request, count: 4096) }
        }
        for (index, result) in loaded.enumerated() { store(try result.get(), at: index) }
    }

    private mutating func store(_ list: [ScheduledOccurrence], at index: Int) {
        entries[index].slots = list
        entries[index].longest = list.map { $0.usableEnd.timeIntervalSince($0.start) }.max() ?? 0
        entries[index].exhausted = list.isEmpty
    }

    static func initialSlots(
        _ schedule: MaintenanceSchedule,
        request: RolloutRequest,
        count: Int
    ) throws -> [ScheduledOccurrence] {
        var first: [ScheduledOccurrence] = []
        // An occurrence already open at the start counts too.
        if let open = try schedule.nextFit(after: request.notBefore, duration: request.taskDuration),
            open.slot.start < request.notBefore
        {
            first.append(open.slot)
        }
        return first + (try schedule.nextOccurrences(after: request.notBefore, count: count))
    }

    mutating func reasonUnschedulable(_ host: RolloutHost) throws -> String? {
        if request.ignoreWindows { return nil }
        guard let key = host.scheduleKey else { return "no maintenance window" }
        guard positions[key] != nil else { return "maintenance window '\(key)' is not defined" }
        if try fit(host, after: request.notBefore) == nil {
            return "no occurrence of '\(key)' fits a \(Int(request.taskDuration / 60))-minute task before its cutoff"
        }
        return nil
    }

    private mutating func extend(_ index: Int) throws -> Bool {
        guard !entries[index].exhausted, let last = entries[index].slots?.last else { return false }
        // Geometric growth: each expansion starts over from DTSTART, so few large ones beat many small.
        let more = try entries[index].schedule.nextOccurrences(
            after: last.start.addingTimeInterval(1),
            count: max(256, entries[index].slots?.count ?? 0)
        )
        guard !more.isEmpty else {
            entries[index].exhausted = true
            return false
        }
        entries[index].slots! += more
        entries[index].longest = max(
            entries[index].longest,
            more.map { $0.usableEnd.timeIntervalSince($0.start) }.max() ?? 0
        )
        return true
    }

    mutating func fit(_ host: RolloutHost, after instant: Date) throws -> (start: Date, end: Date)? {
        let duration = request.taskDuration
        if request.ignoreWindows { return (instant, instant.addingTimeInterval(duration)) }
        guard let key = host.scheduleKey, let position = positions[key] else { return nil }
        if let limit = entries[position].noFitAfter, instant >= limit { return nil }
        if entries[position].slots == nil {
            store(try Self.initialSlots(entries[position].schedule, request: request, count: 64), at: position)
        }
        let horizon = TimeInterval(entries[position].schedule.horizonDays) * 86_400
        // First occurrence that may still be open at `instant`: starts at most `longest` before it.
        let earliest = instant.addingTimeInterval(-entries[position].longest)
        var list = entries[position].slots!
        var low = 0
        var high = list.count
        while low < high {
            let middle = (low + high) / 2
            if list[middle].start < earliest { low = middle + 1 } else { high = middle }
        }
        var index = low
        while true {
            while index < list.count {
                let slot = list[index]
                let start = max(slot.start, instant)
                if start.addingTimeInterval(duration) <= slot.usableEnd {
                    return (start, start.addingTimeInterval(duration))
                }
                if slot.start.timeIntervalSince(instant) > horizon {
                    entries[position].noFitAfter = min(entries[position].noFitAfter ?? instant, instant)
                    return nil
                }
                index += 1
            }
            guard try extend(position) else {
                entries[position].noFitAfter = min(entries[position].noFitAfter ?? instant, instant)
                return nil
            }
            list = entries[position].slots!
        }
    }
}
