import ChangeControl

/// `GET /api/v1/audit/events`: audit events with their chain hashes, oldest first.
public struct AuditEventList: Codable, Sendable {
    public var events: [AuditEvent]

    public init(events: [AuditEvent]) { self.events = events }
}

/// `GET /api/v1/audit/checkpoints`: the signed checkpoints of the audit chain's head.
public struct AuditCheckpointList: Codable, Sendable {
    public var checkpoints: [AuditCheckpoint]

    public init(checkpoints: [AuditCheckpoint]) { self.checkpoints = checkpoints }
}
