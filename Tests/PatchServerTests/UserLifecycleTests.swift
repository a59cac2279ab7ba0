import ChangeControl
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import PatchAPI
import PatchStore
import Testing

@testable import PatchServer

/// Users over their lifetime: a one-time password must be changed before anything else, a reset
/// gives a new one-time password and signs the user out, a disabled user can do nothing with any
/// credential, and the console does all of it through the API's routes.
@Suite struct UserLifecycleTests {
    typealias Browser = DashboardActionsTests.Browser
    static let password = "correct horse battery staple"

    func json(_ object: [String: Any]) throws -> ByteBuffer {
        ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: object))
    }

    @Test func aOneTimePasswordIsChangedBeforeAnythingElse() async throws {
        let harness = try await Harness.make()
        try await harness.identities.createUser(
            username: "newbie",
            password: Self.password,
            role: "operator",
            actor: "test",
            mustChangePassword: true
        )
        try await harness.application().test(.router) { client in
            // Two sessions: the one that changes the password stays, the other ends.
            var browser = try await DashboardActionsTests.signIn(client, as: "newbie", landing: "/password")
            let other = try await DashboardActionsTests.signIn(client, as: "newbie", landing: "/password")
            for path in ["/", "/hosts", "/changes", "/users"] {
                let page = try await client.execute(uri: path, method: .get, headers: [.cookie: browser.cookies])
                #expect(page.status == .seeOther, "\(path)")
                #expect(page.headers[.location] == "/password")
            }
            let api = try await client.execute(uri: "/api/v1/hosts", method: .get, headers: [.cookie: browser.cookies])
            #expect(api.status == .forbidden)
            #expect(api.text.contains("change your one-time password first"))
            let form = try await client.execute(uri: "/password", method: .get, headers: [.cookie: browser.cookies])
            #expect(form.status == .ok)
            #expect(form.text.contains("Choose your own before you go on"))

            func change(_ current: String, _ new: String, _ again: String) async throws -> TestResponse {
                try await client.execute(
                    uri: "/password",
                    method: .post,
                    headers: [.cookie: browser.cookies, .contentType: "application/x-www-form-urlencoded"],
                    body: DashboardActionsTests.form([
                        ("csrf", browser.csrf), ("currentPassword", current), ("newPassword", new),
                        ("repeatPassword", again),
                    ])
                )
            }
            let wrong = try await change("not it at all!", "a brand new secret", "a brand new secret")
            #expect(wrong.status == .badRequest)
            #expect(wrong.text.contains("the current password is wrong"))
            let differ = try await change(Self.password, "a brand new secret", "a brand new secreT")
            #expect(differ.text.contains("differ"))
            let short = try await change(Self.password, "short", "short")
            #expect(short.text.contains("12 to 72 bytes"))
            let same = try await change(Self.password, Self.password, Self.password)
            #expect(same.text.contains("different from the current one"))
            let changed = try await change(Self.password, "a brand new secret", "a brand new secret")
            #expect(changed.status == .seeOther)
            #expect(changed.headers[.location] == "/")
            browser.flash = DashboardActionsTests.cookie(changed, "pp_flash")
            let overview = try await client.execute(uri: "/", method: .get, headers: [.cookie: browser.cookies])
            #expect(overview.status == .ok)
            #expect(overview.text.contains("Your password was changed."))
            let ended = try await client.execute(uri: "/hosts", method: .get, headers: [.cookie: other.cookies])
            #expect(ended.headers[.location] == "/login", "the other session ended")
            let user = try #require(try await harness.storage.user(named: "newbie"))
            #expect(!user.mustChangePassword)
            #expect(
                try await harness.identities.verifyPassword(username: "newbie", password: "a brand new secret") != nil
            )
            let events = try await harness.storage.auditEvents(
                {
                    var query = AuditEventQuery()
                    query.action = "user.password-changed"
                    return query
                }()
            )
            #expect(events.events.map(\.actor) == ["user:newbie"])
        }
    }

    @Test func resetDisableAndEnableOverTheAPI() async throws {
        let harness = try await Harness.make()
        try await harness.application().test(.router) { client in
            let admin = harness.bearer(.admin)
            // The operator has a session and a token; both work.
            let operatorBrowser = try await DashboardActionsTests.signIn(client, as: "operator-user")
            let operatorToken = harness.bearer(.operator)
            #expect(try await client.execute(uri: "/api/v1/me", method: .get, headers: operatorToken).status == .ok)

            let reset = try await client.execute(
                uri: "/api/v1/users/operator-user/reset-password",
                method: .post,
                headers: admin
            )
            #expect(reset.status == .ok)
            #expect(reset.headers[.cacheControl] == "no-store")
            let oneTime = try reset.json(PasswordReset.self).password
            #expect(oneTime.count >= 16)
            let signedOut = try await client.execute(
                uri: "/hosts",
                method: .get,
                headers: [.cookie: operatorBrowser.cookies]
            )
            #expect(signedOut.headers[.location] == "/login", "a reset ends the user's sessions")
            #expect(
                try await harness.identities.verifyPassword(username: "operator-user", password: Self.password) == nil
            )
            #expect(try await harness.storage.user(named: "operator-user")?.mustChangePassword == true)

            // Disabling: no sign-in, no token, no session; not oneself.
            let me = try await client.execute(uri: "/api/v1/users/admin-user/disable", method: .post, headers: admin)
            #expect(me.status == .conflict)
            let disabled = try await client.execute(
                uri: "/api/v1/users/operator-user/disable",
                method: .post,
                headers: admin
            )
            #expect(disabled.status == .noContent)
            #expect(
                try await client.execute(uri: "/api/v1/me", method: .get, headers: operatorToken).status
                    == .unauthorized
            )
            #expect(
                try await harness.identities.login(username: "operator-user", password: oneTime).isSuccess == false
            )
            let list = try await client.execute(uri: "/api/v1/users", method: .get, headers: admin).json(UserList.self)
            #expect(list.users.first { $0.username == "operator-user" }?.disabledAt != nil)
            let viewerTry = try await client.execute(
                uri: "/api/v1/users/operator-user/enable",
                method: .post,
                headers: harness.bearer(.viewer)
            )
            #expect(viewerTry.status == .forbidden)
            let enabled = try await client.execute(
                uri: "/api/v1/users/operator-user/enable",
                method: .post,
                headers: admin
            )
            #expect(enabled.status == .noContent)
            #expect(try await client.execute(uri: "/api/v1/me", method: .get, headers: operatorToken).status == .ok)
            #expect(try await harness.identities.login(username: "operator-user", password: oneTime).isSuccess)
            let actions = try await harness.storage.auditEvents(
                {
                    var query = AuditEventQuery()
                    query.target = "user:operator-user"
                    query.action = "user.*"
                    return query
                }()
            ).events.map(\.action)
            #expect(actions == ["user.enabled", "user.disabled", "user.password-reset", "user.created"])
        }
    }

    @Test func ownPasswordOverTheAPI() async throws {
        let harness = try await Harness.make()
        try await harness.application().test(.router) { client in
            var headers = harness.bearer(.viewer)
            headers[.contentType] = "application/json"
            let wrong = try await client.execute(
                uri: "/api/v1/me/password",
                method: .post,
                headers: headers,
                body: try json(["currentPassword": "nope nope nope", "newPassword": "another long secret"])
            )
            #expect(wrong.status == .forbidden)
            let short = try await client.execute(
                uri: "/api/v1/me/password",
                method: .post,
                headers: headers,
                body: try json(["currentPassword": Self.password, "newPassword": "short"])
            )
            #expect(short.status == .badRequest)
            #expect(short.text.contains("newPassword"))
            let done = try await client.execute(
                uri: "/api/v1/me/password",
                method: .post,
                headers: headers,
                body: try json(["currentPassword": Self.password, "newPassword": "another long secret"])
            )
            #expect(done.status == .noContent)
            #expect(
                try await harness.identities.verifyPassword(username: "viewer-user", password: "another long secret")
                    != nil
            )

            // Guessing the current password is throttled: after five wrong ones, 429 for 15 minutes.
            for _ in 0..<5 {
                let guess = try await client.execute(
                    uri: "/api/v1/me/password",
                    method: .post,
                    headers: headers,
                    body: try json(["currentPassword": "guess guess guess", "newPassword": "yet another secret"])
                )
                #expect(guess.status == .forbidden)
            }
            let throttled = try await client.execute(
                uri: "/api/v1/me/password",
                method: .post,
                headers: headers,
                body: try json(["currentPassword": "another long secret", "newPassword": "yet another secret"])
            )
            #expect(throttled.status == .tooManyRequests, "even the right password waits")
            #expect(throttled.headers[.retryAfter] != nil)
            harness.clock.advance(15 * 60 + 1)
            let later = try await client.execute(
                uri: "/api/v1/me/password",
                method: .post,
                headers: headers,
                body: try json(["currentPassword": "another long secret", "newPassword": "yet another secret"])
            )
            #expect(later.status == .noContent, "the window passed")
        }
    }

    @Test func theUsersPageCreatesDisablesAndResetsThroughTheAPI() async throws {
        let harness = try await Harness.make()
        try await harness.application().test(.router) { client in
            var browser = try await DashboardActionsTests.signIn(client, as: "admin-user")
            let page = try await client.execute(uri: "/users", method: .get, headers: [.cookie: browser.cookies])
            #expect(page.status == .ok)
            #expect(page.text.contains("viewer-user"))
            #expect(page.text.contains("admin-user <span class=\"muted\">(you)</span>"))
            let viewer = try await DashboardActionsTests.signIn(client, as: "viewer-user")
            let denied = try await client.execute(uri: "/users", method: .get, headers: [.cookie: viewer.cookies])
            #expect(denied.status == .forbidden)

            let (created, listed) = try await DashboardActionsTests.act(
                client,
                &browser,
                "/act/users",
                [
                    ("_next", "/users"), ("_done", "User created."), ("username", "carol"),
                    ("password", "a long initial secret"), ("role", "approver"), ("mustChangePassword:bool", "false"),
                    ("mustChangePassword:bool", "on"),
                ]
            )
            #expect(created.status == .seeOther)
            #expect(listed?.text.contains("User created.") == true)
            let carol = try #require(try await harness.storage.user(named: "carol"))
            #expect(carol.role == "approver" && carol.mustChangePassword)

            let (disabled, after) = try await DashboardActionsTests.act(
                client,
                &browser,
                "/act/users/carol/disable",
                [
                    ("_confirm", "Disable carol?"), ("_confirmed", "yes"), ("_next", "/users"),
                    ("_done", "carol is disabled."),
                ]
            )
            #expect(disabled.status == .seeOther)
            #expect(after?.text.contains("carol is disabled.") == true)
            #expect(try await harness.storage.user(named: "carol")?.disabledAt != nil)

            let revealed = try await client.execute(
                uri: "/act/users/carol/reset-password",
                method: .post,
                headers: [.cookie: browser.cookies, .contentType: "application/x-www-form-urlencoded"],
                body: DashboardActionsTests.form([
                    ("csrf", browser.csrf), ("_confirm", "Reset?"), ("_confirmed", "yes"), ("_reveal", "password"),
                    ("_done", "One-time password for carol"), ("_next", "/users"),
                ])
            )
            #expect(revealed.status == .ok)
            let secret = try #require(DashboardActionsTests.revealed(revealed.text))
            #expect(try await harness.identities.verifyPassword(username: "carol", password: secret) != nil)
        }
    }
}

extension IdentityService.LoginOutcome {
    var isSuccess: Bool {
        if case .success = self { return true }
        return false
    }
}
