import Foundation

/// One event of the fleet's event log (`GET /api/v1/events`).
public struct EventView: Codable, Sendable {
    /// Sequence number.
    public var id: Int64
    public var at: Date
    /// Who did it (`user:alice`, `agent:…`, `system`).
    public var actor: String
    /// What was done (`agent.enrolled`, `inventory.updated`, `plan.reported`…).
    public var action: String
    /// What it was done to (`host:…`).
    public var target: String
    /// A JSON summary of the change, as text.
    public var details: String

    public init(id: Int64, at: Date, actor: String, action: String, target: String, details: String) {
        self.id = id
        self.at = at
        self.actor = actor
        self.action = action
        self.target = target
        self.details = details
    }
}

/// `GET /api/v1/events`: the newest events, newest first.
public struct EventList: Codable, Sendable {
    public var events: [EventView]

    public init(events: [EventView]) { self.events = events }
}
