import AgentProtocol
import ChangeControl
import Foundation
import HTTPTypes
import Logging
import PatchAPI
import PatchPolicy
import PatchStore
import RolloutEngine
import ServiceLifecycle

/// The scheduler tick: claim rollouts under tick leases, apply reports, move on, queue plans,
/// announce through the outbox.
extension RolloutOrchestrator {
    /// Runs one scheduler tick over every rollout that is running or rolling back (or has reports
    /// to apply) and whose tick lease this replica holds or can claim: several replicas share the
    /// rollouts, one ticking each at a time, and a rollout whose replica died or stalled is taken
    /// over when its lease lapses.
    public func tickAll() async {
        do {
            let now = clock.now()
            let claims = try await storage.claimRolloutTicks(
                owner: replicaID,
                now: now,
                until: now.addingTimeInterval(tickLease),
                only: nil
            )
            for claim in claims { await tickLogged(claim) }
        } catch {
            logger.error("cannot claim rollouts", metadata: ["pp.error": .string("\(error)")])
        }
    }

    /// Ticks one rollout at once (it started, or was resumed) when its tick lease is free or ours;
    /// otherwise the replica holding it ticks it within its interval.
    func tickNow(rolloutID: String) async throws {
        let now = clock.now()
        for claim in try await storage.claimRolloutTicks(
            owner: replicaID,
            now: now,
            until: now.addingTimeInterval(tickLease),
            only: rolloutID
        ) {
            do {
                try await holding(claim) { try await tick(rolloutID: rolloutID, fence: claim) }
            } catch let error as StoreError where error.code == .fenced {
                // Another replica claimed it meanwhile; it ticks it.
            }
        }
    }

