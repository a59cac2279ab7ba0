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
        guard try await storage.host(id: hostID) != nil else { throw Problem.notFound("no host with id '\(hostID)'") }
        try draft.validate()
        let validity = draft.validForSeconds ?? 86400
        let now = Int64(clock.now().timeIntervalSince1970)
        let template = UpdatePlan(
            id: planID ?? "pln_" + BearerSecret.randomToken(bytes: 12),
            hostID: hostID,
            sequence: 0,
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
        let key = self.key
        // The sequence is allocated and the plan signed inside the store's write transaction, so
        // concurrent queues (a scheduler tick racing a start) never collide; a plan id chosen by
        // the caller (a rollout task's attempt) is queued once, a second call is a no-op.
        guard
            let sequence = try await storage.queuePlan(
                hostID: hostID,
                planID: template.id,
                actor: actor,
                now: clock.now(),
                sign: { sequence in
                    var plan = template
                    plan.sequence = sequence
                    let encoder = JSONEncoder()
                    encoder.outputFormatting = [.sortedKeys]
                    return String(decoding: try encoder.encode(try SignedPlan.sign(plan, key: key)), as: UTF8.self)
                }
            )
        else { return nil }
        var plan = template
        plan.sequence = sequence
        return plan
    }
}
