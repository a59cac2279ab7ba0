import Foundation

/// A lease held in the database: who holds `name` until when, with a fencing token that grows
/// every time the lease changes hands. A write made under a lease names the token it holds and
/// is refused (``StoreError/Code/fenced``) when the lease has since gone to someone else.
public struct LeaseGrant: Sendable, Hashable {
    /// What is leased (`leader`, a rollout id).
    public var name: String
    /// Who holds it (a replica id).
    public var owner: String
    /// The fencing token: strictly greater for every new holder.
    public var token: Int64
    /// When the lease lapses unless renewed.
    public var expiresAt: Date

    /// Creates a grant.
    public init(name: String, owner: String, token: Int64, expiresAt: Date) {
        self.name = name
        self.owner = owner
        self.token = token
        self.expiresAt = expiresAt
    }
}
