import ArgumentParser
import AsyncHTTPClient
import Foundation
import Logging
import PatchAgent
import PatchDemo

/// `patchpilot simulate`: a fleet of simulated agents against a running server.
struct SimulateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Enroll N simulated agents (real HTTP, real signatures) and report inventories.",
        discussion: """
            Inventories derive from real dpkg status files of Debian 11, Debian 12 and Ubuntu 22.04 \
            bundled with PatchPilot, with per-host variation. After enrollment each agent uploads its \
            full inventory; then --rounds check-in rounds follow, --interval seconds apart, in which \
            --patch-rate of the hosts upgrade a few packages (sent as deltas).
            """
    )

    @Option(help: "Server base URL.") var server: String
    @Option(name: .customLong("enroll-token"), help: "An enrollment token with at least N uses.") var enrollToken:
        String
    @Option(help: "Number of agents.") var agents = 100
    @Option(help: "Check-in rounds after enrollment.") var rounds = 1
    @Option(help: "Seconds between rounds (0: back to back, for load measurement).") var interval = 0.0
    @Option(help: "Share of hosts that patch packages in each round (0…1).") var patchRate = 0.05
    @Option(help: "Concurrent requests.") var concurrency = 16
    @Option(help: "Random seed; the same seed gives the same fleet.") var seed: UInt64 = 1
    @Option(help: "Number in the first host's name, so that runs in chunks name their hosts apart.")
    var firstIndex = 1
    @Flag(
        name: .customLong("follow-plans"),
        help:
            "After enrollment, keep checking in every --interval seconds and carry out the plans the server hands out (simulated), instead of --rounds."
    )
    var followPlans = false
    @Option(help: "With --follow-plans: stop when this file exists.") var untilFile: String?
    @Option(help: "With --follow-plans: stop after this many seconds at most (1…86400).") var duration = 600.0
    @Option(help: "Write the enrolled hosts (hostID, hostname) as JSON to this file after enrollment.")
    var hostsFile: String?
    @Option(help: "With --follow-plans: write what every agent saw (plans applied, errors, outages) as JSON here.")
    var summaryFile: String?

    func run() async throws {
        guard (1...100_000_000).contains(firstIndex) else {
            throw ValidationError("--first-index must be 1…100000000, got \(firstIndex)")
        }
        guard agents > 0, concurrency > 0, (0...1).contains(patchRate) else {
            throw ValidationError("--agents and --concurrency must be positive and --patch-rate within 0…1")
        }
        let logger = Logger(label: "patchpilot.simulate")
        let simulator = FleetSimulator(
            serverURL: server,
            enrollmentToken: enrollToken,
            agents: agents,
            seed: seed,
            firstIndex: firstIndex,
            concurrency: concurrency,
            http: HTTPClient.shared,
            logger: logger
        )
        var (fleet, enrollment) = try await simulator.enrollAll()
        print(
            "enrolled \(enrollment.operations) agents (\(enrollment.failures) failed) in \(format(enrollment.seconds)) s"
        )
        guard !fleet.isEmpty else { throw ExitCode(1) }
        if let hostsFile {
            struct Entry: Encodable {
                var hostID: String
                var hostname: String
            }
            let entries = fleet.map { Entry(hostID: $0.hostID, hostname: $0.hostname) }
            try JSONEncoder().encode(entries).write(to: URL(fileURLWithPath: hostsFile), options: .atomic)
        }
        if followPlans {
            try await follow(fleet)
            return
        }
        var totalOperations = 0
        var totalSeconds = 0.0
        var totalFailures = enrollment.failures
        var latencies: [Double] = []
        for round in 0..<rounds {
            if interval > 0 { try await Task.sleep(for: .seconds(interval)) }
            let result: FleetSimulator.PhaseResult
            (fleet, result) = await simulator.checkInRound(fleet, patchRate: patchRate, round: UInt64(round + 1))
            totalOperations += result.operations
            totalSeconds += result.seconds
            totalFailures += result.failures
            latencies += result.latencies
            print(
                "round \(round + 1): \(result.operations) check-ins, \(result.failures) failed, \(format(result.perSecond)) check-ins/s"
            )
        }
        if rounds > 0, totalSeconds > 0 {
            print("check-ins per second: \(format(Double(totalOperations) / totalSeconds))")
        }
        if !latencies.isEmpty {
            latencies.sort()
            func percentile(_ p: Double) -> String {
                format(latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))] * 1000)
            }
            print("latency p50 \(percentile(0.5)) ms p99 \(percentile(0.99)) ms max \(percentile(1)) ms")
        }
        if totalFailures > 0 { throw ExitCode(1) }
    }

    /// The --follow-plans mode: agents check in and run plans until the stop file appears or time is up.
    func follow(_ fleet: [FleetSimulator.EnrolledAgent]) async throws {
        guard (1...86_400).contains(duration), interval > 0, interval <= 3600 else {
            throw ValidationError("--duration must be 1…86400 and --interval 0…3600 (not 0) with --follow-plans")
        }
        let deadline = ContinuousClock.now + .seconds(duration)
        let stopFile = untilFile
        let follower = PlanFollower(client: AgentClient(serverURL: server), interval: interval)
        let summary = await follower.run(fleet) {
            ContinuousClock.now >= deadline || stopFile.map { FileManager.default.fileExists(atPath: $0) } ?? false
        }
        if let summaryFile {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            try encoder.encode(summary).write(to: URL(fileURLWithPath: summaryFile), options: .atomic)
        }
        let applied = summary.hosts.reduce(0) { $0 + $1.applications.count }
        let requests = summary.hosts.reduce(0) { $0 + $1.requests }
        let serverErrors = summary.hosts.reduce(0) { $0 + $1.serverErrors }
        let transport = summary.hosts.reduce(0) { $0 + $1.transportErrors }
        let outage = summary.hosts.map(\.longestOutage).max() ?? 0
        print(
            "followed \(summary.hosts.count) agents for \(format(summary.seconds)) s: \(requests) requests, \(applied) plans applied, \(serverErrors) 5xx, \(transport) without answer, longest outage \(format(outage)) s"
        )
    }

    func format(_ value: Double) -> String { String(format: "%.1f", value) }
}
