import AgentProtocol
import ChangeControl
import Foundation
import PatchAPI
import PatchPolicy
import PatchStore
import RolloutEngine

extension RolloutOrchestrator {
    // MARK: Plans for host tasks

    /// Which hosts may start now: inside a window of their schedule, with room for the task.
    /// Reads the policy's calendars once per tick; the hosts' schedules come from the plan.
    func windowChecker(for rollout: Rollout, now: Date) async throws -> (String) -> Bool {
        guard let change = try await storage.change(id: rollout.changeID) else { return { _ in false } }
        if Self.ignoresWindows(change) { return { _ in true } }
        let keys = rollout.plan.hostSchedules
        let schedules = Self.schedules(
            for: change,
            calendars: try await changes.policy()?.calendars ?? [],
            zones: Set(keys.values)
        )
        let duration = TimeInterval(((rollout.options ?? RolloutOptions()).taskMinutes ?? 30) * 60)
        var open: [String: Bool] = [:]
        for (key, schedule) in schedules {
            let fit = try schedule.nextFit(after: now, duration: duration)
            open[key] = fit.map { $0.changeStart <= now } ?? false
        }
        return { host in keys[host].flatMap { open[$0] } ?? false }
    }

    /// What ``carryOut(_:rollout:)`` could not queue.
    struct Unqueued: Sendable {
        /// Rollback plan ids of hosts whose earlier versions were never recorded.
        var impossibleRollbacks: [String] = []
        /// Task plan ids of hosts that have nothing of the change to install (already up to date).
        var upToDate: [String] = []
    }

    /// Queues the plans the effects ask for (idempotently, by plan id); returns what it did not
    /// queue: rollbacks without known earlier versions, and tasks with nothing to install.
    func carryOut(_ effects: [RolloutEffect], rollout: Rollout) async throws -> Unqueued {
        guard let change = try await storage.change(id: rollout.changeID) else { return Unqueued() }
        var unqueued = Unqueued()
        let options = rollout.options ?? RolloutOptions()
        // The policy and the KEV list, read once for every task this tick leases.
        var shared: UpdatesController.Context?
        for effect in effects {
            switch effect {
            case .leaseTask(let hostID, _, let planID):
                // Queued already by a tick whose state write was then fenced or failed: the plan id
                // names the attempt, so it is the same plan (and computing it again is the costly part).
                if try await storage.planExists(id: planID) { continue }
                if shared == nil { shared = try await changes.updates.context() }
                let packages = try await packages(for: change, hostID: hostID, context: shared)
                guard !packages.isEmpty else {
                    unqueued.upToDate.append(planID)
                    continue
                }
                var draft = PlanDraft(
                    packages: packages,
                    reboot: options.reboot ?? .ifRequired,
                    validForSeconds: max(60, Int(rollout.settings.leaseDuration))
                )
                draft.preChecks = options.preChecks
                draft.postChecks = [.installedVersionsMatchPlan] + (options.postChecks ?? [])
                _ = try await plans.queue(hostID: hostID, draft: draft, actor: "rollout:\(rollout.id)", planID: planID)
            case .rollBackHost(let hostID, _, let planID):
                if try await storage.planExists(id: planID) { continue }
                let before = try await versionsBefore(rollout: rollout, hostID: hostID)
                guard !before.isEmpty else {
                    unqueued.impossibleRollbacks.append(planID)
                    continue
                }
                var draft = PlanDraft(
                    packages: before.sorted { $0.key < $1.key }.map {
                        PlanPackage(name: $0.key, version: $0.value, action: .downgrade)
                    },
                    reboot: options.reboot ?? .ifRequired,
                    validForSeconds: max(60, Int(rollout.settings.leaseDuration))
                )
                draft.postChecks = [.installedVersionsMatchPlan]
                draft.rollback = RollbackRecipe(automatic: false)
                _ = try await plans.queue(hostID: hostID, draft: draft, actor: "rollout:\(rollout.id)", planID: planID)
            default: break
            }
        }
        return unqueued
    }

    /// The exact versions a host gets: the change's targets it has installed (or all its
    /// baseline-approved updates), as upgrades.
    func packages(
        for change: ChangeRequest,
        hostID: String,
        context: UpdatesController.Context? = nil
    ) async throws -> [PlanPackage] {
        var result: [PlanPackage] = []
        let targets = Dictionary(
            change.content.packages.map { ($0.name, $0.version) },
            uniquingKeysWith: { first, _ in first }
        )
        if let host = try await storage.host(id: hostID) {
            let rows = try await changes.updates.updates(for: host, context: context).updates
            for row in rows {
                if change.content.allApprovedByBaseline {
                    if row.decision == "approved" {
                        result.append(PlanPackage(name: row.package, version: row.fixedVersion, action: .upgrade))
                    }
                } else if let target = targets[row.package], target == nil {
                    result.append(PlanPackage(name: row.package, version: row.fixedVersion, action: .upgrade))
                }
            }
        }
        for (name, version) in targets {
            if let version, !result.contains(where: { $0.name == name }) {
                result.append(PlanPackage(name: name, version: version, action: .upgrade))
            }
        }
        return result.sorted { $0.name < $1.name }
    }

    /// The versions recorded before the host's task changed it (its plan report's `recordInstalled`).
    func versionsBefore(rollout: Rollout, hostID: String) async throws -> [String: String] {
        guard let planID = rollout.tasks.first(where: { $0.hostID == hostID })?.planID,
            let report = try await storage.planReports(planIDs: [planID])[planID],
            let decoded = try? JSONDecoder().decode(PlanReport.self, from: Data(report.report.utf8))
        else { return [:] }
        return decoded.steps.first { $0.step == "recordInstalled" }?.versionsBefore ?? [:]
    }
}
