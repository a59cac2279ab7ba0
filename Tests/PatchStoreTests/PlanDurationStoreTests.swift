import Foundation
import PatchStore
import Testing

/// How long recent completed plans took, from the agents' stored reports.
@Suite struct PlanDurationStoreTests {
    /// A report as an agent sends it (the fields the query reads).
    static func report(_ planID: String, outcome: String, steps: [(start: Int64, end: Int64)]) -> String {
        let list = steps.enumerated().map { index, step in
            #"{"step":"s\#(index)","startedAt":\#(step.start),"endedAt":\#(step.end),"outcome":"succeeded","#
                + #""message":"","stdoutTail":"","stderrTail":"","versionsBefore":{},"versionsAfter":{}}"#
        }
        return
            #"{"planID":"\#(planID)","sequence":1,"outcome":"\#(outcome)","steps":[\#(list.joined(separator: ","))]}"#
    }

    @Test func durationsOfTheNewestCompletedPlansOnly() async throws {
        let fixture = try await StoreFixture.make()
        try await fixture.makeToken()
        let hostID = try await fixture.enrollHost(facts(hostname: "web-1"))
        let now = T.at(86_400)
        let seconds = Int64(now.timeIntervalSince1970)
        var planNumber = 0
        func store(outcome: String = "completed", steps: [(start: Int64, end: Int64)]) async throws {
            planNumber += 1
            let planID = "P-\(planNumber)"
            _ = try await fixture.store.queuePlan(hostID: hostID, planID: planID, actor: "test", now: now) { _ in "x" }
            let stored = try await fixture.store.recordPlanReport(
                hostID: hostID,
                agentID: "agt-mid-web-1",
                planID: planID,
                digest: "d\(planNumber)",
                outcome: outcome,
                report: Self.report(planID, outcome: outcome, steps: steps),
                now: now
            )
            #expect(stored)
        }
        // Oldest first: 600 s over three steps (first start to last end).
        try await store(steps: [
            (seconds - 700, seconds - 650), (seconds - 650, seconds - 300), (seconds - 300, seconds - 100),
        ])
        try await store(outcome: "rolled-back", steps: [(seconds - 5000, seconds - 100)])  // not completed
        try await store(outcome: "in-progress", steps: [(seconds - 4000, seconds - 100)])  // not final
        try await store(steps: [])  // nothing measured
        try await store(steps: [(0, 120)])  // no start time (the agent's 0 fallback)
        try await store(steps: [(1, 3)])  // in 1970, long before the report arrived
        try await store(steps: [(seconds - 100, seconds + 7200)])  // ends two hours after it arrived
        try await store(steps: [(seconds - 8 * 86_400, seconds - 10)])  // over a week
        try await store(steps: [(seconds - 200, seconds - 300)])  // ends before it starts
        try await store(steps: [(seconds - 1800, seconds - 60)])  // 1,740 s
        try await store(steps: [(seconds - 90, seconds - 30), (seconds - 30, seconds - 30)])  // 60 s
        let all = try await fixture.store.recentPlanDurations(limit: 500)
        #expect(all == [60, 1740, 600])
        // The newest `limit` completed reports, newest first (the rejected ones count as read).
        #expect(try await fixture.store.recentPlanDurations(limit: 1) == [60])
        #expect(try await fixture.store.recentPlanDurations(limit: 0).isEmpty)
        #expect(try await fixture.store.recentPlanDurations(limit: -3).isEmpty)
    }
}
