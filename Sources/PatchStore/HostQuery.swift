import Foundation

/// Filters, order and page for listing hosts.
public struct HostQuery: Sendable, Hashable {
    /// Sort keys for host lists.
    public enum SortKey: String, Sendable, Hashable, CaseIterable {
        case hostname, os
        case lastSeen = "last_seen"
        case packages, kernel
    }

    /// Substring of the host name (case-insensitive).
    public var search: String?
    /// `os-release` ID (`debian`, `ubuntu`…).
    public var osID: String?
    /// `os-release` VERSION_ID.
    public var osVersionID: String?
    /// Only hosts whose reboot flag has this value.
    public var rebootRequired: Bool?
    /// Only hosts seen at or after this time.
    public var seenSince: Date?
    /// Only hosts not seen since this time.
    public var notSeenSince: Date?
    /// Sort key.
    public var sort: SortKey = .hostname
    /// Descending order.
    public var descending = false
    /// Page size.
    public var limit = 50
    /// Rows to skip (with no ``after``).
    public var offset = 0
    /// Start after this host (keyset paging); its sort must be this query's.
    public var after: HostCursor?

    /// Creates an unfiltered query.
    public init() {}
}

/// A page of hosts and the total number matching the filters.
public struct HostPage: Sendable, Hashable {
    /// The hosts on this page.
    public var hosts: [HostRecord]
    /// How many hosts match in all.
    public var total: Int
    /// Where the next page starts; `nil` on the last page.
    public var next: HostCursor?

    /// Creates a page.
    public init(hosts: [HostRecord], total: Int, next: HostCursor? = nil) {
        self.hosts = hosts
        self.total = total
        self.next = next
    }
}

/// Counts for the fleet overview.
public struct FleetSummary: Sendable, Hashable, Codable {
    /// All hosts.
    public var hosts: Int
    /// Hosts seen within the online window.
    public var online: Int
    /// Hosts not seen within the online window.
    public var stale: Int
    /// Hosts that need a reboot.
    public var rebootPending: Int
    /// Hosts per OS (`PRETTY_NAME`-like label `id versionID`).
    public var byOS: [String: Int]
    /// Active (not revoked) agents.
    public var activeAgents: Int
    /// Hosts by time since last seen: `<1h`, `1-24h`, `1-7d`, `>7d`.
    public var lastSeenBuckets: [String: Int]

    /// Creates a summary.
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
