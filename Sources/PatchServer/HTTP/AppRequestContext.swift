import ChangeControl
import Hummingbird
import Logging
import NIOCore

/// Who made a request, once authenticated.
public struct Identity: Sendable, Hashable {
    /// How the caller proved who they are.
    public enum Credential: Sendable, Hashable {
        /// An API token (`Authorization: Bearer ppt_…`).
        case apiToken(id: String)
        /// A dashboard session cookie; state-changing requests must echo `csrfToken`.
        case session(id: String, csrfToken: String)
    }

    /// The user id.
    public var userID: String
    /// The login name.
    public var username: String
    /// The user's base role (their global grant; scoped and temporary grants come on top).
    public var roleName: String
    /// What the caller may do, and where.
    public var authorization: Authorization
    /// The credential used.
    public var credential: Credential
    /// The user must choose a new password (first sign-in, after a reset) before anything else.
    public var mustChangePassword = false

    /// The audit actor string (`user:alice`).
    public var actor: String { "user:\(username)" }

    /// Whether the identity holds a permission somewhere.
    public func has(_ permission: Permission) -> Bool { authorization.allows(permission) }
}

/// The per-request context of the PatchPilot server.
public struct AppRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The authenticated caller, set by ``AuthenticationMiddleware``.
    public var identity: Identity?
    /// The peer's address (login throttling counts failures per name and source).
    public var remoteAddress: SocketAddress?

    public init(source: Source) {
        self.coreContext = .init(source: source)
        self.identity = nil
        self.remoteAddress = source.channel.remoteAddress
    }

    /// The peer's IP address as text, empty when unknown.
    public var sourceAddress: String { remoteAddress?.ipAddress ?? "" }

    /// JSON API bodies are small; agent uploads collect their own body with a larger limit.
    public var maxUploadSize: Int { 1024 * 1024 }

    /// The caller, or a 401 problem.
    public func requireIdentity() throws -> Identity {
        guard let identity else { throw Problem.unauthorized("authentication required") }
        return identity
    }

    /// The caller if they hold `permission`; otherwise 401 or 403.
    public func require(_ permission: Permission) throws -> Identity {
        let identity = try requireIdentity()
        guard identity.has(permission) else {
            throw Problem.forbidden("\(identity.username) lacks permission '\(permission.rawValue)'")
        }
        return identity
    }
}
