/// `GET /api/v1/me`: who the caller is and what it may do.
public struct MeView: Codable, Sendable {
    /// One role grant, with its scope (`*`, `env:prod`, `group:web`) and the elevation it came
    /// from, if any.
    public struct Grant: Codable, Sendable {
        public var role: String
        public var scope: String
        public var elevation: String?

        public init(role: String, scope: String, elevation: String?) {
            self.role = role
            self.scope = scope
            self.elevation = elevation
        }
    }

    public var username: String
    public var role: String
    public var permissions: [String]
    public var grants: [Grant]

    public init(username: String, role: String, permissions: [String], grants: [Grant]) {
        self.username = username
        self.role = role
        self.permissions = permissions
        self.grants = grants
    }
}
