import AgentProtocol
import Crypto
import Foundation
import Hummingbird
import HummingbirdTesting
import PatchAPI
import PatchStore
import Testing

@testable import PatchServer

/// Plans queued concurrently for one host: the store allocates each sequence inside the write
/// that stores the plan, so nobody collides (the old read-then-insert answered 409 under a race),
/// and a rollout task's attempt is queued once however often it is asked.
@Suite struct PlanQueueTests {
    @Test func concurrentQueuesGetDistinctSequencesAndAnAttemptIsQueuedOnce() async throws {
        let harness = try await Harness.make()
        let token = try await harness.enrollmentToken()
        let agent = try await harness.application().test(.router) { client in
            var agent = TestAgent(hostname: "db-1")
            try await client.enroll(&agent, token: token)
            return agent
        }
        let key = Curve25519.Signing.PrivateKey()
        let queue = PlanQueue(storage: harness.storage, clock: harness.clock, key: key)
        let draft = PlanDraft(packages: [PlanPackage(name: "curl", version: "7.88.1-10+deb12u5", action: .upgrade)])
        let hostID = agent.hostID
        let plans = try await withThrowingTaskGroup(of: UpdatePlan?.self) { group in
            for index in 0..<24 {
                group.addTask {
                    // Half of the callers ask for the same attempt id.
                    try await queue.queue(
                        hostID: hostID,
                        draft: draft,
                        actor: "test",
                        planID: index.isMultiple(of: 2) ? "pln_attempt" : nil
                    )
                }
            }
            var plans: [UpdatePlan] = []
            for try await plan in group { if let plan { plans.append(plan) } }
            return plans
        }
        #expect(plans.count == 13)
        #expect(plans.filter { $0.id == "pln_attempt" }.count == 1)
        #expect(Set(plans.map(\.sequence)) == Set(1...13))
        // Every stored plan is signed with the sequence it was stored under.
        for plan in plans {
            #expect(try await harness.storage.planExists(id: plan.id))
        }
        let stored = try await harness.storage.pendingPlan(hostID: hostID, now: harness.clock.now())
        let newest = try JSONDecoder().decode(SignedPlan.self, from: Data(try #require(stored).utf8))
        var verifier = PlanVerifier(pinnedKey: key.publicKey, hostID: hostID, lastSequence: 12)
        #expect(try verifier.accept(newest, now: Int64(harness.clock.now().timeIntervalSince1970)).sequence == 13)
    }
}
