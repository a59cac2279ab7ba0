import ChangeControl
import Foundation
import HTTPTypes
import HummingbirdBcrypt
import Logging
import NIOConcurrencyHelpers
import NIOPosix
import PatchStore

/// Users, passwords, API tokens, sessions and enrollment tokens.
///
/// Used by the HTTP layer and by the admin CLI (which opens the same data directory).
public struct IdentityService: Sendable {
    let storage: any PatchStorage
    let clock: any WallClock
    let bcryptCost: UInt8
    let loginGate = LoginGate()
    /// Password checks per source address: 30 a minute, in bursts of 30 (bcrypt is costly; rotating
    /// names does not get around it).
    let loginSources = RateLimiter(perMinute: 30, burst: 30)

    /// Creates the service.
    public init(storage: any PatchStorage, clock: any WallClock, bcryptCost: UInt8) {
        self.storage = storage
        self.clock = clock
        self.bcryptCost = bcryptCost
    }

    /// Creates a user with a bcrypt-hashed password.
    @discardableResult
    public func createUser(
        username: String,
        password: String,
        role: String,
        actor: String,
        mustChangePassword: Bool = false
    ) async throws -> UserRecord {
        guard try await self.role(named: role) != nil else {
            throw Problem.badRequest("field 'role': unknown role '\(role)'")
        }
        guard Self.isValidUsername(username) else {
            throw Problem.badRequest("username '\(username)' must be 1-64 characters of a-z, 0-9, '.', '_', '-'")
        }
        try Self.checkPassword(password, field: "password")
        let hash = try await hashPassword(password)
        let user = UserRecord(
            id: BearerSecret.randomToken(bytes: 8),
            username: username,
            passwordHash: hash,
            role: role,
            createdAt: clock.now(),
            mustChangePassword: mustChangePassword
        )
        try await storage.createUser(user, actor: actor)
        return user
    }

    /// Refuses a password outside 12…72 bytes (bcrypt reads at most 72).
    static func checkPassword(_ password: String, field: String) throws {
        guard password.utf8.count >= 12, password.utf8.count <= 72 else {
            throw Problem.badRequest("field '\(field)': a password must be 12 to 72 bytes long")
        }
    }

