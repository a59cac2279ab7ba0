/// `GET /api/v1/fleet/summary`: counts for the fleet overview.
public struct FleetSummaryView: Codable, Sendable {
    /// All hosts.
    public var hosts: Int
    /// Hosts seen within the online window.
    public var online: Int
    /// Hosts not seen within the online window.
    public var stale: Int
    /// Hosts that need a reboot.
    public var rebootPending: Int
    /// Hosts per OS (`id versionID`, such as `debian 12`).
    public var byOS: [String: Int]
    /// Active (not revoked) agents.
    public var activeAgents: Int
    /// Hosts by time since last seen: `<1h`, `1-24h`, `1-7d`, `>7d`.
    public var lastSeenBuckets: [String: Int]

    public init(
        hosts: Int,
        online: Int,
        stale: Int,
        rebootPending: Int,
        byOS: [String: Int],
        activeAgents: Int,
        lastSeenBuckets: [String: Int]
    ) {
        self.hosts = hosts
        self.online = online
        self.stale = stale
        self.rebootPending = rebootPending
        self.byOS = byOS
        self.activeAgents = activeAgents
        self.lastSeenBuckets = lastSeenBuckets
    }
}
