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

    public init(agents: [AgentView]) { self.agents = agents }
}
