import Foundation

/// Which audit events to list: each filter is an exact value, or a prefix when it ends in `*`
/// (`change.*`, `user:*`); times are a half-open range `[from, to)`. Newest first.
public struct AuditEventQuery: Sendable, Hashable {
    /// Who (`user:alice`, `agent:*`).
    public var actor: String?
    /// What (`change.approved`, `rollout.*`).
    public var action: String?
    /// To what (`change:CHG-3`, `host:*`).
    public var target: String?
    /// Events at or after this time.
    public var from: Date?
    /// Events before this time.
    public var to: Date?
    /// Page size, 0…1000.
    public var limit = 100
    /// Events skipped (newest first).
    public var offset = 0

    /// Creates a query for every event, newest first.
    public init() {}
}
