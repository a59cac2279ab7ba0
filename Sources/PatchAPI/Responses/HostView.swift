import FleetModel
import Foundation

/// One host as the API shows it (`GET /api/v1/hosts/{id}`, and each row of a host page).
public struct HostView: Codable, Sendable {
    public var id: String
    public var hostname: String
    /// `online` when the host checked in recently, else `stale`.
    public var state: String
    public var facts: HostFacts
    public var firstSeen: Date
    public var lastSeen: Date
    public var inventoryFingerprint: String?
    public var packageCount: Int
    public var labels: [String: String]
    public var tags: [String]
    /// Set when the host's agent enrolled with another host's machine id without a re-enroll token.
    public var duplicateOf: String?

    public init(
        id: String,
        hostname: String,
        state: String,
        facts: HostFacts,
        firstSeen: Date,
        lastSeen: Date,
        inventoryFingerprint: String?,
        packageCount: Int,
        labels: [String: String],
        tags: [String],
        duplicateOf: String?
    ) {
        self.id = id
        self.hostname = hostname
        self.state = state
        self.facts = facts
        self.firstSeen = firstSeen
        self.lastSeen = lastSeen
        self.inventoryFingerprint = inventoryFingerprint
        self.packageCount = packageCount
        self.labels = labels
        self.tags = tags
        self.duplicateOf = duplicateOf
    }
}

/// `GET /api/v1/hosts`: one page of hosts, how many match in all, and where the next page starts.
public struct HostPage: Codable, Sendable {
    public var hosts: [HostView]
    public var total: Int
    public var limit: Int
    public var offset: Int
    /// Pass as `cursor` for the next page (keyset paging); absent on the last page.
    public var nextCursor: String?

    public init(hosts: [HostView], total: Int, limit: Int, offset: Int, nextCursor: String? = nil) {
        self.hosts = hosts
        self.total = total
        self.limit = limit
        self.offset = offset
        self.nextCursor = nextCursor
    }
}
