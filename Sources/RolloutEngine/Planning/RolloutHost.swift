/// One host as the planner sees it: where it sits in the policy and which maintenance schedule
/// governs it.
public struct RolloutHost: Sendable, Hashable, Codable {
    /// Host id.
    public var id: String
    /// Hostname, for people.
    public var hostname: String
    /// Policy environment (`unassigned` when none).
    public var environment: String
    /// Risk tier rank (0 most critical … 3 least); `nil` when no group assigns one.
    public var tier: Int?
    /// Services the host is part of.
    public var services: [String]
    /// OS release (`debian 12`): the canary covers each one present.
    public var osRelease: String
    /// Key of the maintenance schedule that governs the host (see ``RolloutRequest/schedules``);
    /// `nil` when it has none.
    public var scheduleKey: String?

    /// Creates a host.
    public init(
        id: String,
        hostname: String,
        environment: String,
        tier: Int?,
        services: [String] = [],
        osRelease: String,
        scheduleKey: String?
    ) {
        self.id = id
        self.hostname = hostname
        self.environment = environment
        self.tier = tier
        self.services = services
        self.osRelease = osRelease
        self.scheduleKey = scheduleKey
    }

    /// Tier used for ordering: hosts without a tier go with the least critical.
    var orderingTier: Int { tier ?? Int.max }
}

/// A service with its dependencies and how many of its hosts may be down at once.
public struct RolloutService: Sendable, Hashable, Codable {
    /// Name.
    public var name: String
    /// Services it depends on.
    public var dependsOn: [String]
    /// At most this many (or this share) of its hosts in one wave (e.g. 1 of 3 database replicas).
    public var disruptionBudget: Budget

    /// Creates a service.
    public init(name: String, dependsOn: [String] = [], disruptionBudget: Budget = .count(1)) {
        self.name = name
        self.dependsOn = dependsOn
        self.disruptionBudget = disruptionBudget
    }
}
