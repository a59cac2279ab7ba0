import Foundation

/// The planned waves of a rollout, environment by environment, and the hosts that cannot be
/// scheduled.
public struct RolloutPlan: Sendable, Hashable, Codable {
    /// One wave: hosts patched together.
    public struct Wave: Sendable, Hashable, Codable {
        /// Canary or a tier wave.
        public enum Kind: String, Sendable, Hashable, Codable {
            case canary, tier
        }

        /// Position in the whole rollout (0-based).
        public var index: Int
        /// Environment.
        public var environment: String
        /// Canary or tier.
        public var kind: Kind
        /// The tier of a tier wave (`nil`: hosts without a tier, or the canary).
        public var tier: Int?
        /// A name for people (`prod canary`, `prod tier 1 wave 2`).
        public var name: String
        /// Host ids.
        public var hosts: [String]
        /// Services touched (for the disruption-budget and dependency checks).
        public var services: [String]
        /// The earliest instant a host of the wave can start (its first window opening after the
        /// previous wave's estimated end).
        public var earliestStart: Date
        /// When the last host is expected to be done.
        public var estimatedEnd: Date
        /// Each host's planned start (inside its window).
        public var hostStarts: [String: Date]

        /// Creates a wave.
        public init(
            index: Int,
            environment: String,
            kind: Kind,
            tier: Int?,
            name: String,
            hosts: [String],
            services: [String],
            earliestStart: Date,
            estimatedEnd: Date,
            hostStarts: [String: Date]
        ) {
            self.index = index
            self.environment = environment
            self.kind = kind
            self.tier = tier
            self.name = name
            self.hosts = hosts
            self.services = services
            self.earliestStart = earliestStart
            self.estimatedEnd = estimatedEnd
            self.hostStarts = hostStarts
        }
    }

    /// One environment's waves.
    public struct Stage: Sendable, Hashable, Codable {
        /// Environment.
        public var environment: String
        /// Its waves, canary first.
        public var waves: [Wave]

        /// Creates a stage.
        public init(environment: String, waves: [Wave]) {
            self.environment = environment
            self.waves = waves
        }
    }

    /// A host left out, and why.
    public struct Unschedulable: Sendable, Hashable, Codable {
        /// Host id.
        public var hostID: String
        /// Hostname.
        public var hostname: String
        /// Why (`no maintenance window`, `no window fits a 30-minute task before the cutoff…`).
        public var reason: String
    }

    /// The change.
    public var changeID: String
    /// Environments in order.
    public var stages: [Stage]
    /// Hosts that cannot be scheduled (reported before the rollout starts).
    public var unschedulable: [Unschedulable]
    /// Hostnames of the planned hosts, by id.
    public var hostnames: [String: String]
    /// The maintenance schedule key of each planned host (absent when windows are ignored).
    public var hostSchedules: [String: String] = [:]

    /// Creates a plan.
    public init(
        changeID: String,
        stages: [Stage],
        unschedulable: [Unschedulable],
        hostnames: [String: String] = [:],
        hostSchedules: [String: String] = [:]
    ) {
        self.changeID = changeID
        self.stages = stages
        self.unschedulable = unschedulable
        self.hostnames = hostnames
        self.hostSchedules = hostSchedules
    }

    /// Every wave in order.
    public var waves: [Wave] { stages.flatMap(\.waves) }

    /// Who goes where, without the time estimates (which move with the clock): one line per
    /// wave with its environment, kind, name and hosts in order, and one with the unschedulable hosts.
    /// Two plans with the same text roll out the same hosts in the same waves, so a reviewed
    /// plan can be pinned by its hash.
    public var assignmentText: String {
        var lines = ["change \(changeID)"]
        for wave in waves {
            lines.append(
                "wave \(wave.index) \(wave.environment) \(wave.kind.rawValue) \(wave.name): \(wave.hosts.joined(separator: ","))"
            )
        }
        // Reasons can name dates; which hosts are left out is what matters.
        lines.append("unschedulable \(unschedulable.map(\.hostID).sorted().joined(separator: ","))")
        return lines.joined(separator: "\n")
    }
}
