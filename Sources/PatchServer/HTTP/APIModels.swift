import FleetModel
import Foundation
import PatchAPI
import PatchStore

// The wire types live in PatchAPI (shared with the CLI and the tests); here is how the server
// fills them from its records, and the answers that carry store records as they are.

extension HostView {
    init(_ host: HostRecord, onlineSince: Date) {
        self.init(
            id: host.id,
            hostname: host.facts.hostname,
            state: host.lastSeen >= onlineSince ? "online" : "stale",
            facts: host.facts,
            firstSeen: host.firstSeen,
            lastSeen: host.lastSeen,
            inventoryFingerprint: host.inventoryFingerprint,
            packageCount: host.packageCount,
            labels: host.labels,
            tags: host.tags,
            duplicateOf: host.duplicateOf
        )
    }
}

extension AgentView {
    init(_ agent: AgentRecord) {
        self.init(
            id: agent.id,
            hostID: agent.hostID,
            enrolledAt: agent.enrolledAt,
            revokedAt: agent.revokedAt,
            revoked: agent.isRevoked
        )
    }
}

struct HistoryDTO: Codable, Sendable {
    var changes: [PackageChange]
    var limit: Int
    var offset: Int
}

struct EventListDTO: Codable, Sendable {
    var events: [EventRecord]
}
