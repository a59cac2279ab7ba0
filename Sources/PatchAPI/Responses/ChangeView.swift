import ChangeControl

/// A change request as the API shows it (`GET /api/v1/changes/{id}` and every change answer): the
/// change with its approval tally, whether its review is overdue, its content digest and, when
/// asked for, its timeline.
public struct ChangeView: Codable, Sendable {
    public var change: ChangeRequest
    /// The digest approvals are bound to (an edit after approval voids them).
    public var contentDigest: String
    public var tally: ApprovalTally
    public var reviewOverdue: Bool
    public var timeline: [AuditEvent]?

    public init(
        change: ChangeRequest,
        contentDigest: String,
        tally: ApprovalTally,
        reviewOverdue: Bool,
        timeline: [AuditEvent]?
    ) {
        self.change = change
        self.contentDigest = contentDigest
        self.tally = tally
        self.reviewOverdue = reviewOverdue
        self.timeline = timeline
    }
}

/// `GET /api/v1/changes`: one page of change requests and how many match in all.
public struct ChangeList: Codable, Sendable {
    public var changes: [ChangeView]
    public var total: Int
    public var limit: Int
    public var offset: Int

    public init(changes: [ChangeView], total: Int, limit: Int, offset: Int) {
        self.changes = changes
        self.total = total
        self.limit = limit
        self.offset = offset
    }
}