    /// Runs `body` while renewing the tick lease `claim` every third of its length, so a tick that
    /// takes longer than the lease (queueing plans for a large wave) keeps it instead of being
    /// taken over and fenced again and again. A renewal that finds the lease gone stops renewing;
    /// the tick's write is then refused by the fencing token.
    func holding<T: Sendable>(_ claim: LeaseGrant, _ body: () async throws -> T) async throws -> T {
        let storage = self.storage
        let clock = self.clock
        let owner = replicaID
        let lease = tickLease
        let renewal = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(max(0.2, lease / 3)))
                if Task.isCancelled { return }
                let now = clock.now()
                let renewed = try? await storage.claimRolloutTicks(
                    owner: owner,
                    now: now,
                    until: now.addingTimeInterval(lease),
                    only: claim.name
                )
                // Not ours any more (or the row is busy being written): stop.
                guard let grant = renewed?.first, grant.token == claim.token else { return }
            }
        }
        defer { renewal.cancel() }
        return try await body()
    }

    private func tickLogged(_ claim: LeaseGrant) async {
        do {
            try await holding(claim) { try await tick(rolloutID: claim.name, fence: claim) }
        } catch let error as StoreError where error.code == .fenced {
            // This replica stalled past its lease and another one ticked meanwhile: what this tick
            // read is stale, and its write was refused. Nothing to undo.
            logger.notice(
                "rollout tick lease taken over; tick dropped",
                metadata: ["pp.rollout": .string(claim.name), "pp.error": .string("\(error)")]
            )
        } catch {
            logger.error(
                "rollout tick failed",
                metadata: ["pp.rollout": .string(claim.name), "pp.error": .string("\(error)")]
            )
        }
    }

    /// One tick of one rollout under its tick lease `fence`: apply the reports that arrived, move
    /// on, queue plans, record events; the write is refused when the lease went to another replica.
    func tick(rolloutID: String, fence: LeaseGrant, attempt: Int = 1) async throws {
        guard let original = try await storage.rollout(id: rolloutID) else { return }
        var snapshot = original
        let now = clock.now()
        // Reports no tick applied yet (those that arrived while the server was down, too). A report
        // for an attempt this state has not leased yet waits: a tick whose write was fenced had
        // queued that plan, and the tick that leases the attempt queues the same plan id.
        let reports = try await storage.unappliedPlanReports(rolloutID: rolloutID).filter {
            !snapshot.isAhead(planID: $0.planID)
        }
        // Metric gates for a wave whose bake period ended.
        var gateVerdict: WaveVerdict?
        if snapshot.settings.metricGates, snapshot.waves.indices.contains(snapshot.currentWave),
            snapshot.waves[snapshot.currentWave].state == .baking,
            let until = snapshot.waves[snapshot.currentWave].bakeUntil, now >= until
        {
            gateVerdict = await metricVerdict(snapshot, wave: snapshot.currentWave, now: now)
        }
        let request = try await windowChecker(for: snapshot, now: now)
        // Compute the tick on a copy first: the plans it leases are queued before the new state is
        // stored, so a crash in between re-leases the same attempt (same plan id, queued once).
        var effects: [RolloutEffect] = []
        var refusals: [EventRecord] = []
        for report in reports {
            do {
                effects += try snapshot.report(
                    planID: report.planID,
                    outcome: Self.outcome(report.outcome),
                    reason: Self.reason(report.report)
                )
            } catch let error as RolloutEngineError {
                // A stale attempt (its lease ran out, say) or a plan of no task: recorded, not applied.
                refusals.append(
                    EventRecord(
                        at: now,
                        actor: "system",
                        action: "rollout.report_refused",
                        target: "rollout:\(rolloutID)",
                        details: try JSONResponse.text(["plan": report.planID, "reason": error.message])
                    )
                )
            }
        }
        effects += snapshot.tick(now: now, windowOpen: request, metrics: { _ in gateVerdict })
        guard !effects.isEmpty || !reports.isEmpty else { return }
        // A host whose earlier versions were never recorded cannot be rolled back by a plan: its
        // rollback fails at once instead of waiting for a lease to run out.
        let unqueued = try await carryOut(effects, rollout: snapshot)
        for planID in unqueued.impossibleRollbacks {
            effects +=
                (try? snapshot.report(
                    planID: planID,
                    outcome: .rollbackFailed,
                    reason: "no versions recorded before the change; roll back by hand"
                )) ?? []
            effects += snapshot.tick(now: now, windowOpen: request, metrics: { _ in gateVerdict })
        }
        // A host with nothing of the change to install is done: no plan, no agent round trip.
        for planID in unqueued.upToDate {
            effects +=
                (try? snapshot.report(
                    planID: planID,
                    outcome: .completed,
                    reason: "nothing of the change to install: the host is up to date"
                )) ?? []
        }
        // (The next tick moves on; leasing more here would leave those tasks without plans.)
        let next = snapshot
        let done = effects
        let refused = refusals
        var messages: [OutboxMessage] = []
        for effect in effects {
            switch effect {
            case .waveVerdict(let index, let verdict):
                messages += notifier.messages(
                    rollout: next,
                    event: "wave-verdict",
                    message:
                        "\(next.plan.waves[index].name): \(verdict.outcome.rawValue) — \(verdict.reasons.joined(separator: "; "))",
                    at: now
                )
            case .stateChanged(let state, let reason):
                messages += notifier.messages(
                    rollout: next,
                    event: state.rawValue,
                    message: "rollout \(next.id) is \(state.rawValue)\(reason.map { ": \($0)" } ?? "")",
                    at: now
                )
            default: break
            }
        }
        let outbox = messages
        let stored: Rollout
        do {
            stored = try await storage.updateRollout(
                id: rolloutID,
                applying: reports,
                fence: fence,
                outbox: outbox
            ) { rollout in
                // Optimistic: someone else (a command, another tick) changed it meanwhile → tick again.
                guard rollout == original else {
                    throw StoreError(code: .conflict, message: "rollout changed during the tick")
                }
                rollout = next
                return try refused + Self.events(done, rollout: next, now: now)
            }
        } catch let error as StoreError where error.code == .conflict && attempt < 3 {
            return try await tick(rolloutID: rolloutID, fence: fence, attempt: attempt + 1)
        }
        if !outbox.isEmpty { delivery.wake() }
        if stored.state.isFinished { try await finishChange(stored) }
    }
}
