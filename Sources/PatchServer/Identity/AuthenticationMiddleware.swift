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
            context.identity = identity
        }
        return try await next(request, context)
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
