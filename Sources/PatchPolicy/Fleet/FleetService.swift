/// A named set of hosts that together provide something, and the services it depends on.
public struct FleetService: Sendable, Hashable {
    /// The service's name.
    public var name: String
    /// Groups whose members belong to the service.
    public var groups: [String]
    /// Host ids that belong to the service directly.
    public var hosts: [String]
    /// Names of services this one depends on (this → dependency: patch the dependency first).
    public var dependsOn: [String]
    /// At most this many (or this share) of its hosts in one rollout wave, in each environment
    /// (`2`, `25%`); `nil`: the rollout's default (one host).
    public var disruptionBudget: HostBudget?

    /// Creates a service.
    public init(
        name: String,
        groups: [String] = [],
        hosts: [String] = [],
        dependsOn: [String] = [],
        disruptionBudget: HostBudget? = nil
    ) {
        self.name = name
        self.groups = groups
        self.hosts = hosts
        self.dependsOn = dependsOn
        self.disruptionBudget = disruptionBudget
    }

    /// Whether the host belongs to the service, given the policy's groups by name.
    public func contains(_ host: HostDescription, groups known: [String: HostGroup]) -> Bool {
        if hosts.contains(host.id) { return true }
        return groups.contains { known[$0]?.contains(host) ?? false }
    }
}
