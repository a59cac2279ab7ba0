import Foundation
import PatchPolicy

/// Turns an approved change's hosts into waves.
///
/// Per environment, in promotion order:
/// 1. **Canary**: `canary` hosts (at least one), chosen greedily so that every OS release and every
///    service present in the environment is covered, least critical hosts first, within every
///    service's disruption budget. Coverage wins over the canary size.
/// 2. **Tier waves**: the other hosts, least critical tier first (3 → 0; hosts without a tier
///    first of all), and inside a tier by service order (hosts without a service first). A wave
///    closes when it reaches `maxConcurrency` (of the environment's hosts), when adding a host would
///    take a service past its disruption budget (of that service's hosts in the environment), when
///    the next host belongs to a service related by dependency to one already in the wave (so a
///    service's dependencies are finished before it starts, or after with `dependentsFirst`), or at
///    a tier boundary. A host in several services is placed by the last of them in service order
///    (it waits for all their dependencies).
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
        var stages: [RolloutPlan.Stage] = []
        var notBefore = request.notBefore
        var index = 0
        for environment in request.environments + extra {
            guard let hosts = byEnvironment[environment], !hosts.isEmpty else { continue }
            if !stages.isEmpty { notBefore = notBefore.addingTimeInterval(request.bakeTime) }
            var groups = try waves(of: hosts, environment: environment, request: request, graph: graph)
            var stage = RolloutPlan.Stage(environment: environment, waves: [])
            for position in groups.indices {
                var group = groups[position]
                var starts: [String: Date] = [:]
                var end = notBefore
                var kept: [String] = []
                for hostID in group.hosts {
                    let host = group.members[hostID]!
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
        var plan = RolloutPlan(changeID: request.changeID, stages: stages, unschedulable: unschedulable)
        let planned = Set(plan.waves.flatMap(\.hosts))
        for host in request.hosts where planned.contains(host.id) { plan.hostnames[host.id] = host.hostname }
        return plan
    }

    /// A wave before windows are applied.
    struct Group {
        var kind: RolloutPlan.Wave.Kind
        var tier: Int?
        var name: String
        var hosts: [String] = []
        var members: [String: RolloutHost] = [:]
        var services: Set<String> = []
        var perService: [String: Int] = [:]

        mutating func add(_ host: RolloutHost) {
            hosts.append(host.id)
            members[host.id] = host
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
        let budget = { (service: String) -> Int in
            graph.budget(of: service).limit(of: serviceSize[service] ?? 1)
        }
        let fitsBudget = { (group: Group, host: RolloutHost) -> Bool in
            host.services.allSatisfy { (group.perService[$0] ?? 0) + 1 <= budget($0) }
        }
        // 1. Canary.
        let ordered = hosts.sorted { lhs, rhs in
            if lhs.orderingTier != rhs.orderingTier { return lhs.orderingTier > rhs.orderingTier }
            return (lhs.hostname, lhs.id) < (rhs.hostname, rhs.id)
        }
        var canary = Group(kind: .canary, tier: nil, name: "\(environment) canary")
        var uncoveredReleases = Set(hosts.map(\.osRelease))
        var uncoveredServices = Set(hosts.flatMap(\.services))
        var taken = Set<String>()
        while !uncoveredReleases.isEmpty || !uncoveredServices.isEmpty {
            var best: (score: Int, host: RolloutHost)?
            for host in ordered where !taken.contains(host.id) && fitsBudget(canary, host) {
                let score =
                    (uncoveredReleases.contains(host.osRelease) ? 1_000_000 : 0)
                    + host.services.filter { uncoveredServices.contains($0) }.count
                if score > 0, score > (best?.score ?? 0) { best = (score, host) }
            }
            guard let chosen = best?.host else { break }
            canary.add(chosen)
            taken.insert(chosen.id)
            uncoveredReleases.remove(chosen.osRelease)
            for service in chosen.services { uncoveredServices.remove(service) }
        }
        let canarySize = min(hosts.count, max(1, request.canary.limit(of: hosts.count)))
        for host in ordered
        where canary.hosts.count < canarySize && !taken.contains(host.id) && fitsBudget(canary, host) {
            canary.add(host)
            taken.insert(host.id)
        }
        var groups = [canary]
        // 2. Tier waves.
        let concurrency = max(1, request.maxConcurrency.limit(of: hosts.count))
        let rest = ordered.filter { !taken.contains($0.id) }.sorted { lhs, rhs in
            if lhs.orderingTier != rhs.orderingTier { return lhs.orderingTier > rhs.orderingTier }
            let left = graph.position(of: lhs.services)
            let right = graph.position(of: rhs.services)
            if left != right { return left < right }
            return (lhs.hostname, lhs.id) < (rhs.hostname, rhs.id)
        }
        var current: Group?
        var waveInTier = 0
        for host in rest {
            let tierName = host.tier.map { "tier \($0)" } ?? "no tier"
            if let group = current {
                let sameTier = group.tier == host.tier
                let fits =
                    sameTier && group.hosts.count < concurrency && fitsBudget(group, host)
                    && !graph.isRelated(host.services, to: group.services)
                if !fits {
                    groups.append(group)
                    current = nil
                    if !sameTier { waveInTier = 0 }
                }
            }
            if current == nil {
                waveInTier += 1
                current = Group(kind: .tier, tier: host.tier, name: "\(environment) \(tierName) wave \(waveInTier)")
            }
            current?.add(host)
        }
        if let current { groups.append(current) }
        return groups.filter { !$0.hosts.isEmpty }
    }
}

/// Services in dependency order, their budgets, and which are related by dependency.
struct ServiceOrdering {
    private var positions: [String: Int] = [:]
    private var budgets: [String: Budget] = [:]
    /// For each service, every service it depends on or that depends on it, transitively.
    private var related: [String: Set<String>] = [:]

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
        }
    }

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

/// Window fits, computed once per (schedule, instant).
struct FitCache {
    let request: RolloutRequest
    private var cache: [String: [Date: (start: Date, end: Date)?]] = [:]

    init(request: RolloutRequest) { self.request = request }

    mutating func reasonUnschedulable(_ host: RolloutHost) throws -> String? {
        if request.ignoreWindows { return nil }
        guard let key = host.scheduleKey else { return "no maintenance window" }
        guard request.schedules[key] != nil else { return "maintenance window '\(key)' is not defined" }
        if try fit(host, after: request.notBefore) == nil {
            return "no occurrence of '\(key)' fits a \(Int(request.taskDuration / 60))-minute task before its cutoff"
        }
        return nil
    }

    mutating func fit(_ host: RolloutHost, after instant: Date) throws -> (start: Date, end: Date)? {
        if request.ignoreWindows { return (instant, instant.addingTimeInterval(request.taskDuration)) }
        guard let key = host.scheduleKey, let schedule = request.schedules[key] else { return nil }
        if let known = cache[key]?[instant] { return known }
        let found = try schedule.nextFit(after: instant, duration: request.taskDuration).map {
            (start: $0.changeStart, end: $0.changeEnd)
        }
        cache[key, default: [:]][instant] = .some(found)
        return found
    }
}
