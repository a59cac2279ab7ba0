import Foundation

/// A role given to a user, in a scope, possibly only until a time (just-in-time elevation).
public struct RoleGrant: Sendable, Hashable, Codable {
    /// The role's name.
    public var role: String
    /// Where it applies.
    public var scope: GrantScope
    /// When it stops counting, if ever.
    public var expiresAt: Date?
    /// The elevation that created it, when it is temporary.
    public var elevationID: String?
    /// Whether that elevation was taken by break-glass (no approver): such a grant has a ceiling —
    /// it never creates users, grants, roles or tokens (see ``Permission/isAboveBreakGlassCeiling``).
    public var breakGlass: Bool?

    /// Creates a grant.
    public init(
        role: String,
        scope: GrantScope = .global,
        expiresAt: Date? = nil,
        elevationID: String? = nil,
        breakGlass: Bool? = nil
    ) {
        self.breakGlass = breakGlass
        self.role = role
        self.scope = scope
        self.expiresAt = expiresAt
        self.elevationID = elevationID
    }

    /// Whether the grant still counts at `now`: an expired grant is void even if nobody revoked it.
    public func isActive(at now: Date) -> Bool { expiresAt.map { now < $0 } ?? true }
}
