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
    /// Host tasks, one page of them (`GET /api/v1/rollouts/{id}`; absent from lists).
    public var tasks: [HostTask]?
    /// Host tasks matching the page's filter, in all (with `tasks`).
    public var tasksTotal: Int?
    /// Tasks skipped before this page (with `tasks`).
    public var tasksOffset: Int?
    /// The page size (with `tasks`).
    public var tasksLimit: Int?
    public var rollbackTasks: [HostTask]
    public var unschedulable: [RolloutPlan.Unschedulable]
    /// Host names of the hosts the answer names (its tasks, rollback tasks and unschedulable hosts).
    public var hostnames: [String: String]

    /// Which host tasks a view includes: those in `state` (all, without it), `limit` of them after
    /// the first `offset`, in the plan's order.
    public struct TaskPage: Sendable, Hashable {
        public var state: HostTask.State?
        public var offset: Int
        public var limit: Int

        public init(state: HostTask.State? = nil, offset: Int = 0, limit: Int = 1000) {
            self.state = state
            self.offset = offset
            self.limit = limit
        }
    }

    /// The view of `rollout`, with one page of its host tasks when `taskPage` is given.
    public init(_ rollout: Rollout, taskPage: TaskPage? = nil) {
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
        rollbackTasks = rollout.rollbackTasks
        unschedulable = rollout.plan.unschedulable
        var named = Set(rollout.rollbackTasks.map(\.hostID))
        if let page = taskPage {
            let matching = page.state.map { state in rollout.tasks.filter { $0.state == state } } ?? rollout.tasks
            let start = min(max(0, page.offset), matching.count)
            let end = start + min(max(0, page.limit), matching.count - start)
            let shown = Array(matching[start..<end])
            tasks = shown
            tasksTotal = matching.count
            tasksOffset = start
            tasksLimit = page.limit
            named.formUnion(shown.map(\.hostID))
        }
        named.formUnion(rollout.plan.unschedulable.map(\.hostID))
        let all = rollout.hostnames
        hostnames = Dictionary(uniqueKeysWithValues: named.compactMap { id in all[id].map { (id, $0) } })
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
