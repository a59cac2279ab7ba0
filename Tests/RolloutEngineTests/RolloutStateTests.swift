import Foundation
import RolloutEngine
import Testing

@Suite struct RolloutStateTests {
    let start = Date(timeIntervalSince1970: 1_795_000_000)

    /// dev: canary + one wave of 2; prod: canary + one wave of 2 (no windows).
    func rollout(settings: Rollout.Settings = .init()) throws -> Rollout {
        let hosts = ["dev", "prod"].flatMap { env in
            (1...3).map {
                RolloutHost(
                    id: "\(env)\($0)",
                    hostname: "\(env)\($0)",
                    environment: env,
                    tier: 2,
                    osRelease: "debian 12",
                    scheduleKey: nil
                )
            }
        }
        let plan = try RolloutPlanner.plan(
            RolloutRequest(
                changeID: "CHG-1",
                environments: ["dev", "prod"],
                hosts: hosts,
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

    func finish(_ rollout: inout Rollout, _ planIDs: [String], _ outcome: HostTask.Outcome = .completed) throws {
        for planID in planIDs {
            _ = try rollout.report(
                planID: planID,
                outcome: outcome,
                reason: outcome == .completed ? nil : "probe failed"
            )
        }
    }

    @Test func cleanRolloutRunsEveryWaveInOrderAndCompletes() throws {
        var rollout = try rollout()
        #expect(rollout.plan.waves.map(\.hosts.count) == [1, 2, 1, 2])
        var now = start
        var order: [String] = []
        for _ in 0..<10 {
            let planIDs = leased(rollout.tick(now: now))
            order += planIDs
            try finish(&rollout, planIDs)
            now.addTimeInterval(60)
            if rollout.state == .completed { break }
        }
        _ = rollout.tick(now: now)
        #expect(rollout.state == .completed)
        #expect(order.count == 6)
        #expect(order.first == "RO-1-dev1-a1")
        #expect(rollout.tasks.allSatisfy { $0.state == .succeeded })
    }

    @Test func failingCanaryRollsBackAndNeverStartsLaterWaves() throws {
        var rollout = try rollout()
        let canary = leased(rollout.tick(now: start))
        #expect(canary == ["RO-1-dev1-a1"])
        // The agent ran the plan, the probe broke, and the agent already rolled back itself.
        try finish(&rollout, canary, .rolledBack)
        let effects = rollout.tick(now: start.addingTimeInterval(60))
        #expect(
            effects.contains { if case .waveVerdict(0, let verdict) = $0 { verdict.outcome == .fail } else { false } }
        )
        // Nothing changed on the host that is still to undo, so the rollback ends at once.
        #expect(!effects.contains { if case .rollBackHost = $0 { true } else { false } })
        #expect(rollout.state == .rolledBack)
        #expect(rollout.tasks.filter { $0.state == .skipped }.count == 5)
        #expect(rollout.reason?.contains("canary dev1 failed") == true)
    }

    @Test func exceededErrorBudgetRollsBackTheWaveHosts() throws {
        var rollout = try rollout(settings: .init(errorBudget: .count(0)))
        try finish(&rollout, leased(rollout.tick(now: start)))
        let wave = leased(rollout.tick(now: start.addingTimeInterval(60)))
        #expect(wave.count == 2)
        // One host fails and was left changed (rollback failed on the agent), the other succeeded.
        _ = try rollout.report(planID: wave[0], outcome: .rollbackFailed, reason: "postinst failed")
        _ = try rollout.report(planID: wave[1], outcome: .completed, reason: nil)
        let effects = rollout.tick(now: start.addingTimeInterval(120))
        #expect(rollout.state == .rollingBack)
        let rollbacks = effects.compactMap {
            if case .rollBackHost(let host, _, let planID) = $0 { (host, planID) } else { nil }
        }
        #expect(rollbacks.map(\.0).sorted() == ["dev2", "dev3"])
        for (_, planID) in rollbacks { _ = try rollout.report(planID: planID, outcome: .completed, reason: nil) }
        _ = rollout.tick(now: start.addingTimeInterval(180))
        #expect(rollout.state == .rolledBack)
        #expect(rollout.tasks.filter { $0.state == .rolledBack }.map(\.hostID).sorted() == ["dev2", "dev3"])
    }

    /// A 10% error budget on a 2-host wave tolerates no failure (it used to round up to one).
    @Test func percentageErrorBudgetDoesNotRoundUpOnASmallWave() throws {
        var rollout = try rollout(settings: .init(errorBudget: .percent(10)))
        try finish(&rollout, leased(rollout.tick(now: start)))
        let wave = leased(rollout.tick(now: start.addingTimeInterval(60)))
        #expect(wave.count == 2)
        _ = try rollout.report(planID: wave[0], outcome: .rolledBack, reason: "postcheck failed")
        _ = rollout.tick(now: start.addingTimeInterval(120))
        #expect(rollout.state == .rollingBack || rollout.state == .rolledBack)
        #expect(rollout.reason?.contains("the error budget allows 0") == true)
    }

    @Test func lateReportOfAnExpiredLeaseIsRefused() throws {
        var rollout = try rollout(settings: .init(errorBudget: .count(5), leaseDuration: 600))
        let canary = leased(rollout.tick(now: start))
        // The agent was paused past its lease: the task fails at expiry…
        let effects = rollout.tick(now: start.addingTimeInterval(601))
        #expect(effects.contains(.taskFinished(hostID: "dev1", wave: 0, state: .failed)))
        // …and its late report is refused.
        #expect(throws: RolloutEngineError.self) {
            _ = try rollout.report(planID: canary[0], outcome: .completed, reason: nil)
        }
        #expect(rollout.tasks[0].reason?.contains("no report before the lease ran out") == true)
    }

    @Test func staleAttemptIsFencedOut() throws {
        var task = HostTask(hostID: "h", wave: 0, notBefore: start)
        try task.lease(planID: "p-a1", until: start.addingTimeInterval(60))
        do {
            try task.report(attempt: 0, outcome: .completed, reason: nil)
            Issue.record("stale report accepted")
        } catch let error as RolloutEngineError {
            #expect(error.code == .staleAttempt)
        }
        try task.report(attempt: 1, outcome: .completed, reason: nil)
        #expect(task.state == .succeeded)
    }

    /// A tick whose state write was fenced (another replica took the tick over) had queued a plan;
    /// the agent reports it before the new owner leases that attempt. The report is "ahead": it
    /// waits rather than being refused, and applies once the same attempt is leased.
    @Test func reportOfAFencedTicksPlanWaitsUntilItsAttemptIsLeased() throws {
        let before = try rollout()
        var fenced = before
        let queued = leased(fenced.tick(now: start))
        #expect(queued == ["RO-1-dev1-a1"])
        #expect(before.isAhead(planID: queued[0]))
        #expect(!before.isAhead(planID: "RO-1-dev1-a0"))
        #expect(!before.isAhead(planID: "RO-9-dev1-a1"))
        #expect(!before.isAhead(planID: "garbage"))
        // The new owner ticks from the stored state and leases the same attempt and plan id.
        var owner = before
        #expect(leased(owner.tick(now: start.addingTimeInterval(1))) == queued)
        #expect(!owner.isAhead(planID: queued[0]))
        try finish(&owner, queued)
        #expect(owner.tasks[0].state == .succeeded)
    }

    @Test func nextEnvironmentWaitsForApprovalAndPauseResumeAbortWork() throws {
        var rollout = try rollout(settings: .init(approveEachEnvironment: true))
        var now = start
        for _ in 0..<4 {
            try finish(&rollout, leased(rollout.tick(now: now)))
            now.addTimeInterval(60)
        }
        _ = rollout.tick(now: now)
        #expect(rollout.state == .awaitingApproval)
        #expect(rollout.reason == "dev passed; prod waits for approval")
        #expect(throws: RolloutEngineError.self) { _ = try rollout.apply(.resume) }
        _ = try rollout.apply(.approveNextEnvironment)
        let prodCanary = leased(rollout.tick(now: now))
        #expect(prodCanary == ["RO-1-prod1-a1"])
        _ = try rollout.apply(.pause)
        #expect(leased(rollout.tick(now: now)).isEmpty)
        _ = try rollout.apply(.resume)
        _ = try rollout.apply(.abort, reason: "change window closed")
        #expect(rollout.state == .aborted)
        #expect(rollout.tasks.filter { $0.state == .skipped }.map(\.hostID).sorted() == ["prod2", "prod3"])
        #expect(throws: RolloutEngineError.self) { _ = try rollout.apply(.resume) }
    }

    @Test func bakePeriodAndMetricGateDecideTheWave() throws {
        var rollout = try rollout(settings: .init(waveBakeTime: 300, metricGates: true))
        try finish(&rollout, leased(rollout.tick(now: start)))
        let baking = rollout.tick(now: start.addingTimeInterval(10))
        #expect(baking.contains(.waveBaking(0, until: start.addingTimeInterval(310))))
        #expect(rollout.tick(now: start.addingTimeInterval(100)).isEmpty)
        let effects = rollout.tick(
            now: start.addingTimeInterval(310),
            metrics: { _ in
                WaveVerdict(.fail, ["critical metric error_rate failed"])
            }
        )
        #expect(
            effects.contains { if case .waveVerdict(0, let verdict) = $0 { verdict.outcome == .fail } else { false } }
        )
        #expect(rollout.state == .rollingBack)
    }

    @Test func inconclusiveMetricsPauseForAPersonWhoMayLetItPass() throws {
        var rollout = try rollout(settings: .init(waveBakeTime: 60, metricGates: true))
        try finish(&rollout, leased(rollout.tick(now: start)))
        _ = rollout.tick(now: start.addingTimeInterval(1))
        _ = rollout.tick(
            now: start.addingTimeInterval(61),
            metrics: { _ in WaveVerdict(.inconclusive, ["too few samples"]) }
        )
        #expect(rollout.state == .paused)
        _ = try rollout.apply(.resume)
        #expect(rollout.currentWave == 1)
        #expect(leased(rollout.tick(now: start.addingTimeInterval(62))).count == 2)
    }

    @Test func illegalCommandsAreRefusedWithTheirStates() throws {
        var rollout = try rollout()
        do {
            _ = try rollout.apply(.approveNextEnvironment)
            Issue.record("allowed")
        } catch let error as RolloutEngineError {
            #expect(
                error.message
                    == "cannot approve-next-environment a rollout that is running; allowed from: awaiting-approval"
            )
        }
    }
}
