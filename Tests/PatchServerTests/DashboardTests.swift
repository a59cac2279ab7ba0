import ChangeControl
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import PatchServer
import PatchStore
import Testing

@Suite struct DashboardTests {
    /// Extracts `name=value` of a Set-Cookie header.
    func cookie(_ response: TestResponse, _ name: String) -> String? {
        for value in response.headers[values: .setCookie] where value.hasPrefix(name + "=") {
            return String(value.dropFirst(name.count + 1).prefix { $0 != ";" })
        }
        return nil
    }

    func hiddenField(_ html: String, _ name: String) -> String? {
        guard let range = html.range(of: "name=\"\(name)\" value=\"") else { return nil }
        return String(html[range.upperBound...].prefix { $0 != "\"" })
    }

    func signIn(
        _ client: some TestClientProtocol,
        password: String = "correct horse battery staple"
    ) async throws -> TestResponse {
        let page = try await client.execute(uri: "/login", method: .get)
        #expect(page.status == .ok)
        #expect(!page.text.contains("class=\"error\""), "a fresh login page shows no error")
        let csrf = try #require(hiddenField(page.text, "csrf"))
        let csrfCookie = try #require(cookie(page, "pp_login_csrf"))
        #expect(csrf == csrfCookie)
        return try await client.execute(
            uri: "/login",
            method: .post,
            headers: [.contentType: "application/x-www-form-urlencoded", .cookie: "pp_login_csrf=\(csrfCookie)"],
            body: ByteBuffer(
                string: "username=admin-user&password=\(password.replacingOccurrences(of: " ", with: "+"))&csrf=\(csrf)"
            )
        )
    }

    @Test func pagesRedirectToLoginWithoutASession() async throws {
        let harness = try await Harness.make()
        try await harness.application().test(.router) { client in
            for path in ["/", "/hosts", "/hosts/x"] {
                let response = try await client.execute(uri: path, method: .get)
                #expect(response.status == .seeOther)
                #expect(response.headers[.location] == "/login")
            }
        }
    }

    @Test func signInSetsAHardenedSessionCookieAndShowsTheOverview() async throws {
        let harness = try await Harness.make()
        try await harness.application().test(.router) { client in
            let response = try await signIn(client)
            #expect(response.status == .seeOther)
            let setCookie = try #require(response.headers[values: .setCookie].first { $0.hasPrefix("pp_session=") })
            #expect(setCookie.contains("HttpOnly"))
            #expect(setCookie.contains("SameSite=Strict"))
            let session = try #require(cookie(response, "pp_session"))
            let overview = try await client.execute(uri: "/", method: .get, headers: [.cookie: "pp_session=\(session)"])
            #expect(overview.status == .ok)
            #expect(overview.text.contains("Fleet overview"))
            #expect(overview.text.contains("<svg"))
            let hosts = try await client.execute(
                uri: "/hosts?sort=hostname&order=desc",
                method: .get,
                headers: [.cookie: "pp_session=\(session)"]
            )
            #expect(hosts.status == .ok)
            #expect(hosts.text.contains("No hosts match."))
        }
    }

    @Test func wrongPasswordIsRefusedAndRecorded() async throws {
        let harness = try await Harness.make()
        try await harness.application().test(.router) { client in
            let response = try await signIn(client, password: "wrong password here")
            #expect(response.status == .unauthorized)
            #expect(response.text.contains("Wrong username or password."))
            #expect(!response.headers[values: .setCookie].contains { $0.hasPrefix("pp_session=") })
        }
        #expect(try await harness.storage.events(limit: 10).contains { $0.action == "login.failed" })
    }

