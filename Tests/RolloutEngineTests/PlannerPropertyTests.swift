import Foundation
import PatchPolicy
import RolloutEngine
import Testing

/// A small seeded generator (SplitMix64), so failures reproduce.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

enum Fleets {
    static let start = Date(timeIntervalSince1970: 1_795_000_000)  // 2026-11-17

    static func calendar(
        _ name: String,
        hour: Int,
        days: String,
        hours: Int,
        cutoff: Int = 30
    ) throws -> MaintenanceSchedule {
        let text = """
            BEGIN:VCALENDAR\r
            VERSION:2.0\r
            PRODID:-//tests//EN\r
            BEGIN:VEVENT\r
            UID:\(name)@tests\r
            SUMMARY:\(name)\r
            DTSTART:20261101T\(String(format: "%02d", hour))0000Z\r
            DURATION:PT\(hours)H\r
            RRULE:FREQ=WEEKLY;BYDAY=\(days)\r
            X-PATCHPILOT-CUTOFF:\(cutoff)\r
            END:VEVENT\r
            END:VCALENDAR\r

            """
        return MaintenanceSchedule(
            calendar: try MaintenanceCalendar.parse(text, source: "\(name).ics"),
            hostTimeZone: TimeZone(identifier: "UTC")!
        )
    }

    /// A random fleet: environments, tiers, OS releases, services with a random DAG of dependencies
    /// and budgets, hosts in 0–1 services, most with one of three windows, a few with none.
    static func generate(seed: UInt64, hosts count: Int) throws -> RolloutRequest {
        var random = SeededGenerator(seed: seed)
        let serviceCount = Int.random(in: 0...8, using: &random)
        var services: [RolloutService] = []
        for index in 0..<serviceCount {
            let candidates = (0..<index).filter { _ in Int.random(in: 0..<3, using: &random) == 0 }
            let budget: Budget =
                Bool.random(using: &random) ? .count(Int.random(in: 1...3, using: &random)) : .percent(34)
            services.append(
                RolloutService(name: "svc\(index)", dependsOn: candidates.map { "svc\($0)" }, disruptionBudget: budget)
            )
        }
        let releases = ["debian 12", "debian 11", "ubuntu 22.04", "rhel 9"].prefix(
            Int.random(in: 1...4, using: &random)
        )
        var hosts: [RolloutHost] = []
        for index in 0..<count {
            // One service at most: a host in two services related by dependency can make the order
            // unsatisfiable (it is placed by the last of its services; see RolloutPlanner).
            let memberships = serviceCount == 0 ? 0 : Int.random(in: 0...1, using: &random)
            let own = Set((0..<memberships).map { _ in "svc\(Int.random(in: 0..<serviceCount, using: &random))" })
            let windowRoll = Int.random(in: 0..<20, using: &random)
            hosts.append(
                RolloutHost(
                    id: "h\(index)",
                    hostname: String(format: "host-%04d", index),
                    environment: ["dev", "staging", "prod"].randomElement(using: &random)!,
                    tier: Bool.random(using: &random) ? Int.random(in: 0...3, using: &random) : nil,
                    services: own.sorted(),
                    osRelease: releases.randomElement(using: &random)!,
                    scheduleKey: windowRoll == 0 ? nil : ["nightly", "weekend", "tuesday"][windowRoll % 3]
                )
            )
        }
        return RolloutRequest(
            changeID: "CHG-\(seed)",
            environments: ["dev", "staging", "prod"],
            hosts: hosts,
            services: services,
            canary: Bool.random(using: &random) ? .count(Int.random(in: 1...5, using: &random)) : .percent(5),
            maxConcurrency: Bool.random(using: &random) ? .count(Int.random(in: 1...20, using: &random)) : .percent(20),
            serviceOrder: Bool.random(using: &random) ? .dependenciesFirst : .dependentsFirst,
            bakeTime: 3600,
            taskDuration: 1800,
            schedules: [
                "nightly": try calendar("nightly", hour: 22, days: "MO,TU,WE,TH,FR,SA,SU", hours: 4),
                "weekend": try calendar("weekend", hour: 6, days: "SA", hours: 12),
                "tuesday": try calendar("tuesday", hour: 1, days: "TU", hours: 2, cutoff: 60),
            ],
            notBefore: start
        )
    }
}

@Suite struct PlannerPropertyTests {
    /// Transitive dependencies of each service.
    func dependencies(_ services: [RolloutService]) -> [String: Set<String>] {
        let direct = Dictionary(uniqueKeysWithValues: services.map { ($0.name, $0.dependsOn) })
        var result: [String: Set<String>] = [:]
        for name in direct.keys {
            var seen: Set<String> = []
            var stack = direct[name] ?? []
            while let next = stack.popLast() { if seen.insert(next).inserted { stack += direct[next] ?? [] } }
            result[name] = seen
        }
        return result
    }

