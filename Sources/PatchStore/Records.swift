import FleetModel
import Foundation

/// A person who signs in to the dashboard or owns API tokens.
public struct UserRecord: Sendable, Hashable, Codable {
    /// Stable identifier.
    public var id: String
    /// Unique login name.
    public var username: String
    /// The password hash (bcrypt); never the password.
    public var passwordHash: String
    /// The role name (`admin`, `operator`, `viewer`).
    public var role: String
    /// When the user was created.
    public var createdAt: Date
    /// When the user was disabled (no sign-in, no session, no API token works); `nil` while enabled.
    public var disabledAt: Date?
    /// The password was set by someone else (first admin, a reset): the user must choose a new one
    /// before doing anything else.
    public var mustChangePassword: Bool

    /// Creates a user record.
    public init(
        id: String,
        username: String,
        passwordHash: String,
        role: String,
        createdAt: Date,
        disabledAt: Date? = nil,
        mustChangePassword: Bool = false
    ) {
        self.id = id
        self.username = username
        self.passwordHash = passwordHash
        self.role = role
        self.createdAt = createdAt
        self.disabledAt = disabledAt
        self.mustChangePassword = mustChangePassword
    }
}

/// A browser session, keyed by the SHA-256 of the cookie value.
public struct SessionRecord: Sendable, Hashable, Codable {
    /// Hex SHA-256 of the session cookie value.
    public var id: String
    /// The signed-in user.
    public var userID: String
    /// The token forms must echo back (CSRF protection).
    public var csrfToken: String
    /// When the session was created.
    public var createdAt: Date
    /// When the session ends.
    public var expiresAt: Date

    /// Creates a session record.
    public init(id: String, userID: String, csrfToken: String, createdAt: Date, expiresAt: Date) {
        self.id = id
        self.userID = userID
        self.csrfToken = csrfToken
        self.createdAt = createdAt
        self.expiresAt = expiresAt
    }
}

/// An API token for the CLI and automation; only the hash of its secret is stored.
public struct APITokenRecord: Sendable, Hashable, Codable {
    /// The public token id (the part before the secret).
    public var id: String
    /// The owning user.
    public var userID: String
    /// A label chosen by the owner.
    public var name: String
    /// Hex SHA-256 of the secret.
    public var secretHash: String
    /// When the token was created.
    public var createdAt: Date
    /// When it stops working, if ever.
    public var expiresAt: Date?
    /// Whether it was revoked.
    public var revoked: Bool
    /// The permissions the token carries (a subset of its owner's); `nil` for all of them.
    public var permissions: [String]?

    /// Creates a token record.
    public init(
        id: String,
        userID: String,
        name: String,
        secretHash: String,
        createdAt: Date,
        expiresAt: Date?,
        revoked: Bool = false,
        permissions: [String]? = nil
    ) {
        self.permissions = permissions
        self.id = id
        self.userID = userID
        self.name = name
        self.secretHash = secretHash
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.revoked = revoked
    }
}

/// A token that lets a limited number of agents enroll until it expires.
public struct EnrollmentTokenRecord: Sendable, Hashable, Codable {
    /// The public token id.
    public var id: String
    /// Hex SHA-256 of the secret.
    public var secretHash: String
    /// How many enrollments it allows.
    public var usesAllowed: Int
    /// How many it has been used for.
    public var usesConsumed: Int
    /// When it was created.
    public var createdAt: Date
    /// When it stops working.
    public var expiresAt: Date
    /// Who created it.
    public var createdBy: String
    /// For a re-enroll token: the one host it may re-enroll (an agent presenting that host's
    /// machine id takes the host over and the host's old agents are revoked). `nil`: new hosts only.
    public var hostID: String?

    /// Creates a token record.
    public init(
        id: String,
        secretHash: String,
        usesAllowed: Int,
        usesConsumed: Int = 0,
        createdAt: Date,
        expiresAt: Date,
        createdBy: String,
        hostID: String? = nil
    ) {
        self.hostID = hostID
        self.id = id
        self.secretHash = secretHash
        self.usesAllowed = usesAllowed
        self.usesConsumed = usesConsumed
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.createdBy = createdBy
    }

    /// `active`, `used` (no uses left) or `expired` (expired or revoked) at `now`.
    public func state(at now: Date) -> String {
        expiresAt <= now ? "expired" : usesConsumed >= usesAllowed ? "used" : "active"
    }
}