    @Test func repeatedFailuresThrottleTheNameUntilTheWindowPasses() async throws {
        let harness = try await Harness.make()
        try await harness.application().test(.router) { client in
            for _ in 0..<IdentityService.loginThrottleLimit {
                #expect(try await signIn(client, password: "wrong password here").status == .unauthorized)
            }
            // Even the right password is not checked now.
            let locked = try await signIn(client)
            #expect(locked.status == .tooManyRequests)
            #expect(locked.text.contains("Too many failed attempts"))
            #expect(Int(locked.headers[.retryAfter] ?? "") == 900)
            harness.clock.advance(IdentityService.loginThrottleWindow)
            let allowed = try await signIn(client)
            #expect(allowed.status == .seeOther)
            // A success forgets the failures.
            #expect(try await signIn(client, password: "wrong password here").status == .unauthorized)
            #expect(try await signIn(client).status == .seeOther)
        }
        let actions = try await harness.storage.events(limit: 100).map(\.action)
        #expect(actions.filter { $0 == "login.failed" }.count == 6)
        #expect(actions.contains("login.throttled"))
    }

    @Test func cookieAuthenticatedAPIWritesNeedTheCSRFHeader() async throws {
        let harness = try await Harness.make()
        try await harness.application().test(.router) { client in
            let session = try #require(cookie(try await signIn(client), "pp_session"))
            let overview = try await client.execute(uri: "/", method: .get, headers: [.cookie: "pp_session=\(session)"])
            let csrf = try #require(hiddenField(overview.text, "csrf"))
            let body = ByteBuffer(string: #"{"name":"from-browser"}"#)
            let without = try await client.execute(
                uri: "/api/v1/tokens",
                method: .post,
                headers: [.cookie: "pp_session=\(session)"],
                body: body
            )
            #expect(without.status == .forbidden)
            let with = try await client.execute(
                uri: "/api/v1/tokens",
                method: .post,
                headers: [.cookie: "pp_session=\(session)", .csrfToken: csrf],
                body: body
            )
            #expect(with.status == .created)
            let logoutWithout = try await client.execute(
                uri: "/logout",
                method: .post,
                headers: [.cookie: "pp_session=\(session)"]
            )
            #expect(logoutWithout.status == .forbidden)
            let logout = try await client.execute(
                uri: "/logout",
                method: .post,
                headers: [.cookie: "pp_session=\(session)", .contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "csrf=\(csrf)")
            )
            #expect(logout.status == .seeOther)
            let after = try await client.execute(uri: "/", method: .get, headers: [.cookie: "pp_session=\(session)"])
            #expect(after.status == .seeOther)
        }
    }
}

extension DashboardTests {
    @Test func tokensPageListsAndRevokesWithTheSessionsCSRFToken() async throws {
        let harness = try await Harness.make()
        try await harness.application().test(.router) { client in
            let signedIn = try await signIn(client)
            let session = try #require(cookie(signedIn, "pp_session"))
            let page = try await client.execute(
                uri: "/tokens",
                method: .get,
                headers: [.cookie: "pp_session=\(session)"]
            )
            #expect(page.status == .ok)
            #expect(page.text.contains("admin-user"))
            #expect(!page.text.contains("ppt_"), "secrets are never shown")
            let all = try await client.execute(
                uri: "/tokens?all=true",
                method: .get,
                headers: [.cookie: "pp_session=\(session)"]
            )
            #expect(all.text.contains("viewer-user"))
            let csrf = try #require(hiddenField(page.text, "csrf"))
            let viewer = try #require(try await harness.storage.user(named: "viewer-user"))
            let viewerToken = try #require(try await harness.storage.apiTokens(userID: viewer.id).first)
            // Without the CSRF token the form is refused; with it the token is revoked.
            let forged = try await client.execute(
                uri: "/tokens/\(viewerToken.id)/revoke",
                method: .post,
                headers: [.cookie: "pp_session=\(session)", .contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "csrf=wrong")
            )
            #expect(forged.status == .forbidden)
            let revoked = try await client.execute(
                uri: "/tokens/\(viewerToken.id)/revoke",
                method: .post,
                headers: [.cookie: "pp_session=\(session)", .contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "csrf=\(csrf)")
            )
            #expect(revoked.status == .seeOther)
            #expect(try await harness.storage.apiToken(id: viewerToken.id)?.revoked == true)
            #expect(
                try await client.execute(uri: "/api/v1/me", method: .get, headers: harness.bearer(.viewer)).status
                    == .unauthorized
            )
        }
    }
}
