/// What a change touches, resolved by the server from the policy and the fleet: the input to risk,
/// quorum and template checks.
public struct ChangeImpact: Sendable, Hashable, Codable {
    /// One environment the change reaches, with the host groups all its hosts there belong to.
    public struct EnvironmentReach: Sendable, Hashable, Codable {
        /// Environment name (`unassigned` for hosts outside every environment).
        public var environment: String
        /// Number of hosts.
        public var hosts: Int
        /// Host groups every one of these hosts is in (a group-scoped approver covers them).
        public var commonGroups: [String]

        /// Creates a reach.
        public init(environment: String, hosts: Int, commonGroups: [String] = []) {
            self.environment = environment
            self.hosts = hosts
            self.commonGroups = commonGroups
        }
    }

    /// Environments reached.
    public var environments: [EnvironmentReach]
    /// Number of hosts.
    public var hostCount: Int
    /// The most critical risk tier touched (0 most critical … 3 least); `nil` when no host has a tier.
    public var mostCriticalTier: Int?
    /// Services with hosts in the change.
    public var services: [String]
    /// The highest severity among what the change addresses (`critical`, `high`, `medium`, `low`, `unknown`).
    public var highestSeverity: String
    /// Whether it addresses a known-exploited vulnerability.
    public var addressesKnownExploited: Bool
    /// Whether every package update is approved by the hosts' baselines.
    public var baselineApproved: Bool

    /// Creates an impact.
    public init(
        environments: [EnvironmentReach],
        hostCount: Int,
        mostCriticalTier: Int? = nil,
        services: [String] = [],
        highestSeverity: String = "unknown",
        addressesKnownExploited: Bool = false,
        baselineApproved: Bool = false
    ) {
        self.environments = environments
        self.hostCount = hostCount
        self.mostCriticalTier = mostCriticalTier
        self.services = services
        self.highestSeverity = highestSeverity
        self.addressesKnownExploited = addressesKnownExploited
        self.baselineApproved = baselineApproved
    }
}
