import FleetModel
import Foundation
import PatchAPI
import PatchStore

// The wire types live in PatchAPI (shared with the CLI and the tests); here is how the server
// fills them from its records.

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

extension PackageChangeView {
    init(_ change: PackageChange) {
        self.init(
            hostID: change.hostID,
            at: change.at,
            kind: Kind(change.kind),
            name: change.name,
            architecture: change.architecture,
            oldVersion: change.oldVersion,
            newVersion: change.newVersion,
            oldState: change.oldState,
            newState: change.newState
        )
    }
}

extension PackageChangeView.Kind {
    init(_ kind: PackageChange.Kind) {
        switch kind {
        case .added: self = .added
        case .removed: self = .removed
        case .changed: self = .changed
        }
    }
}

extension EventView {
    init(_ event: EventRecord) {
        self.init(
            id: event.id,
            at: event.at,
            actor: event.actor,
            action: event.action,
            target: event.target,
            details: event.details
        )
    }
}

extension FleetSummaryView {
    init(_ summary: FleetSummary) {
        self.init(
            hosts: summary.hosts,
            online: summary.online,
            stale: summary.stale,
            rebootPending: summary.rebootPending,
            byOS: summary.byOS,
            activeAgents: summary.activeAgents,
            lastSeenBuckets: summary.lastSeenBuckets
        )
    }
}
