import ArgumentParser
import AsyncHTTPClient
import Foundation
import Logging
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
        var totalOperations = 0
        var totalSeconds = 0.0
        var totalFailures = enrollment.failures
        for round in 0..<rounds {
            if interval > 0 { try await Task.sleep(for: .seconds(interval)) }
            let result: FleetSimulator.PhaseResult
            (fleet, result) = await simulator.checkInRound(fleet, patchRate: patchRate, round: UInt64(round + 1))
            totalOperations += result.operations
            totalSeconds += result.seconds
            totalFailures += result.failures
            print(
                "round \(round + 1): \(result.operations) check-ins, \(result.failures) failed, \(format(result.perSecond)) check-ins/s"
            )
        }
        if rounds > 0, totalSeconds > 0 {
            print("check-ins per second: \(format(Double(totalOperations) / totalSeconds))")
        }
        if totalFailures > 0 { throw ExitCode(1) }
    }

    func format(_ value: Double) -> String { String(format: "%.1f", value) }
}
