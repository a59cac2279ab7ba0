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
    /// When the user was disabled; absent while enabled.
    public var disabledAt: Date?
    /// The user must choose a new password at their next sign-in.
    public var mustChangePassword: Bool

    public init(
        id: String,
        username: String,
        role: String,
        grants: [RoleGrant],
        createdAt: Date,
        disabledAt: Date? = nil,
        mustChangePassword: Bool = false
    ) {
        self.id = id
        self.username = username
        self.role = role
        self.grants = grants
        self.createdAt = createdAt
        self.disabledAt = disabledAt
        self.mustChangePassword = mustChangePassword
    }
}

/// `POST /api/v1/users/{name}/reset-password`: the new one-time password, shown once.
public struct PasswordReset: Codable, Sendable {
    public var password: String

    public init(password: String) { self.password = password }
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
