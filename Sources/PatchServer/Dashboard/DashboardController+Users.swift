import ChangeControl
import Foundation
import Hummingbird
import Mustache
import PatchStore

extension DashboardController {
    func addUserRoutes(to authenticated: RouterGroup<AppRequestContext>) {
        authenticated.get("users", use: usersPage)
        authenticated.get("password", use: passwordPage)
        authenticated.post("password", use: changePassword)
    }

    /// `/users` (needs `users.manage`): every user with role, state and whether a one-time
    /// password is pending; create, disable, enable, reset a password (shown once). The forms act
    /// through the API's routes (`/act/users…`).
    @Sendable func usersPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let identity = context.identity else { return redirectToLogin() }
        guard identity.has(.usersManage) else {
            throw Problem.forbidden("\(identity.username) lacks permission 'users.manage'")
        }
        let formatter = ISO8601DateFormatter()
        var data = page(identity, title: "Users")
        data["navUsers"] = true
        data["users"] = try await storage.users().map { user -> [String: Any] in
            [
                "username": user.username, "role": user.role, "created": formatter.string(from: user.createdAt),
                "disabled": user.disabledAt != nil,
                "disabledAt": user.disabledAt.map { formatter.string(from: $0) } ?? "",
                "mustChange": user.mustChangePassword, "isSelf": user.id == identity.userID,
            ]
        }
        var roles = Role.builtIn.map(\.name)
        roles += try await storage.customRoles().map(\.name).filter { !roles.contains($0) }
        data["roles"] = roles.map { ["name": $0, "selected": $0 == "viewer"] as [String: Any] }
        return html(library.render(data, withTemplate: "users"))
    }

    /// `/password`: change your own password (required first when it was set by someone else).
    @Sendable func passwordPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let identity = context.identity else { return redirectToLogin() }
        return try passwordForm(identity, error: nil)
    }

    func passwordForm(_ identity: Identity, error: String?) throws -> Response {
        var data = page(identity, title: "Change password")
        data["mustChange"] = identity.mustChangePassword
        if let error { data["error"] = error }
        return html(library.render(data, withTemplate: "password"), status: error == nil ? .ok : .badRequest)
    }

    @Sendable func changePassword(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let identity = context.identity else { return redirectToLogin() }
        guard case .session(let sessionID, let csrf) = identity.credential else {
            throw Problem.forbidden("dashboard forms need a dashboard session")
        }
        struct Form: Decodable {
            var csrf: String
            var currentPassword: String
            var newPassword: String
            var repeatPassword: String
        }
        let body = try await JSONBody.collect(request, limit: 16 * 1024)
        guard let form = try? URLEncodedFormDecoder().decode(Form.self, from: String(decoding: body, as: UTF8.self))
        else { return try passwordForm(identity, error: "Fill in all three fields.") }
        guard constantTimeEquals(form.csrf, csrf) else {
            throw Problem.forbidden("missing or wrong CSRF token in form")
        }
        guard form.newPassword == form.repeatPassword else {
            return try passwordForm(identity, error: "The new password and its repetition differ.")
        }
        do {
            try await identities.changeOwnPassword(
                userID: identity.userID,
                current: form.currentPassword,
                new: form.newPassword,
                keepSession: sessionID
            )
        } catch let problem as Problem
            where [.badRequest, .forbidden, .tooManyRequests].contains(problem.status)
        {
            return try passwordForm(identity, error: problem.detail)
        }
        var response = Response(status: .seeOther, headers: [.location: "/", .cacheControl: "no-store"])
        response.setCookie(
            DashboardFlash(message: "Your password was changed.", isError: false).cookie(secure: configuration.usesTLS)
        )
        return response
    }
}
