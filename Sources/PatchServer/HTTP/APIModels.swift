import FleetModel
import Foundation
import PatchStore

struct MeDTO: Codable, Sendable {
    struct Grant: Codable, Sendable {
        var role: String
        var scope: String
        var elevation: String?
    }
    var username: String
    var role: String
    var permissions: [String]
    var grants: [Grant]
}

struct HostDTO: Codable, Sendable {
    var id: String
    var hostname: String
    var state: String
    var facts: HostFacts
    var firstSeen: Date
    var lastSeen: Date
    var inventoryFingerprint: String?
    var packageCount: Int
    var labels: [String: String]
    var tags: [String]
    /// Set when the host's agent enrolled with another host's machine id without a re-enroll token.
    var duplicateOf: String?

    init(_ host: HostRecord, onlineSince: Date) {
        id = host.id
        hostname = host.facts.hostname
        state = host.lastSeen >= onlineSince ? "online" : "stale"
        facts = host.facts
        firstSeen = host.firstSeen
        lastSeen = host.lastSeen
        inventoryFingerprint = host.inventoryFingerprint
        packageCount = host.packageCount
        labels = host.labels
        tags = host.tags
        duplicateOf = host.duplicateOf
    }
}

struct HostListDTO: Codable, Sendable {
    var hosts: [HostDTO]
    var total: Int
    var limit: Int
    var offset: Int
}

struct PackageListDTO: Codable, Sendable {
    var packages: [InstalledPackage]
    var total: Int
    var limit: Int
    var offset: Int
}

struct HistoryDTO: Codable, Sendable {
    var changes: [PackageChange]
    var limit: Int
    var offset: Int
}

struct AgentDTO: Codable, Sendable {
    var id: String
    var hostID: String
    var enrolledAt: Date
    var revokedAt: Date?
    var revoked: Bool

    init(_ agent: AgentRecord) {
        id = agent.id
        hostID = agent.hostID
        enrolledAt = agent.enrolledAt
        revokedAt = agent.revokedAt
        revoked = agent.isRevoked
    }
}

struct AgentListDTO: Codable, Sendable {
    var agents: [AgentDTO]
}

/// An API token as listed (never its secret).
struct APITokenDTO: Codable, Sendable {
    var id: String
    var user: String
    var name: String
    var createdAt: Date
    var expiresAt: Date?
    var revoked: Bool
    var expired: Bool
    var permissions: [String]?
}

struct SecretDTO: Codable, Sendable {
    var token: String
    var expiresAt: Date?
}

struct EventListDTO: Codable, Sendable {
    var events: [EventRecord]
}
