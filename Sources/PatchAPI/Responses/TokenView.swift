import Foundation

/// An API token as listed (`GET /api/v1/tokens`): never its secret.
public struct TokenView: Codable, Sendable {
    public var id: String
    public var user: String
    public var name: String
    public var createdAt: Date
    public var expiresAt: Date?
    public var revoked: Bool
    public var expired: Bool
    /// The token's own subset of its owner's permissions; `nil` means all of them.
    public var permissions: [String]?

    public init(
        id: String,
        user: String,
        name: String,
        createdAt: Date,
        expiresAt: Date?,
        revoked: Bool,
        expired: Bool,
        permissions: [String]?
    ) {
        self.id = id
        self.user = user
        self.name = name
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.revoked = revoked
        self.expired = expired
        self.permissions = permissions
    }
}

/// A secret handed out once (`POST /api/v1/tokens`, enrollment and re-enroll tokens): only its
/// hash is stored.
public struct IssuedSecret: Codable, Sendable {
    public var token: String
    public var expiresAt: Date?

    public init(token: String, expiresAt: Date?) {
        self.token = token
        self.expiresAt = expiresAt
    }
}

/// `GET /api/v1/tokens`: the caller's tokens (everyone's with `?all=true` for user administrators).
public struct TokenList: Codable, Sendable {
    public var tokens: [TokenView]

    public init(tokens: [TokenView]) { self.tokens = tokens }
}
