import AgentProtocol
import ChangeControl
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import PatchAPI
import PatchServer
import PatchStore
import RolloutEngine
import Testing

/// Rollout limits from the policy (an environment's error budget and wave size, a service's
/// disruption budget) when the request gives none, the request's options over them, and task
/// estimates from measured plan durations.
@Suite struct RolloutPolicyLimitsTests {
    /// dev tolerates one failed host per wave, in waves of up to 2; the web service (every dev
    /// host) may lose 2 hosts at once. Without these, 3 dev hosts go canary + two 1-host waves.
    static let policy = """
        environments:
          - name: dev
            errorBudget: 1
            maxConcurrency: 2
          - prod
        groups:
          - name: dev
            labels: {env: dev}
            tier: staging
            environment: dev
          - name: prod
            labels: {env: prod}
            tier: production-services
            environment: prod
        services:
          - name: web
            groups: [dev]
            disruptionBudget: 2
        """
    static let hostnames = ["dev-1", "dev-2", "dev-3", "prod-1"]

    struct PlanAnswer: Decodable {
        var waves: [RolloutPlan.Wave] { stages.flatMap(\.waves) }
        var stages: [RolloutPlan.Stage]
        var taskEstimate: TaskEstimate?
    }

    static func plan(
        _ client: some TestClientProtocol,
        _ setup: RolloutAPITests.Setup,
        options: String? = nil
    ) async throws -> PlanAnswer {
        let response = try await client.execute(
            uri: "/api/v1/changes/\(setup.changeID)/rollout-plan",
            method: .post,
            headers: setup.harness.bearer(.viewer),
            body: options.map { ByteBuffer(string: $0) }
        )
        #expect(response.status == .ok, "\(response.text)")
        return try response.json(PlanAnswer.self)
    }

    /// Rounds of: every agent with a plan reports (`failing` ones last, and they roll back), the
    /// clock moves, a tick.
    static func run(
        _ client: some TestClientProtocol,
        _ setup: RolloutAPITests.Setup,
        failing: Set<String>
    ) async throws {
        let agents = setup.agents.sorted {
            (failing.contains($0.key) ? 1 : 0, $0.key) < (failing.contains($1.key) ? 1 : 0, $1.key)
        }
        for _ in 0..<12 {
            for (name, agent) in agents {
                guard let plan = try await RolloutAPITests.fetchPlan(client, agent, setup.harness) else { continue }
                let outcome: PlanOutcome =
                    failing.contains(name) && !plan.id.contains("rollback") ? .rolledBack : .completed
                try await RolloutAPITests.report(client, agent, setup, plan: plan, outcome: outcome)
            }
            setup.harness.clock.advance(30)
            await setup.rollouts.tickAll()
        }
    }

    @Test func policyLimitsPlanAndJudgeARolloutWithoutOptions() async throws {
        let (setup, router) = try await RolloutAPITests.setup(policy: Self.policy, hostnames: Self.hostnames)
        let harness = setup.harness
        try await Application(router: router).test(.router) { client in
            let plan = try await Self.plan(client, setup)
            #expect(plan.waves.map(\.name) == ["dev canary", "dev tier 2 wave 1", "prod canary"])
            #expect(plan.waves.map(\.hosts.count) == [1, 2, 1])
            let started = try await RolloutAPITests.startRollout(client, setup)
            #expect(started.status == .created, "\(started.text)")
            let id = try started.json(RolloutView.self).id
            let stored = try #require(try await harness.storage.rollout(id: id))
            #expect(stored.settings.errorBudget == .count(0))
            #expect(stored.settings.errorBudgets == ["dev": .count(1)])
            // One of the 2-host dev wave fails: the policy's error budget lets the wave pass.
            try await Self.run(client, setup, failing: ["dev-2"])
            let status = try await RolloutAPITests.status(client, id, harness)
            #expect(status.state == "completed", "\(status.reason ?? "")")
            #expect(status.waves.map(\.state) == ["passed", "passed", "passed"])
            #expect(status.waves[1].verdict?.reasons.first == "1 of 2 hosts succeeded (error budget 1)")
        }
    }