/// An enrolled agent: its public key and the host it reports for.
public struct AgentRecord: Sendable, Hashable, Codable {
    /// The agent id.
    public var id: String
    /// The host it reports for.
    public var hostID: String
    /// Base64 Ed25519 public key.
    public var publicKey: String
    /// When it enrolled.
    public var enrolledAt: Date
    /// When it was revoked, if it was.
    public var revokedAt: Date?
    /// The enrollment token it used.
    public var enrollmentTokenID: String

    /// Creates an agent record.
    public init(
        id: String,
        hostID: String,
        publicKey: String,
        enrolledAt: Date,
        revokedAt: Date?,
        enrollmentTokenID: String
    ) {
        self.id = id
        self.hostID = hostID
        self.publicKey = publicKey
        self.enrolledAt = enrolledAt
        self.revokedAt = revokedAt
        self.enrollmentTokenID = enrollmentTokenID
    }

    /// Whether the agent may still sign requests.
    public var isRevoked: Bool { revokedAt != nil }
}

/// A host as the server knows it.
public struct HostRecord: Sendable, Hashable, Codable {
    /// Stable identifier.
    public var id: String
    /// The latest facts reported.
    public var facts: HostFacts
    /// First enrollment.
    public var firstSeen: Date
    /// Last check-in.
    public var lastSeen: Date
    /// Fingerprint of the stored package list, if any was uploaded.
    public var inventoryFingerprint: String?
    /// Number of stored packages.
    public var packageCount: Int
    /// Labels set by operators (`role: db`, `team: payments`), used by policy groups.
    public var labels: [String: String]
    /// Tags set by operators, used by policy groups.
    public var tags: [String]
    /// The host whose machine id this host's agent claimed at enrollment without a re-enroll token
    /// for it: flagged as a duplicate rather than merged into that host.
    public var duplicateOf: String?

    /// Creates a host record.
    public init(
        id: String,
        facts: HostFacts,
        firstSeen: Date,
        lastSeen: Date,
        inventoryFingerprint: String?,
        packageCount: Int,
        labels: [String: String] = [:],
        tags: [String] = [],
        duplicateOf: String? = nil
    ) {
        self.duplicateOf = duplicateOf
        self.id = id
        self.facts = facts
        self.firstSeen = firstSeen
        self.lastSeen = lastSeen
        self.inventoryFingerprint = inventoryFingerprint
        self.packageCount = packageCount
        self.labels = labels
        self.tags = tags
    }
}

/// One change to a host's package list, kept as history.
public struct PackageChange: Sendable, Hashable, Codable {
    /// What happened.
    public enum Kind: String, Sendable, Hashable, Codable {
        case added, removed, changed
    }
    /// The host.
    public var hostID: String
    /// When the server recorded it.
    public var at: Date
    /// What happened.
    public var kind: Kind
    /// Binary package name.
    public var name: String
    /// Architecture.
    public var architecture: String
    /// Version before (nil when added).
    public var oldVersion: String?
    /// Version after (nil when removed).
    public var newVersion: String?
    /// State before.
    public var oldState: String?
    /// State after.
    public var newState: String?

    /// Creates a change record.
    public init(
        hostID: String,
        at: Date,
        kind: Kind,
        name: String,
        architecture: String,
        oldVersion: String?,
        newVersion: String?,
        oldState: String?,
        newState: String?
    ) {
        self.hostID = hostID
        self.at = at
        self.kind = kind
        self.name = name
        self.architecture = architecture
        self.oldVersion = oldVersion
        self.newVersion = newVersion
        self.oldState = oldState
        self.newState = newState
    }
}

/// An entry of the append-only event log.
public struct EventRecord: Sendable, Hashable, Codable {
    /// Sequence number (assigned by the store).
    public var id: Int64
    /// When it happened.
    public var at: Date
    /// Who did it (`user:alice`, `agent:…`, `system`).
    public var actor: String
    /// What was done (`agent.enrolled`, `inventory.updated`…).
    public var action: String
    /// What it was done to (`host:…`).
    public var target: String
    /// A JSON summary of the change.
    public var details: String

    /// Creates an event record.
    public init(id: Int64 = 0, at: Date, actor: String, action: String, target: String, details: String = "{}") {
        self.id = id
        self.at = at
        self.actor = actor
        self.action = action
        self.target = target
        self.details = details
    }
}

/// What a heartbeat returns from the store.
public struct HeartbeatRecord: Sendable, Hashable {
    /// The host's stored inventory fingerprint (`nil` before its first upload).
    public var inventoryFingerprint: String?

    /// Creates a record.
    public init(inventoryFingerprint: String?) {
        self.inventoryFingerprint = inventoryFingerprint
    }
}
