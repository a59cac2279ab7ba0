import AgentProtocol
import Crypto
import Foundation
import PatchAPI
import PatchStore

/// Turns drafts into signed plans queued for a host.
public struct PlanQueue: Sendable {
    let storage: any PatchStorage
    let clock: any WallClock
    let key: Curve25519.Signing.PrivateKey

    /// Creates a queue.
    public init(storage: any PatchStorage, clock: any WallClock, key: Curve25519.Signing.PrivateKey) {
        self.storage = storage
        self.clock = clock
        self.key = key
    }

    /// Validates, signs and queues a plan for a host.
    public func queue(
        hostID: String,
        draft: PlanDraft,
        actor: String,
        planID: String? = nil
    ) async throws -> UpdatePlan? {
        // A plan id chosen by the caller (a rollout task's attempt) is queued once: a second call is a no-op.
        if let planID, try await storage.planExists(id: planID) { return nil }
        guard try await storage.host(id: hostID) != nil else { throw Problem.notFound("no host with id '\(hostID)'") }
        try draft.validate()
        let validity = draft.validForSeconds ?? 86400
        let now = Int64(clock.now().timeIntervalSince1970)
        for _ in 0..<3 {
            let sequence = try await storage.nextPlanSequence(hostID: hostID)
            let plan = UpdatePlan(
                id: planID ?? "pln_" + BearerSecret.randomToken(bytes: 12),
                hostID: hostID,
                sequence: sequence,
                issuedAt: now,
                expiresAt: now + Int64(validity),
                packages: draft.packages,
                preChecks: draft.preChecks ?? [],
                snapshotCommand: draft.snapshotCommand,
                postChecks: draft.postChecks ?? [.installedVersionsMatchPlan],
                reboot: draft.reboot ?? .ifRequired,
                timeBudgetSeconds: draft.timeBudgetSeconds ?? 3600,
                rollback: draft.rollback ?? RollbackRecipe(automatic: true)
            )
            let signed = try SignedPlan.sign(plan, key: key)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            do {
                try await storage.enqueuePlan(
                    hostID: hostID,
                    sequence: sequence,
                    planID: plan.id,
                    signedPlan: String(decoding: try encoder.encode(signed), as: UTF8.self),
                    actor: actor,
                    now: clock.now()
                )
                return plan
            } catch let error as StoreError where error.code == .conflict {
                // Another writer queued this very plan (the scheduler's tick and a start racing):
                // queueing is idempotent. Otherwise it took the sequence: sign again with the next one.
                if let planID, try await storage.planExists(id: planID) { return nil }
                continue
            }
        }
        throw Problem.conflict("could not allocate a plan sequence for host \(hostID); try again")
    }
}
