import Foundation

/// One enrolled agent (`GET /api/v1/hosts/{id}/agents`).
public struct AgentView: Codable, Sendable {
    public var id: String
    public var hostID: String
    public var enrolledAt: Date
    public var revokedAt: Date?
    public var revoked: Bool

    public init(id: String, hostID: String, enrolledAt: Date, revokedAt: Date?, revoked: Bool) {
        self.id = id
        self.hostID = hostID
        self.enrolledAt = enrolledAt
        self.revokedAt = revokedAt
        self.revoked = revoked
    }
}

/// A host's agents, current and revoked.
public struct AgentList: Codable, Sendable {
    public var agents: [AgentView]
    /// All agents (revoked ones included).
    public var total: Int
    /// The page size asked for.
    public var limit: Int
    /// Pass as `cursor` for the next page; absent on the last page.
    public var nextCursor: String?

    public init(agents: [AgentView], total: Int, limit: Int, nextCursor: String? = nil) {
        self.agents = agents
        self.total = total
        self.limit = limit
        self.nextCursor = nextCursor
    }
}