    @Test(arguments: 1...40)
    func plannedWavesKeepEveryRule(seed: Int) throws {
        let request = try Fleets.generate(seed: UInt64(seed), hosts: Int(40 + (seed * 37) % 360))
        let plan = try RolloutPlanner.plan(request)
        let hosts = Dictionary(uniqueKeysWithValues: request.hosts.map { ($0.id, $0) })
        let deps = dependencies(request.services)

        // Every host is planned exactly once or reported unschedulable, never both.
        let planned = plan.waves.flatMap(\.hosts)
        #expect(Set(planned).count == planned.count)
        #expect(Set(planned).isDisjoint(with: plan.unschedulable.map(\.hostID)))
        #expect(planned.count + plan.unschedulable.count == request.hosts.count)
        #expect(
            plan.unschedulable.filter { hosts[$0.hostID]?.scheduleKey == nil }.count
                == request.hosts.filter { $0.scheduleKey == nil }.count
        )

        // Environments in promotion order; waves in time order.
        let order = plan.stages.map(\.environment)
        #expect(order == request.environments.filter { order.contains($0) })
        for (previous, next) in zip(plan.waves, plan.waves.dropFirst()) {
            #expect(next.earliestStart >= previous.estimatedEnd || next.earliestStart >= previous.earliestStart)
        }

        for stage in plan.stages {
            let members = stage.waves.flatMap(\.hosts).compactMap { hosts[$0] }
            let concurrency = request.maxConcurrency.limit(of: members.count)
            var serviceSize: [String: Int] = [:]
            for host in members { for service in host.services { serviceSize[service, default: 0] += 1 } }
            // The canary covers every OS release present.
            let canary = try #require(stage.waves.first)
            #expect(canary.kind == .canary)
            #expect(Set(canary.hosts.compactMap { hosts[$0]?.osRelease }) == Set(members.map(\.osRelease)))
            for wave in stage.waves {
                // Concurrency (the canary may exceed it only to cover releases and services).
                if wave.kind == .tier { #expect(wave.hosts.count <= max(1, concurrency), "\(wave.name)") }
                // Disruption budgets.
                var count: [String: Int] = [:]
                for id in wave.hosts { for service in hosts[id]!.services { count[service, default: 0] += 1 } }
                for (service, used) in count {
                    let budget = request.services.first { $0.name == service }!.disruptionBudget
                    #expect(used <= budget.limit(of: serviceSize[service]!), "\(wave.name): \(service) \(used)")
                }
                // Windows: each host starts inside its schedule and the task ends before the cutoff.
                for id in wave.hosts {
                    let host = hosts[id]!
                    let start = try #require(wave.hostStarts[id])
                    let schedule = try #require(request.schedules[host.scheduleKey!])
                    let fit = try #require(try schedule.nextFit(after: start, duration: request.taskDuration))
                    #expect(fit.changeStart == start, "\(id) starts outside its window")
                    #expect(plan.hostSchedules[id] == host.scheduleKey)
                    #expect(plan.hostnames[id] == host.hostname)
                }
            }
            // Tiers least critical first; inside a tier, dependency order across waves.
            let tierWaves = stage.waves.filter { $0.kind == .tier }
            let ranks = tierWaves.map { $0.tier ?? Int.max }
            #expect(ranks == ranks.sorted(by: >))
            for (i, early) in tierWaves.enumerated() {
                for late in tierWaves[(i + 1)...] where late.tier == early.tier {
                    for a in early.services {
                        for b in late.services where a != b {
                            if request.serviceOrder == .dependenciesFirst {
                                #expect(!(deps[a]?.contains(b) ?? false), "\(a) before its dependency \(b)")
                            } else {
                                #expect(!(deps[b]?.contains(a) ?? false), "\(a) (a dependency of \(b)) before \(b)")
                            }
                        }
                    }
                }
            }
        }
    }