    func hashPassword(_ password: String) async throws -> String {
        let cost = bcryptCost
        return try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: cost) }
    }

    /// Changes the caller's own password after checking the current one; ends their other sessions
    /// (`keepSession` stays signed in) and clears a pending must-change.
    public func changeOwnPassword(
        userID: String,
        current: String,
        new: String,
        keepSession: String?
    ) async throws {
        guard let user = try await storage.user(id: userID), user.disabledAt == nil else {
            throw Problem.notFound("no such user")
        }
        try Self.checkPassword(new, field: "newPassword")
        // Guessing the current password through this route is throttled like signing in: after
        // five wrong ones within 15 minutes, no password is checked until the oldest leaves.
        let now = clock.now()
        let source = "password-change"
        let failures = try await storage.loginFailures(
            username: user.username,
            source: source,
            since: now.addingTimeInterval(-Self.loginThrottleWindow)
        )
        if failures.count >= Self.loginThrottleLimit, let oldest = failures.first {
            let wait = max(
                1,
                Int(oldest.addingTimeInterval(Self.loginThrottleWindow).timeIntervalSince(now).rounded(.up))
            )
            throw Problem(
                .tooManyRequests,
                "too many wrong current passwords; try again in \(wait) s",
                headers: [.retryAfter: String(wait)]
            )
        }
        let hash = user.passwordHash
        let matches = try await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(current, hash: hash) }
        guard matches else {
            _ = try await storage.recordLoginFailure(
                username: user.username,
                source: source,
                at: now,
                forgetBefore: now.addingTimeInterval(-Self.loginThrottleWindow)
            )
            throw Problem.forbidden("field 'currentPassword': the current password is wrong")
        }
        if !failures.isEmpty { try await storage.clearLoginFailures(username: user.username, source: source) }
        guard current != new else {
            throw Problem.badRequest("field 'newPassword': choose a password different from the current one")
        }
        _ = try await storage.setPassword(
            userID: userID,
            passwordHash: try await hashPassword(new),
            mustChange: false,
            keepSession: keepSession,
            actor: "user:\(user.username)",
            now: clock.now()
        )
    }

    /// Sets a new generated one-time password for `user` (they must change it at their next
    /// sign-in), ends all their sessions and returns it — shown once to whoever reset it.
    public func resetPassword(of user: UserRecord, actor: String) async throws -> String {
        let password = BearerSecret.randomToken(bytes: 12)
        _ = try await storage.setPassword(
            userID: user.id,
            passwordHash: try await hashPassword(password),
            mustChange: true,
            keepSession: nil,
            actor: actor,
            now: clock.now()
        )
        return password
    }

    /// The user if the password matches; `nil` otherwise (also for unknown users, in similar time).
    public func verifyPassword(username: String, password: String) async throws -> UserRecord? {
        let user = try await storage.user(named: username)
        // Verify against a fixed hash when the user is unknown so timing does not reveal which names exist.
        let hash = user?.passwordHash ?? Self.decoyHash
        let matches = try await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(password, hash: hash) }
        return matches ? user : nil
    }

    /// A built-in or custom role.
    public func role(named name: String) async throws -> Role? {
        if let role = Role.builtIn(named: name) { return role }
        return try await storage.customRoles().first { $0.name == name }
    }

    /// How many failed logins within ``loginThrottleWindow`` lock a name out for the rest of it.
    public static let loginThrottleLimit = 5
    /// The sliding window for failed logins.
    public static let loginThrottleWindow: TimeInterval = 15 * 60

    /// The outcome of a login attempt.
    public enum LoginOutcome: Sendable {
        /// The password matched.
        case success(UserRecord)
        /// Wrong name or password.
        case failure
        /// Too many failures for this name: no password is checked until `until`.
        case throttled(until: Date)
    }

    /// Checks a password with throttling: after ``loginThrottleLimit`` failures for a name from one
    /// source address within ``loginThrottleWindow`` no password from that source is even checked
    /// until the oldest failure leaves the window. Counting per source keeps the lock-out from
    /// becoming a denial of service: guessing `admin`'s password from one address does not lock the
    /// real admin out elsewhere. Failures and lock-outs are audit events.
    public func login(username: String, password: String, source: String = "") async throws -> LoginOutcome {
        let now = clock.now()
        // One password check at a time per name and source: parallel guesses cannot outrun the
        // failure count (each would read it before any failure is written).
        if let wait = loginSources.admit(key: source, at: now) {
            return .throttled(until: now.addingTimeInterval(TimeInterval(wait)))
        }
        guard loginGate.enter(username: username, source: source) else {
            return .throttled(until: now.addingTimeInterval(1))
        }
        defer { loginGate.leave(username: username, source: source) }
        let failures = try await storage.loginFailures(
            username: username,
            source: source,
            since: now.addingTimeInterval(-Self.loginThrottleWindow)
        )
        if failures.count >= Self.loginThrottleLimit, let oldest = failures.first {
            let until = oldest.addingTimeInterval(Self.loginThrottleWindow)
            try await storage.appendEvent(
                EventRecord(
                    at: now,
                    actor: "anonymous",
                    action: "login.throttled",
                    target: "user:\(username)",
                    details: try JSONResponse.text([
                        "until": ISO8601DateFormatter().string(from: until), "source": source,
                    ])
                )
            )
            return .throttled(until: until)
        }
        guard let user = try await verifyPassword(username: username, password: password), user.disabledAt == nil else {
            _ = try await storage.recordLoginFailure(
                username: username,
                source: source,
                at: now,
                forgetBefore: now.addingTimeInterval(-Self.loginThrottleWindow)
            )
            return .failure
        }
        if !failures.isEmpty { try await storage.clearLoginFailures(username: username, source: source) }
        try await storage.appendEvent(
            EventRecord(
                at: now,
                actor: "user:\(user.username)",
                action: "login.succeeded",
                target: "user:\(user.username)"
            )
        )
        return .success(user)
    }

    /// Creates an API token for a user; the returned text is shown once.
    ///
    /// A token never carries more than whoever mints it holds: `permissions` must be a subset of the
    /// caller's permissions (cut to the caller's own token when the caller uses one), and without
    /// `permissions` a restricted caller's token gets exactly the caller's set — never "everything the
    /// owner has" (an unrestricted caller's token follows the owner's roles). Permissions
    /// held only through an elevation are not transferable (the token would outlive it).
    /// `caller` is `nil` for the admin CLI, which acts as the owner with all of their roles.
    /// Lifetime: `expiresIn` seconds, ``defaultLifetime`` when `nil`, at most ``maximumLifetime``.
    public func createAPIToken(
        userID: String,
        name: String,
        expiresIn: TimeInterval?,
        permissions: [String]? = nil,
        caller: Authorization? = nil,
        actor: String
    ) async throws
        -> (text: String, expiresAt: Date?)
    {
        let lifetime = expiresIn ?? Self.defaultLifetime
        guard lifetime.isFinite, lifetime >= 60, lifetime <= Self.maximumLifetime else {
            throw Problem.badRequest(
                "field 'expiresInSeconds' must be between 60 and \(Int(Self.maximumLifetime)) (366 days), got \(lifetime)"
            )
        }
        let base: Authorization
        if let caller {
            base = caller
        } else {
            guard let user = try await storage.user(id: userID) else { throw Problem.notFound("no user '\(userID)'") }
            base = try await authorization(for: user, tokenPermissions: nil)
        }
        let subset: [String]?
        if permissions == nil, base.tokenPermissions == nil {
            // A caller with all of their roles (a session, an unrestricted token, the CLI) gets a
            // token that follows the owner's roles as they change; grants are re-read on every use.
            subset = nil
        } else if let permissions {
            guard permissions.count <= Permission.allCases.count * 2 else {
                throw Problem.badRequest("field 'permissions' names more permissions than exist")
            }
            do {
                subset = try base.validateTokenSubset(permissions).map(\.rawValue).sorted()
            } catch let error as ChangeControlError {
                throw Problem.badRequest(error.description)
            }
        } else {
            // A restricted token minting another: at most the same subset, never its owner's all.
            subset = base.transferablePermissions.map(\.rawValue).sorted()
        }
        guard subset?.isEmpty != true else {
            throw Problem.badRequest("field 'permissions': the token would carry no permission")
        }
        let secret = BearerSecret.generate(prefix: "ppt")
        let now = clock.now()
        let expiresAt = now.addingTimeInterval(lifetime)
        try await storage.createAPIToken(
            APITokenRecord(
                id: secret.id,
                userID: userID,
                name: name,
                secretHash: secret.secretHash,
                createdAt: now,
                expiresAt: expiresAt,
                permissions: subset
            ),
            actor: actor
        )
        return (secret.text, expiresAt)
    }

    /// The lifetime of an API token created without one: 90 days.
    public static let defaultLifetime: TimeInterval = 90 * 86400
    /// The longest lifetime an API token may have: 366 days.
    public static let maximumLifetime: TimeInterval = 366 * 86400

    /// Resolves a bearer token to its identity; `nil` when unknown, wrong, expired or revoked.
    public func authenticate(bearer text: String) async throws -> Identity? {
        guard let secret = BearerSecret(parsing: text, prefix: "ppt"),
            let token = try await storage.apiToken(id: secret.id),
            !token.revoked,
            constantTimeEquals(token.secretHash, secret.secretHash)
        else { return nil }
        if let expiry = token.expiresAt, expiry <= clock.now() { return nil }
        guard let user = try await storage.user(id: token.userID), user.disabledAt == nil else { return nil }
        let limit = token.permissions.map { Set($0.compactMap(Permission.init(rawValue:))) }
        return Identity(
            userID: user.id,
            username: user.username,
            roleName: user.role,
            authorization: try await authorization(for: user, tokenPermissions: limit),
            credential: .apiToken(id: token.id)
        )
    }

    /// A user's authorization now: their base role everywhere plus their scoped and unexpired
    /// temporary grants, cut to a token's permissions.
    public func authorization(for user: UserRecord, tokenPermissions: Set<Permission>?) async throws -> Authorization {
        let grants = [RoleGrant(role: user.role)] + (try await storage.grants(userID: user.id))
        let custom = try await storage.customRoles()
        return Authorization(
            grants: grants,
            roles: Dictionary(custom.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first }),
            tokenPermissions: tokenPermissions,
            now: clock.now()
        )
    }

    /// Resolves a session cookie value to its identity.
    public func authenticate(sessionCookie value: String) async throws -> Identity? {
        let id = BearerSecret.hash(value)
        guard let session = try await storage.session(id: id, now: clock.now()),
            let user = try await storage.user(id: session.userID), user.disabledAt == nil
        else { return nil }
        return Identity(
            userID: user.id,
            username: user.username,
            roleName: user.role,
            authorization: try await authorization(for: user, tokenPermissions: nil),
            credential: .session(id: session.id, csrfToken: session.csrfToken),
            mustChangePassword: user.mustChangePassword
        )
    }

    /// Starts a session; returns the cookie value (only its hash is stored).
    public func startSession(userID: String, lifetime: TimeInterval) async throws -> String {
        let value = BearerSecret.randomToken()
        let now = clock.now()
        try await storage.createSession(
            SessionRecord(
                id: BearerSecret.hash(value),
                userID: userID,
                csrfToken: BearerSecret.randomToken(bytes: 16),
                createdAt: now,
                expiresAt: now.addingTimeInterval(lifetime)
            )
        )
        return value
    }

    /// Creates an enrollment token; the returned text is shown once.
    public func createEnrollmentToken(
        uses: Int,
        expiresIn: TimeInterval,
        hostID: String? = nil,
        actor: String
    ) async throws -> (
        text: String, expiresAt: Date
    ) {
        guard uses >= 1, uses <= 1_000_000 else {
            throw Problem.badRequest("field 'uses' must be between 1 and 1000000, got \(uses)")
        }
        guard expiresIn >= 1, expiresIn <= 366 * 86400 else {
            throw Problem.badRequest(
                "field 'expiresInSeconds' must be between 1 and 31622400 (366 days), got \(expiresIn)"
            )
        }
        let secret = BearerSecret.generate(prefix: "ppe")
        let now = clock.now()
        let expiresAt = now.addingTimeInterval(expiresIn)
        try await storage.createEnrollmentToken(
            EnrollmentTokenRecord(
                id: secret.id,
                secretHash: secret.secretHash,
                usesAllowed: uses,
                createdAt: now,
                expiresAt: expiresAt,
                createdBy: actor,
                hostID: hostID
            ),
            actor: actor
        )
        return (secret.text, expiresAt)
    }

    static func isValidUsername(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 64
            && name.utf8.allSatisfy { byte in
                (byte >= 0x61 && byte <= 0x7a) || (byte >= 0x30 && byte <= 0x39) || byte == 0x2e || byte == 0x5f
                    || byte == 0x2d
            }
    }

    /// A bcrypt hash of a random string, used when the user does not exist.
    private static let decoyHash = "$2b$12$C6UzMDM.H6dfI/f/IKxGhuK1mF1Ncfm1y0rKqrY1gJ3dQn0vXq4eS"
}

/// Admits one password check at a time per (name, source) and a bounded number overall, so that
/// unauthenticated callers cannot make the server run bcrypt without limit.
final class LoginGate: Sendable {
    private struct State {
        var inFlight: Set<String> = []
    }
    private let state = NIOLockedValueBox(State())
    /// Most password checks running at once, all names together.
    static let maximumInFlight = 16

    func enter(username: String, source: String) -> Bool {
        state.withLockedValue { state in
            let key = username + "\u{0}" + source
            guard state.inFlight.count < Self.maximumInFlight, !state.inFlight.contains(key) else { return false }
            state.inFlight.insert(key)
            return true
        }
    }

    func leave(username: String, source: String) {
        _ = state.withLockedValue { $0.inFlight.remove(username + "\u{0}" + source) }
    }
}
