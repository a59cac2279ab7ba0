import Foundation

/// One CAB member's decision on one version of a change's content.
public struct Approval: Sendable, Hashable, Codable {
    /// Approve or reject.
    public enum Decision: String, Sendable, Hashable, Codable {
        case approve, reject
    }

    /// The user id of the approver.
    public var userID: String
    /// Their login name.
    public var username: String
    /// What they decided.
    public var decision: Decision
    /// The content digest they decided on; an approval for another digest no longer counts.
    public var contentDigest: String
    /// Environments their vote counts for (those where they hold `changes.approve`).
    public var environments: [String]
    /// When.
    public var at: Date
    /// What they said.
    public var comment: String
    /// The elevation they acted under, if any.
    public var elevationID: String?
    /// Why the approval stopped counting although the content did not change (a host it covered
    /// moved to another environment or group); `nil` while it stands.
    public var voidedReason: String?

    /// Creates an approval.
    public init(
        userID: String,
        username: String,
        decision: Decision,
        contentDigest: String,
        environments: [String],
        at: Date,
        comment: String = "",
        elevationID: String? = nil
    ) {
        self.userID = userID
        self.username = username
        self.decision = decision
        self.contentDigest = contentDigest
        self.environments = environments
        self.at = at
        self.comment = comment
        self.elevationID = elevationID
    }
}
