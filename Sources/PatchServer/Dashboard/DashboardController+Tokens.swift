import ChangeControl
import Foundation
import Hummingbird
import Mustache
import PatchStore

extension DashboardController {
    func addTokenRoutes(to authenticated: RouterGroup<AppRequestContext>) {
        authenticated.get("tokens", use: tokensPage)
        authenticated.post("tokens/:id/revoke", use: revokeToken)
    }

    /// The caller's API tokens (everyone's for user administrators with `?all=true`): name, owner,
    /// permissions, expiry, state, and a revoke button. Secrets are never shown.
    @Sendable func tokensPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let identity = context.identity else { return redirectToLogin() }
        guard identity.has(.ownTokensManage) else {
            throw Problem.forbidden("\(identity.username) lacks permission 'tokens.own'")
        }
        let all = request.uri.queryParameters["all"] == "true" && identity.has(.usersManage)
        let now = clock.now()
        let formatter = ISO8601DateFormatter()
        var owners: [String: String] = [identity.userID: identity.username]
        var rows: [[String: Any]] = []
        for token in try await storage.apiTokens(userID: all ? nil : identity.userID) {
            if owners[token.userID] == nil {
                owners[token.userID] = try await storage.user(id: token.userID)?.username ?? token.userID
            }
            let expired = token.expiresAt.map { $0 <= now } ?? false
            rows.append([
                "id": token.id,
                "owner": owners[token.userID] ?? token.userID,
                "name": token.name,
                "permissions": token.permissions?.joined(separator: ", ") ?? "all of the owner's",
                "created": formatter.string(from: token.createdAt),
                "expires": token.expiresAt.map(formatter.string(from:)) ?? "never",
                "state": token.revoked ? "revoked" : (expired ? "expired" : "active"),
                "revocable": !token.revoked && !expired,
            ])
        }
        var data = page(identity, title: "API tokens")
        data["tokens"] = rows
        data["all"] = all
        data["canSeeAll"] = identity.has(.usersManage)
        data["canEnroll"] = identity.has(.enrollmentManage)
        if identity.has(.enrollmentManage) {
            data["enrollmentTokens"] = try await storage.enrollmentTokens(limit: 50).map { token -> [String: Any] in
                let state = token.state(at: now)
                return [
                    "id": token.id, "uses": "\(token.usesConsumed) of \(token.usesAllowed)",
                    "created": formatter.string(from: token.createdAt),
                    "expires": formatter.string(from: token.expiresAt), "createdBy": token.createdBy,
                    "host": token.hostID ?? "", "state": state, "revocable": state == "active",
                ]
            }
        }
        data["navTokens"] = true
        data["myPermissions"] = Permission.allCases.filter { identity.has($0) }.map(\.rawValue)
        return html(library.render(data, withTemplate: "tokens"))
    }

    /// Revokes a token from the dashboard (a form with the session's CSRF token): one's own, or any
    /// with `users.manage`.
    @Sendable func revokeToken(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let identity = context.identity else { return redirectToLogin() }
        guard case .session(_, let csrf) = identity.credential else {
            throw Problem.forbidden("dashboard forms need a dashboard session")
        }
        try await checkFormCSRF(request, expected: csrf)
        guard identity.has(.ownTokensManage) else {
            throw Problem.forbidden("\(identity.username) lacks permission 'tokens.own'")
        }
        let id = try context.parameters.requireDecoded("id")
        guard let token = try await storage.apiToken(id: id) else { throw Problem.notFound("no API token '\(id)'") }
        guard token.userID == identity.userID || identity.has(.usersManage) else {
            throw Problem.forbidden("\(identity.username) may revoke only their own API tokens")
        }
        _ = try await storage.revokeAPIToken(id: id, actor: identity.actor, now: clock.now())
        return Response(
            status: .seeOther,
            headers: [.location: token.userID == identity.userID ? "/tokens" : "/tokens?all=true"]
        )
    }
}
