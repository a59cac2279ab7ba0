import Foundation

extension Rollout {
    /// Everything about a rollout except its plan (fixed once it starts) and its host tasks (kept
    /// one per row by a store): small, so a store rewrites it whenever the rollout moves.
    public struct Progress: Sendable, Hashable, Codable {
        /// Identifier (`RO-…`).
        public var id: String
        /// The change rolled out.
        public var changeID: String
        /// State.
        public var state: RolloutState
        /// Knobs.
        public var settings: Settings
        /// Progress per wave.
        public var waves: [WaveProgress]
        /// The wave being worked on.
        public var currentWave: Int
        /// The environment a person approved last.
        public var approvedEnvironment: String?
        /// Why it stopped, paused or failed.
        public var reason: String?
        /// Data its owner keeps with it.
        public var annotations: [String: String]
    }

    /// The rollout without its plan and tasks.
    public var progress: Progress {
        Progress(
            id: id,
            changeID: changeID,
            state: state,
            settings: settings,
            waves: waves,
            currentWave: currentWave,
            approvedEnvironment: approvedEnvironment,
            reason: reason,
            annotations: annotations
        )
    }

    /// Puts a stored rollout back together from its plan, its progress and its tasks (in the order
    /// ``tasks`` had: wave by wave, as the plan lists the hosts).
    /// - Throws: ``RolloutEngineError`` when the parts do not belong together.
    public init(plan: RolloutPlan, progress: Progress, tasks: [HostTask], rollbackTasks: [HostTask]) throws {
        self.init(id: progress.id, plan: plan, settings: progress.settings)
        guard progress.waves.count == waves.count else {
            throw RolloutEngineError(
                .invalid,
                field: "waves",
                "rollout \(progress.id) has progress for \(progress.waves.count) waves, its plan \(waves.count)"
            )
        }
        guard tasks.count == self.tasks.count,
            zip(tasks, self.tasks).allSatisfy({ $0.hostID == $1.hostID && $0.wave == $1.wave })
        else {
            throw RolloutEngineError(
                .invalid,
                field: "tasks",
                "rollout \(progress.id)'s \(tasks.count) stored tasks do not match its plan's \(self.tasks.count) hosts"
            )
        }
        self.changeID = progress.changeID
        self.state = progress.state
        self.waves = progress.waves
        self.currentWave = progress.currentWave
        self.approvedEnvironment = progress.approvedEnvironment
        self.reason = progress.reason
        self.annotations = progress.annotations
        self.tasks = tasks
        self.rollbackTasks = rollbackTasks
    }
}
