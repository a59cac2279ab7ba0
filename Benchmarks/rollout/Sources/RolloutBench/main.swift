// Rollout planning and scheduling at fleet scale.
//
// Planning: N hosts (default 100,000) in dev/staging/prod, tiers 0–3 (a fifth without a tier),
// 200 services joined by 500 random dependency edges (a DAG), 60% of hosts in one service, four OS
// releases, 50 maintenance windows (weekly or daily RRULEs written as .ics and parsed by the real
// parser) assigned round-robin; canary 1%, waves of at most 10%, disruption budgets of 1–3 hosts or
// 34%. Timed: RolloutPlanner.plan (median of REPETITIONS). Checks: every host is planned once or
// reported unschedulable; no wave exceeds its concurrency or a disruption budget.
//
// Tick: a rollout whose one wave holds N hosts. Timed: the tick that leases all N tasks, and the
// steady tick with N leased tasks (lease-expiry checks and the wave verdict), median of REPETITIONS;
// and applying 10% of the reports then ticking.
import Dispatch
import Foundation
import PatchPolicy
import RolloutEngine

let hostCount = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 100_000 : 100_000
let repetitions = CommandLine.arguments.count > 2 ? Int(CommandLine.arguments[2]) ?? 5 : 5
let start = Date(timeIntervalSince1970: 1_796_742_000)

struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

func milliseconds(_ body: () throws -> Void) rethrows -> Double {
    let begin = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - begin) / 1e6
}

func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }

var random = SplitMix(state: 20_261_127)

// 50 windows as one calendar.
var ics = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//PatchPilot//rollout-bench//EN"]
let days = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
for index in 0..<50 {
    let hour = index % 24
    let rule = index % 3 == 0 ? "FREQ=DAILY" : "FREQ=WEEKLY;BYDAY=\(days[index % 7]),\(days[(index + 3) % 7])"
    ics += [
        "BEGIN:VEVENT", "UID:w\(index)@bench", "SUMMARY:w\(index)",
        "DTSTART:20261101T\(hour < 10 ? "0" : "")\(hour)0000Z", "DURATION:PT\(2 + index % 4)H", "RRULE:\(rule)",
        "X-PATCHPILOT-CUTOFF:15", "END:VEVENT",
    ]
}
ics.append("END:VCALENDAR")
let calendar = try MaintenanceCalendar.parse(ics.joined(separator: "\r\n") + "\r\n", source: "bench.ics")
let utc = TimeZone(identifier: "UTC")!
var schedules: [String: MaintenanceSchedule] = [:]
for window in calendar.events.map(MaintenanceWindow.init(event:)) {
    schedules[window.name] = MaintenanceSchedule(windows: [window], freezes: [], hostTimeZone: utc)
}

// 200 services, 500 edges from higher to lower index (a DAG).
var dependencies: [Int: Set<Int>] = [:]
var edges = 0
while edges < 500 {
    let a = Int.random(in: 1..<200, using: &random)
    let b = Int.random(in: 0..<a, using: &random)
    if dependencies[a, default: []].insert(b).inserted { edges += 1 }
}
let services = (0..<200).map { index in
    RolloutService(
        name: "svc\(index)",
        dependsOn: (dependencies[index] ?? []).sorted().map { "svc\($0)" },
        disruptionBudget: index % 4 == 0 ? .percent(34) : .count(1 + index % 3)
    )
}
let releases = ["debian 12", "debian 11", "ubuntu 22.04", "rhel 9"]
let environments = ["dev", "staging", "prod"]
var hosts: [RolloutHost] = []
hosts.reserveCapacity(hostCount)
for index in 0..<hostCount {
    let tierRoll = Int.random(in: 0..<5, using: &random)
    hosts.append(
        RolloutHost(
            id: "h\(index)",
            hostname: "host-\(index)",
            environment: environments[index % 3],
            tier: tierRoll == 4 ? nil : tierRoll,
            services: Int.random(in: 0..<10, using: &random) < 6
                ? ["svc\(Int.random(in: 0..<200, using: &random))"] : [],
            osRelease: releases[Int.random(in: 0..<4, using: &random)],
            scheduleKey: "w\(index % 50)"
        )
    )
}
let request = RolloutRequest(
    changeID: "CHG-bench",
    environments: environments,
    hosts: hosts,
    services: services,
    canary: .percent(1),
    maxConcurrency: .percent(10),
    serviceOrder: .dependenciesFirst,
    bakeTime: 3600,
    taskDuration: 1800,
    schedules: schedules,
    notBefore: start
)

