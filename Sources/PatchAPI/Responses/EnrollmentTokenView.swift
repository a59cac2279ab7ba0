import Foundation

/// An enrollment token as listed (`GET /api/v1/enrollment-tokens`): never its secret.
public struct EnrollmentTokenView: Codable, Sendable, Hashable {
    public var id: String
    public var usesAllowed: Int
    public var usesConsumed: Int
    public var createdAt: Date
    public var expiresAt: Date
    /// Who created it (`user:alice`, `cli`).
    public var createdBy: String
    /// For a re-enroll token: the host it may re-enroll.
    public var host: String?
    /// `active`, `used` (no uses left) or `expired` (expired or revoked).
    public var state: String

    public init(
        id: String,
        usesAllowed: Int,
        usesConsumed: Int,
        createdAt: Date,
        expiresAt: Date,
        createdBy: String,
        host: String?,
        state: String
    ) {
        self.id = id
        self.usesAllowed = usesAllowed
        self.usesConsumed = usesConsumed
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.createdBy = createdBy
        self.host = host
        self.state = state
    }
}

/// `GET /api/v1/enrollment-tokens`: the newest tokens first.
public struct EnrollmentTokenList: Codable, Sendable {
    public var tokens: [EnrollmentTokenView]

    public init(tokens: [EnrollmentTokenView]) { self.tokens = tokens }
}
