import ChangeControl
import Foundation

/// A user account as the API shows it (`POST /api/v1/users` and each row of the user list): never
/// its password hash.
public struct UserView: Codable, Sendable {
    public var id: String
    public var username: String
    /// The user's global role.
    public var role: String
    /// Further roles, global or scoped to an environment or host group.
    public var grants: [RoleGrant]
    public var createdAt: Date

    public init(id: String, username: String, role: String, grants: [RoleGrant], createdAt: Date) {
        self.id = id
        self.username = username
        self.role = role
        self.grants = grants
        self.createdAt = createdAt
    }
}

/// `GET /api/v1/users`: every user.
public struct UserList: Codable, Sendable {
    public var users: [UserView]

    public init(users: [UserView]) { self.users = users }
}

/// `GET /api/v1/roles`: the built-in roles, then the custom ones.
public struct RoleList: Codable, Sendable {
    public var roles: [Role]

    public init(roles: [Role]) { self.roles = roles }
}
