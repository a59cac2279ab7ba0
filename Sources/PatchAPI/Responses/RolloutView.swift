import Foundation
import RolloutEngine

/// A rollout as the API shows it (`GET /api/v1/rollouts/{id}` and every rollout answer): its state,
/// counts of host tasks per state, its waves and, when asked for, every host task.
public struct RolloutView: Codable, Sendable {
    /// One wave with its counts and verdict.
    public struct Wave: Codable, Sendable {
        public var index: Int
        public var name: String
        public var environment: String
        public var kind: String
        public var state: String
        public var hosts: Int
        public var counts: [String: Int]
        public var verdict: WaveVerdict?
        public var earliestStart: Date
    }

    public var id: String
    public var change: String
    public var state: String
    public var reason: String?
    public var currentWave: Int
    public var counts: [String: Int]
    public var waves: [Wave]
    /// Every host task (with `?tasks=true`).
    public var tasks: [HostTask]?
    public var rollbackTasks: [HostTask]
    public var unschedulable: [RolloutPlan.Unschedulable]
    public var hostnames: [String: String]

    /// The view of `rollout`, with its host tasks when `tasks` is set.
    public init(_ rollout: Rollout, tasks include: Bool) {
        id = rollout.id
        change = rollout.changeID
        state = rollout.state.rawValue
        reason = rollout.reason
        currentWave = rollout.currentWave
        counts = Dictionary(grouping: rollout.tasks, by: \.state.rawValue).mapValues(\.count)
        waves = rollout.plan.waves.map { wave in
            let range = rollout.taskIndices(ofWave: wave.index)
            return Wave(
                index: wave.index,
                name: wave.name,
                environment: wave.environment,
                kind: wave.kind.rawValue,
                state: rollout.waves[wave.index].state.rawValue,
                hosts: wave.hosts.count,
                counts: Dictionary(grouping: rollout.tasks[range], by: \.state.rawValue).mapValues(\.count),
                verdict: rollout.waves[wave.index].verdict,
                earliestStart: wave.earliestStart
            )
        }
        tasks = include ? rollout.tasks : nil
        rollbackTasks = rollout.rollbackTasks
        unschedulable = rollout.plan.unschedulable
        hostnames = rollout.hostnames
    }
}

/// `GET /api/v1/rollouts`: the rollouts, newest first.
public struct RolloutList: Codable, Sendable {
    public var rollouts: [RolloutView]
    /// Rollouts matching in all.
    public var total: Int
    /// The page size.
    public var limit: Int
    /// Rollouts skipped before this page.
    public var offset: Int

    public init(rollouts: [RolloutView], total: Int, limit: Int, offset: Int) {
        self.rollouts = rollouts
        self.total = total
        self.limit = limit
        self.offset = offset
    }
}
