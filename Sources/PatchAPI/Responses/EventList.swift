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

/// `GET /api/v1/events`: a page of events, newest first, how many there are in all, and where the
/// next (older) page starts.
public struct EventList: Codable, Sendable {
    public var events: [EventView]
    /// Every event in the log.
    public var total: Int
    /// The page size.
    public var limit: Int
    /// Pass as `before` for the next, older page (the id of this page's oldest event); absent on
    /// the last page.
    public var nextBefore: Int64?

    public init(events: [EventView], total: Int, limit: Int, nextBefore: Int64? = nil) {
        self.events = events
        self.total = total
        self.limit = limit
        self.nextBefore = nextBefore
    }
}
