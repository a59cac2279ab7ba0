import Foundation
import RolloutEngine
import Testing

/// Limits per environment (canary, wave size, error budget) and the task estimate from measured
/// plan durations.
@Suite struct EnvironmentLimitsTests {
    let start = Date(timeIntervalSince1970: 1_795_000_000)

    func hosts(_ count: Int, in environments: [String]) -> [RolloutHost] {
        environments.flatMap { environment in
            (1...count).map {
                RolloutHost(
                    id: "\(environment)\($0)",
                    hostname: "\(environment)\($0)",
                    environment: environment,
                    tier: 2,
                    osRelease: "debian 12",
                    scheduleKey: nil
                )
            }
        }
    }

    @Test func canaryAndWaveSizeFollowTheEnvironment() throws {
        let plan = try RolloutPlanner.plan(
            RolloutRequest(
                changeID: "CHG-1",
                environments: ["dev", "prod"],
                hosts: hosts(6, in: ["dev", "prod"]),
                canary: .count(1),
                maxConcurrency: .count(5),
                canaryByEnvironment: ["prod": .count(2)],
                maxConcurrencyByEnvironment: ["prod": .percent(34)],
                ignoreWindows: true,
                notBefore: start
            )
        )
        // dev: canary 1, then the other 5 in one wave; prod: canary 2, then waves of 34% of 6 = 2.
        #expect(plan.waves.map(\.environment) == ["dev", "dev", "prod", "prod", "prod"])
        #expect(plan.waves.map(\.hosts.count) == [1, 5, 2, 2, 2])
    }

    /// dev: canary + one wave of 2; prod: canary + one wave of 2.
    func rollout(_ settings: Rollout.Settings) throws -> Rollout {
        let plan = try RolloutPlanner.plan(
            RolloutRequest(
                changeID: "CHG-1",
                environments: ["dev", "prod"],
                hosts: hosts(3, in: ["dev", "prod"]),
                canary: .count(1),
                maxConcurrency: .count(2),
                ignoreWindows: true,
                notBefore: start
            )
        )
        var rollout = Rollout(id: "RO-1", plan: plan, settings: settings)
        _ = try rollout.apply(.start)
        return rollout
    }

    func leased(_ effects: [RolloutEffect]) -> [String] {
        effects.compactMap { if case .leaseTask(_, _, let planID) = $0 { planID } else { nil } }
    }

    /// Runs the rollout with one failure in each environment's 2-host wave.
    func runWithOneFailurePerWave(_ settings: Rollout.Settings) throws -> Rollout {
        var rollout = try rollout(settings)
        var now = start
        for _ in 0..<12 where !rollout.state.isFinished && rollout.state != .rollingBack {
            let planIDs = leased(rollout.tick(now: now))
            for (index, planID) in planIDs.enumerated() {
                let failing = planIDs.count == 2 && index == 0
                _ = try rollout.report(
                    planID: planID,
                    outcome: failing ? .rolledBack : .completed,
                    reason: failing ? "postcheck failed" : nil
                )
            }
            now.addTimeInterval(60)
        }
        return rollout
    }

    @Test func errorBudgetIsJudgedByTheWavesEnvironment() throws {
        // dev tolerates one failure per wave; prod (the default) none.
        let rollout = try runWithOneFailurePerWave(.init(errorBudget: .count(0), errorBudgets: ["dev": .count(1)]))
        #expect(rollout.waves[1].state == .passed)
        #expect(rollout.waves[1].verdict?.reasons.first == "1 of 2 hosts succeeded (error budget 1)")
        #expect(rollout.waves[3].state == .failed)
        #expect(rollout.reason?.contains("the error budget allows 0") == true)
        // Tolerated everywhere: the rollout completes.
        let tolerant = try runWithOneFailurePerWave(
            .init(errorBudget: .count(0), errorBudgets: ["dev": .count(1), "prod": .percent(50)])
        )
        #expect(tolerant.state == .completed)
    }

    @Test func settingsStoredBeforePerEnvironmentBudgetsStillDecode() throws {
        let old = #"""
            {"errorBudget":"10%","leaseDuration":3600,"waveBakeTime":0,"approveEachEnvironment":false,"metricGates":false}
            """#
        let settings = try JSONDecoder().decode(Rollout.Settings.self, from: Data(old.utf8))
        #expect(settings == Rollout.Settings(errorBudget: .percent(10)))
        #expect(settings.errorBudget(in: "prod") == .percent(10))
        let new = Rollout.Settings(errorBudget: .count(0), errorBudgets: ["prod": .count(2)])
        let again = try JSONDecoder().decode(Rollout.Settings.self, from: JSONEncoder().encode(new))
        #expect(again == new)
        #expect(again.errorBudget(in: "prod") == .count(2))
        #expect(again.errorBudget(in: "dev") == .count(0))
    }

    @Test func taskEstimateIsTheRequestThenTheMeasuredP90ThenTheDefault() {
        let minutes: [TimeInterval] = [5, 10, 15, 20, 25, 30, 35, 40, 45, 50].map { $0 * 60 }
        #expect(
            TaskEstimate.choose(requested: 12, measured: minutes)
                == TaskEstimate(minutes: 12, source: .request, measurements: 10)
        )
        // The 9th of 10 (nearest rank): 45 minutes, not the slowest 50.
        #expect(
            TaskEstimate.choose(requested: nil, measured: minutes.shuffled())
                == TaskEstimate(minutes: 45, source: .measured, measurements: 10)
        )
        // Seconds round up to a whole minute; an instant plan still takes a minute.
        #expect(TaskEstimate.choose(requested: nil, measured: [61, 62, 63, 64, 65]).minutes == 2)
        #expect(TaskEstimate.choose(requested: nil, measured: [0, 0, 0, 0, 0]).minutes == 1)
        // Four measurements (and junk) are not enough.
        #expect(
            TaskEstimate.choose(requested: nil, measured: [600, 600, 600, 600, .nan, -5, .infinity])
                == TaskEstimate(minutes: 30, source: .default, measurements: 4)
        )
        // Bounded: a week at most.
        #expect(TaskEstimate.choose(requested: nil, measured: Array(repeating: 1e12, count: 5)).minutes == 7 * 24 * 60)
        #expect(TaskEstimate.choose(requested: 1_000_000, measured: []).minutes == 7 * 24 * 60)
    }
}
