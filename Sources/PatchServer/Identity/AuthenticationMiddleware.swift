import HTTPTypes
import Hummingbird

/// Resolves the caller from `Authorization: Bearer ppt_…` or the `pp_session` cookie.
///
/// It never rejects an anonymous request by itself: routes declare the permission they need. A
/// cookie-authenticated API request that changes state must carry the session's CSRF token in
/// `X-CSRF-Token` (dashboard forms carry it in a `csrf` field, checked by the dashboard), so another
/// site cannot ride the session.
public struct AuthenticationMiddleware: RouterMiddleware {
    public typealias Context = AppRequestContext
    let identities: IdentityService

    /// Creates the middleware.
    public init(identities: IdentityService) {
        self.identities = identities
    }

    public func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var context = context
        if let header = request.headers[.authorization] {
            guard header.hasPrefix("Bearer "),
                let identity = try await identities.authenticate(bearer: String(header.dropFirst(7)))
            else { throw Problem.unauthorized("invalid or expired API token") }
            context.identity = identity
        } else if let cookie = request.cookies[SessionCookie.name],
            let identity = try await identities.authenticate(sessionCookie: cookie.value)
        {
            let isSafe = request.method == .get || request.method == .head
            // The router ignores empty path components (`//api/v1/…` reaches `/api/v1/…`), so the
            // check looks at the first non-empty one rather than a prefix of the raw path.
            let isAPI = request.uri.path.split(separator: "/", omittingEmptySubsequences: true).first == "api"
            if !isSafe, isAPI, case .session(_, let csrf) = identity.credential,
                !constantTimeEquals(request.headers[.csrfToken] ?? "", csrf)
            {
                throw Problem.forbidden("missing or wrong X-CSRF-Token header")
            }
            // A password someone else set (the first admin's, a reset one) is changed before
            // anything else is done with the session.
            if identity.mustChangePassword, !Self.allowedBeforePasswordChange(request) {
                if isAPI {
                    throw Problem.forbidden("change your one-time password first: POST /api/v1/me/password")
                }
                return Response(status: .seeOther, headers: [.location: "/password"])
            }
            context.identity = identity
        }
        return try await next(request, context)
    }
}

extension AuthenticationMiddleware {
    /// What a session that must change its password may still reach: the password page and its
    /// API, who am I, and signing out.
    static func allowedBeforePasswordChange(_ request: Request) -> Bool {
        let path = "/" + request.uri.path.split(separator: "/", omittingEmptySubsequences: true).joined(separator: "/")
        switch (request.method, path) {
        case (.get, "/password"), (.post, "/password"), (.post, "/logout"), (.get, "/api/v1/me"),
            (.post, "/api/v1/me/password"):
            return true
        default:
            return false
        }
    }
}

/// The dashboard session cookie.
public enum SessionCookie {
    /// Cookie name.
    public static let name = "pp_session"
}

extension HTTPField.Name {
    /// `X-CSRF-Token`.
    public static let csrfToken = HTTPField.Name("X-CSRF-Token")!
}
