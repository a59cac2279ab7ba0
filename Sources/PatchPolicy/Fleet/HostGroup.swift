/// A named set of hosts, chosen by labels (all must match) and by a query (both must hold).
public struct HostGroup: Sendable, Hashable {
    /// The group's name.
    public var name: String
    /// Labels a member must carry with these values (empty: no label condition).
    public var matchLabels: [String: String]
    /// A further condition (``HostQuery/all`` when the group is defined by labels only).
    public var query: HostQuery
    /// The risk tier of the group's hosts, if the policy assigns one.
    public var tier: String?
    /// The environment of the group's hosts, if the policy assigns one.
    public var environment: String?

    /// Creates a group.
    public init(
        name: String,
        matchLabels: [String: String] = [:],
        query: HostQuery = .all,
        tier: String? = nil,
        environment: String? = nil
    ) {
        self.name = name
        self.matchLabels = matchLabels
        self.query = query
        self.tier = tier
        self.environment = environment
    }

    /// Whether the host belongs to the group.
    public func contains(_ host: HostDescription) -> Bool {
        for (key, value) in matchLabels where host.labels[key] != value { return false }
        return query.matches(host)
    }

    /// The members of the group among the hosts, in their given order.
    public func members(of hosts: [HostDescription]) -> [HostDescription] {
        hosts.filter(contains)
    }
}
