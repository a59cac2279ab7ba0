import Foundation
import RolloutEngine

/// An agent's final report of a rollout plan, stored when it arrived and applied to its rollout by
/// the scheduler's next tick (the report request does not wait for the rollout).
public struct StoredPlanReport: Sendable, Hashable {
    /// The plan reported on.
    public var planID: String
    /// The report body's digest (a plan's retries of one report share it).
    public var digest: String
    /// The reporting host.
    public var hostID: String
    /// The agent's outcome (`completed`, `refused`, `rolled-back`, …).
    public var outcome: String
    /// The report JSON.
    public var report: String
    /// When it arrived.
    public var receivedAt: Date

    /// Creates a stored report.
    public init(planID: String, digest: String, hostID: String, outcome: String, report: String, receivedAt: Date) {
        self.planID = planID
        self.digest = digest
        self.hostID = hostID
        self.outcome = outcome
        self.report = report
        self.receivedAt = receivedAt
    }
}

/// A page of rollouts, newest first, and how many match in all.
public struct RolloutPage: Sendable {
    /// The rollouts on this page.
    public var rollouts: [Rollout]
    /// Rollouts matching in all.
    public var total: Int

    /// Creates a page.
    public init(rollouts: [Rollout], total: Int) {
        self.rollouts = rollouts
        self.total = total
    }
}