    @Test func threeDatabaseReplicasGoOneAtATimeAfterTheirClients() throws {
        let hosts =
            (1...3).map {
                RolloutHost(
                    id: "db\($0)",
                    hostname: "db\($0)",
                    environment: "prod",
                    tier: 0,
                    services: ["db"],
                    osRelease: "debian 12",
                    scheduleKey: nil
                )
            }
            + (1...4).map {
                RolloutHost(
                    id: "app\($0)",
                    hostname: "app\($0)",
                    environment: "prod",
                    tier: 0,
                    services: ["app"],
                    osRelease: "debian 12",
                    scheduleKey: nil
                )
            }
        let request = RolloutRequest(
            changeID: "CHG-1",
            environments: ["prod"],
            hosts: hosts,
            services: [
                RolloutService(name: "db", disruptionBudget: .count(1)),
                RolloutService(name: "app", dependsOn: ["db"], disruptionBudget: .percent(50)),
            ],
            canary: .count(1),
            maxConcurrency: .count(10),
            serviceOrder: .dependentsFirst,
            ignoreWindows: true,
            notBefore: Fleets.start
        )
        let plan = try RolloutPlanner.plan(request)
        let names = plan.waves.map { $0.hosts.sorted() }
        // Canary covers both services within budget; then the other apps (2 of 4 at most), then each db alone.
        #expect(names.first == ["app1", "db1"])
        #expect(names.dropFirst().map(\.count) == [2, 1, 1, 1])
        #expect(names[1] == ["app2", "app3"])
        #expect(names[2] == ["app4"])
        #expect(names.suffix(2) == [["db2"], ["db3"]])
    }

    @Test func hostsWithoutAFittingWindowAreReportedUpFront() throws {
        let request = RolloutRequest(
            changeID: "CHG-2",
            environments: ["prod"],
            hosts: [
                RolloutHost(
                    id: "a",
                    hostname: "a",
                    environment: "prod",
                    tier: 1,
                    osRelease: "debian 12",
                    scheduleKey: nil
                ),
                RolloutHost(
                    id: "b",
                    hostname: "b",
                    environment: "prod",
                    tier: 1,
                    osRelease: "debian 12",
                    scheduleKey: "short"
                ),
                RolloutHost(
                    id: "c",
                    hostname: "c",
                    environment: "prod",
                    tier: 1,
                    osRelease: "debian 12",
                    scheduleKey: "nightly"
                ),
                RolloutHost(
                    id: "d",
                    hostname: "d",
                    environment: "prod",
                    tier: 1,
                    osRelease: "debian 12",
                    scheduleKey: "gone"
                ),
            ],
            taskDuration: 3 * 3600,
            schedules: [
                "short": try Fleets.calendar("short", hour: 1, days: "TU", hours: 2, cutoff: 0),
                "nightly": try Fleets.calendar("nightly", hour: 22, days: "MO,TU,WE,TH,FR,SA,SU", hours: 4),
            ],
            notBefore: Fleets.start
        )
        let plan = try RolloutPlanner.plan(request)
        #expect(plan.waves.flatMap(\.hosts) == ["c"])
        let reasons = Dictionary(uniqueKeysWithValues: plan.unschedulable.map { ($0.hostID, $0.reason) })
        #expect(reasons["a"] == "no maintenance window")
        #expect(reasons["b"]?.contains("fits a 180-minute task") == true)
        #expect(reasons["d"] == "maintenance window 'gone' is not defined")
        // c starts at 22:00 UTC on the start day, inside its window.
        let start = try #require(plan.waves.first?.hostStarts["c"])
        #expect(
            Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC")!, from: start).hour == 22
        )
    }

    @Test func dependencyCyclesAndZeroBudgetsAreRefused() {
        #expect(throws: RolloutEngineError.self) {
            try RolloutPlanner.plan(
                RolloutRequest(
                    changeID: "x",
                    environments: [],
                    hosts: [],
                    services: [
                        RolloutService(name: "a", dependsOn: ["b"]), RolloutService(name: "b", dependsOn: ["a"]),
                    ],
                    notBefore: Fleets.start
                )
            )
        }
        #expect(throws: RolloutEngineError.self) {
            try RolloutPlanner.plan(
                RolloutRequest(
                    changeID: "x",
                    environments: [],
                    hosts: [],
                    services: [RolloutService(name: "a", disruptionBudget: .count(0))],
                    notBefore: Fleets.start
                )
            )
        }
    }

    @Test func budgetsParseAndLimit() throws {
        #expect(try Budget(parsing: "10%", field: "x").limit(of: 95) == 9)
        #expect(try Budget(parsing: "10%", field: "x").limit(of: 5) == 1)
        #expect(try Budget(parsing: "3", field: "x").limit(of: 95) == 3)
        // As an error budget a percentage has no floor of one: 10% of a 2-host wave tolerates no
        // failure; a count tolerates what it says.
        #expect(try Budget(parsing: "10%", field: "x").tolerance(of: 2) == 0)
        #expect(try Budget(parsing: "10%", field: "x").tolerance(of: 95) == 9)
        #expect(try Budget(parsing: "50%", field: "x").tolerance(of: 2) == 1)
        #expect(try Budget(parsing: "1", field: "x").tolerance(of: 2) == 1)
        #expect(try Budget(parsing: "10%", field: "x").tolerance(of: 0) == 0)
        #expect(throws: RolloutEngineError.self) { try Budget(parsing: "150%", field: "x") }
        #expect(throws: RolloutEngineError.self) { try Budget(parsing: "many", field: "x") }
    }
}
