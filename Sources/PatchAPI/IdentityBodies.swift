/// `POST /api/v1/users`.
public struct CreateUserRequest: APIRequestBody, Hashable {
    public var username: String
    public var password: String
    public var role: String
    /// The user must choose their own password at their first sign-in (default false).
    public var mustChangePassword: Bool?

    public func validate() throws {
        try TextField.check(username, "username", max: 64)
        try TextField.check(role, "role", max: 64)
        try TextField.checkLength(password, "password", max: 1024)
    }
}

/// `POST /api/v1/users/{name}/grants` and `…/grants/revoke`.
public struct GrantRequest: APIRequestBody, Hashable {
    public var role: String
    public var scope: String?

    public func validate() throws {
        try TextField.check(role, "role", max: 64)
        try TextField.checkLength(scope, "scope", max: 200)
    }
}

/// `PUT /api/v1/roles/{name}`.
public struct RoleRequest: APIRequestBody, Hashable {
    public var permissions: [String]
    public var summary: String?

    public func validate() throws {
        try InputBounds.count(permissions.count, "permissions", atMost: 100)
        for (index, permission) in permissions.enumerated() {
            try TextField.check(permission, "permissions[\(index)]", max: 64)
        }
        try TextField.checkLength(summary, "summary", max: 2000)
    }
}

/// `POST /api/v1/elevations`.
public struct ElevationRequest: APIRequestBody, Hashable {
    public var role: String
    public var scope: String?
    public var durationMinutes: Int
    public var reason: String
    public var breakGlass: Bool?

    /// The longest elevation, in minutes (24 hours).
    public static let maximumMinutes = 24 * 60

    public func validate() throws {
        try TextField.check(role, "role", max: 64)
        try TextField.checkLength(scope, "scope", max: 200)
        try InputBounds.check(durationMinutes, "durationMinutes", in: 1...Self.maximumMinutes)
        try TextField.checkLength(reason, "reason", max: 4000)
    }
}

/// `POST /api/v1/tokens`.
public struct APITokenRequest: APIRequestBody, Hashable {
    public var name: String
    public var expiresInSeconds: Int?
    /// A subset of the caller's permissions; the caller's when absent.
    public var permissions: [String]?

    /// The longest lifetime of an API token: 366 days.
    public static let maximumSeconds = 366 * 86400

    public init(name: String, expiresInSeconds: Int? = nil, permissions: [String]? = nil) {
        self.name = name
        self.expiresInSeconds = expiresInSeconds
        self.permissions = permissions
    }

    public func validate() throws {
        try TextField.check(name, "name", max: 128)
        if let expiresInSeconds {
            try InputBounds.check(expiresInSeconds, "expiresInSeconds", in: 60...Self.maximumSeconds)
        }
        try InputBounds.count(permissions?.count ?? 0, "permissions", atMost: 100)
    }
}

/// `POST /api/v1/enrollment-tokens`.
public struct EnrollmentTokenRequest: APIRequestBody, Hashable {
    public var uses: Int?
    public var expiresInSeconds: Int?
    /// Makes a re-enroll token: only an agent presenting this host's machine id may use it, and it
    /// takes the host over (the host's old agents are revoked).
    public var host: String?

    public init(uses: Int? = nil, expiresInSeconds: Int? = nil, host: String? = nil) {
        self.uses = uses
        self.expiresInSeconds = expiresInSeconds
        self.host = host
    }

    public func validate() throws {
        let uses = try InputBounds.check(uses, "uses", in: 1...1_000_000, default: 1)
        let lifetime = try InputBounds.check(
            expiresInSeconds,
            "expiresInSeconds",
            in: 1...(366 * 86400),
            default: 86400
        )
        if let host {
            try TextField.check(host, "host", max: 64)
            guard uses == 1, lifetime <= 7 * 86400 else {
                throw APIInputError(field: "host", "makes a re-enroll token: 1 use and at most 7 days (604800 s)")
            }
        }
    }
}

/// `POST /api/v1/me/password`: the caller's current password and the new one.
public struct PasswordChangeRequest: APIRequestBody, Hashable {
    public var currentPassword: String
    public var newPassword: String

    public init(currentPassword: String, newPassword: String) {
        self.currentPassword = currentPassword
        self.newPassword = newPassword
    }

    public func validate() throws {
        try TextField.checkLength(currentPassword, "currentPassword", max: 1024)
        try TextField.checkLength(newPassword, "newPassword", max: 1024)
    }
}