    @Test func requestOptionsOverrideThePolicy() async throws {
        let (setup, router) = try await RolloutAPITests.setup(policy: Self.policy, hostnames: Self.hostnames)
        let harness = setup.harness
        try await Application(router: router).test(.router) { client in
            // A wave size or a disruption budget in the request wins over the policy's.
            for options in [#"{"maxConcurrency":1}"#, #"{"disruptionBudgets":{"web":1}}"#] {
                let plan = try await Self.plan(client, setup, options: options)
                #expect(plan.waves.map(\.hosts.count) == [1, 1, 1, 1], "\(options)")
            }
            let started = try await RolloutAPITests.startRollout(client, setup, options: #"{"errorBudget":0}"#)
            #expect(started.status == .created, "\(started.text)")
            let id = try started.json(RolloutView.self).id
            let stored = try #require(try await harness.storage.rollout(id: id))
            #expect(stored.settings.errorBudget == .count(0))
            #expect(stored.settings.errorBudgets.isEmpty)
            try await Self.run(client, setup, failing: ["dev-2"])
            let status = try await RolloutAPITests.status(client, id, harness)
            #expect(status.state == "rolled-back", "\(status.reason ?? "")")
            #expect(status.reason?.contains("the error budget allows 0") == true)
        }
    }

    @Test func planEstimatesFollowMeasuredDurations() async throws {
        let (setup, router) = try await RolloutAPITests.setup()
        let harness = setup.harness
        try await Application(router: router).test(.router) { client in
            func expectHostsTake(_ minutes: Int, _ plan: PlanAnswer) {
                #expect(!plan.waves.isEmpty)
                for wave in plan.waves {
                    for (host, start) in wave.hostStarts {
                        #expect(wave.estimatedEnd.timeIntervalSince(start) == TimeInterval(minutes * 60), "\(host)")
                    }
                }
            }
            // Nothing measured yet: the default.
            let first = try await Self.plan(client, setup)
            #expect(first.taskEstimate == TaskEstimate(minutes: 30, source: .default, measurements: 0))
            expectHostsTake(30, first)

            // Ten completed plans took 5, 10, … 50 minutes.
            let now = harness.clock.now()
            let agents = setup.agents.values.sorted { $0.hostID < $1.hostID }
            for index in 1...10 {
                let agent = agents[index % agents.count]
                let planID = "M-\(index)"
                _ = try await harness.storage.queuePlan(hostID: agent.hostID, planID: planID, actor: "test", now: now) {
                    _ in "signed"
                }
                let ended = Int64(now.timeIntervalSince1970) - 60
                let report = PlanReport(
                    planID: planID,
                    sequence: 1,
                    outcome: .completed,
                    steps: [
                        StepResult(
                            step: "apply",
                            startedAt: ended - Int64(index * 5 * 60),
                            endedAt: ended - 30,
                            outcome: .succeeded
                        ),
                        StepResult(step: "postcheck", startedAt: ended - 30, endedAt: ended, outcome: .succeeded),
                    ]
                )
                let stored = try await harness.storage.recordPlanReport(
                    hostID: agent.hostID,
                    agentID: agent.agentID,
                    planID: planID,
                    digest: "digest-\(index)",
                    outcome: "completed",
                    report: String(decoding: try JSONEncoder().encode(report), as: UTF8.self),
                    now: now
                )
                #expect(stored)
            }
            // The 90th percentile: 45 minutes per host.
            let measured = try await Self.plan(client, setup)
            #expect(measured.taskEstimate == TaskEstimate(minutes: 45, source: .measured, measurements: 10))
            expectHostsTake(45, measured)
            // The request's taskMinutes wins.
            let asked = try await Self.plan(client, setup, options: #"{"taskMinutes":20}"#)
            #expect(asked.taskEstimate == TaskEstimate(minutes: 20, source: .request, measurements: 0))
            expectHostsTake(20, asked)
        }
    }
}
