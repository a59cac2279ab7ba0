import Foundation

/// A request to change hosts: what, where, when, why, how risky, who decided, and what happened.
public struct ChangeRequest: Sendable, Hashable, Codable {
    /// A comment on the change.
    public struct Comment: Sendable, Hashable, Codable {
        /// Who wrote it.
        public var author: String
        /// When.
        public var at: Date
        /// What they wrote.
        public var text: String

        /// Creates a comment.
        public init(author: String, at: Date, text: String) {
            self.author = author
            self.at = at
            self.text = text
        }
    }

    /// The retrospective review an emergency change owes.
    public struct Review: Sendable, Hashable, Codable {
        /// Who reviewed it.
        public var reviewer: String
        /// When.
        public var at: Date
        /// Findings of the review.
        public var comment: String
    }

    /// Identifier (`CHG-42`).
    public var id: String
    /// One-line title.
    public var title: String
    /// Standard, normal or emergency.
    public var kind: ChangeKind
    /// Current state.
    public var state: ChangeState
    /// Requester's user id.
    public var requesterID: String
    /// Requester's login name.
    public var requester: String
    /// The template a standard change claims to fit.
    public var template: String?
    /// What, where, when, why and rollback.
    public var content: ChangeContent
    /// Bumped on every content edit.
    public var revision: Int
    /// What the change touches, as resolved at submission or the last edit.
    public var impact: ChangeImpact?
    /// Risk computed from the impact.
    public var risk: RiskAssessment?
    /// Every decision ever given, including those voided by later edits.
    public var approvals: [Approval]
    /// Comments.
    public var comments: [Comment]
    /// Why an emergency change cannot wait for the normal CAB.
    public var justification: String
    /// Why an emergency change runs outside its windows (required to do so).
    public var outsideWindowReason: String?
    /// When it is planned to start.
    public var plannedStart: Date?
    /// When an emergency change's retrospective review is due.
    public var reviewDueAt: Date?
    /// The retrospective review, once done.
    public var review: Review?
    /// Created.
    public var createdAt: Date
    /// Last changed.
    public var updatedAt: Date

    /// Creates a draft.
    public init(
        id: String,
        title: String,
        kind: ChangeKind,
        requesterID: String,
        requester: String,
        template: String? = nil,
        content: ChangeContent,
        justification: String = "",
        now: Date
    ) {
        self.id = id
        self.title = title
        self.kind = kind
        self.state = .draft
        self.requesterID = requesterID
        self.requester = requester
        self.template = template
        self.content = content
        self.revision = 1
        self.impact = nil
        self.risk = nil
        self.approvals = []
        self.comments = []
        self.justification = justification
        self.outsideWindowReason = nil
        self.plannedStart = nil
        self.reviewDueAt = nil
        self.review = nil
        self.createdAt = now
        self.updatedAt = now
    }

    /// Decisions that still count: those given to the current content.
    public var currentApprovals: [Approval] {
        let digest = content.digest
        return approvals.filter { $0.contentDigest == digest && $0.voidedReason == nil }
    }

    /// Whether an emergency change's review is overdue at `now`.
    public func isReviewOverdue(at now: Date) -> Bool {
        guard review == nil, let due = reviewDueAt else { return false }
        return now >= due
    }
}
