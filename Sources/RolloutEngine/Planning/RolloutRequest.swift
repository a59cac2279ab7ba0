import Foundation
import PatchPolicy

/// Everything the planner needs: the hosts of an approved change, the environments in order, the
/// services, the maintenance schedules, and the knobs.
public struct RolloutRequest: Sendable {
    /// Which services go first inside a tier.
    public enum ServiceOrder: String, Sendable, Hashable, Codable {
        /// A service's dependencies are patched before it (databases before the apps using them).
        case dependenciesFirst = "dependencies-first"
        /// A service is patched before what it depends on (clients first).
        case dependentsFirst = "dependents-first"
    }

    /// The change being rolled out.
    public var changeID: String
    /// Environments in promotion order (`dev`, `staging`, `prod`); hosts in others are planned
    /// after these, in name order.
    public var environments: [String]
    /// Hosts.
    public var hosts: [RolloutHost]
    /// Services with dependencies and disruption budgets.
    public var services: [RolloutService]
    /// Canary size per environment (number or share; at least one host per OS release and service).
    public var canary: Budget
    /// Most hosts in one wave.
    public var maxConcurrency: Budget
    /// Canary size of particular environments, instead of ``canary`` (the policy's, by environment).
    public var canaryByEnvironment: [String: Budget]
    /// Most hosts in one wave of particular environments, instead of ``maxConcurrency``.
    public var maxConcurrencyByEnvironment: [String: Budget]
    /// Service order inside a tier.
    public var serviceOrder: ServiceOrder
    /// Wait after an environment passed before the next starts.
    public var bakeTime: TimeInterval
    /// How long one host's task is expected to take: it must fit in the host's window before the cutoff.
    public var taskDuration: TimeInterval
    /// Maintenance schedules by key (``RolloutHost/scheduleKey``).
    public var schedules: [String: MaintenanceSchedule]
    /// Run outside windows (an emergency change with a stated reason).
    public var ignoreWindows: Bool
    /// Do not plan anything before this instant.
    public var notBefore: Date

    /// Creates a request.
    public init(
        changeID: String,
        environments: [String],
        hosts: [RolloutHost],
        services: [RolloutService] = [],
        canary: Budget = .count(1),
        maxConcurrency: Budget = .percent(25),
        canaryByEnvironment: [String: Budget] = [:],
        maxConcurrencyByEnvironment: [String: Budget] = [:],
        serviceOrder: ServiceOrder = .dependenciesFirst,
        bakeTime: TimeInterval = 0,
        taskDuration: TimeInterval = 1800,
        schedules: [String: MaintenanceSchedule] = [:],
        ignoreWindows: Bool = false,
        notBefore: Date
    ) {
        self.changeID = changeID
        self.environments = environments
        self.hosts = hosts
        self.services = services
        self.canary = canary
        self.maxConcurrency = maxConcurrency
        self.canaryByEnvironment = canaryByEnvironment
        self.maxConcurrencyByEnvironment = maxConcurrencyByEnvironment
        self.serviceOrder = serviceOrder
        self.bakeTime = bakeTime
        self.taskDuration = taskDuration
        self.schedules = schedules
        self.ignoreWindows = ignoreWindows
        self.notBefore = notBefore
    }

    /// The canary size in `environment`.
    public func canary(in environment: String) -> Budget { canaryByEnvironment[environment] ?? canary }

    /// The most hosts in one wave in `environment`.
    public func maxConcurrency(in environment: String) -> Budget {
        maxConcurrencyByEnvironment[environment] ?? maxConcurrency
    }
}