var unwindowed = request
unwindowed.ignoreWindows = true
var noWindowTimes: [Double] = []
for _ in 0..<repetitions { noWindowTimes.append(try milliseconds { _ = try RolloutPlanner.plan(unwindowed) }) }

var plan: RolloutPlan?
var planTimes: [Double] = []
for _ in 0..<repetitions {
    planTimes.append(try milliseconds { plan = try RolloutPlanner.plan(request) })
}
guard let plan else { fatalError("no plan") }
// Checks.
let planned = plan.waves.flatMap(\.hosts)
var failures: [String] = []
if Set(planned).count != planned.count { failures.append("a host is planned twice") }
if planned.count + plan.unschedulable.count != hostCount {
    failures.append("hosts lost: \(planned.count) + \(plan.unschedulable.count)")
}
let byID = Dictionary(uniqueKeysWithValues: hosts.map { ($0.id, $0) })
let budgets = Dictionary(uniqueKeysWithValues: services.map { ($0.name, $0.disruptionBudget) })
for stage in plan.stages {
    let members = stage.waves.flatMap(\.hosts).compactMap { byID[$0] }
    var size: [String: Int] = [:]
    for host in members { for service in host.services { size[service, default: 0] += 1 } }
    let concurrency = max(1, Budget.percent(10).limit(of: members.count))
    for wave in stage.waves {
        if wave.kind == .tier && wave.hosts.count > concurrency { failures.append("\(wave.name) exceeds concurrency") }
        var used: [String: Int] = [:]
        for id in wave.hosts { for service in byID[id]!.services { used[service, default: 0] += 1 } }
        for (service, count) in used where count > budgets[service]!.limit(of: size[service]!) {
            failures.append("\(wave.name) exceeds the budget of \(service)")
        }
    }
}

// Tick: one wave of N hosts.
let wavePlan = RolloutPlan(
    changeID: "CHG-tick",
    stages: [
        .init(
            environment: "prod",
            waves: [
                .init(
                    index: 0,
                    environment: "prod",
                    kind: .tier,
                    tier: 2,
                    name: "prod wave",
                    hosts: hosts.map(\.id),
                    services: [],
                    earliestStart: start,
                    estimatedEnd: start,
                    hostStarts: [:]
                )
            ]
        )
    ],
    unschedulable: []
)
var leaseTimes: [Double] = []
var steadyTimes: [Double] = []
var reportTimes: [Double] = []
var leasedCount = 0
for _ in 0..<repetitions {
    var rollout = Rollout(
        id: "RO-bench",
        plan: wavePlan,
        settings: .init(errorBudget: .percent(5), leaseDuration: 3600)
    )
    _ = try rollout.apply(.start)
    var effects: [RolloutEffect] = []
    leaseTimes.append(milliseconds { effects = rollout.tick(now: start) })
    leasedCount = effects.filter { if case .leaseTask = $0 { true } else { false } }.count
    steadyTimes.append(milliseconds { _ = rollout.tick(now: start.addingTimeInterval(60)) })
    let reports = rollout.tasks.prefix(hostCount / 10).compactMap(\.planID)
    reportTimes.append(
        try milliseconds {
            for planID in reports { _ = try rollout.report(planID: planID, outcome: .completed, reason: nil) }
            _ = rollout.tick(now: start.addingTimeInterval(120))
        }
    )
}
if leasedCount != hostCount { failures.append("leased \(leasedCount) of \(hostCount)") }

func row(_ name: String, _ value: Double, goal: Double?) -> String {
    let verdict = goal.map { value <= $0 ? "≤ \(Int($0)) ms: yes" : "≤ \(Int($0)) ms: NO" } ?? ""
    return "| \(name) | \(String(format: "%.1f", value)) ms | \(verdict) |"
}
print(
    "| \(hostCount) hosts, \(plan.waves.count) waves, \(plan.unschedulable.count) unschedulable | median of \(repetitions) | goal |"
)
print("|---|---|---|")
print(
    row("plan (\(services.count) services, \(edges) edges, \(schedules.count) windows)", median(planTimes), goal: 500)
)
print(row("  of which waves without windows", median(noWindowTimes), goal: nil))
print(row("tick leasing \(hostCount) tasks", median(leaseTimes), goal: nil))
print(row("tick with \(hostCount) active tasks", median(steadyTimes), goal: 100))
print(row("apply \(hostCount / 10) reports + tick", median(reportTimes), goal: nil))
if !failures.isEmpty {
    for failure in failures.prefix(10) { print("CHECK FAILED: \(failure)") }
    exit(1)
}
