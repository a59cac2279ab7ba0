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

/// The dashboard acts through the API's own routes: forms carry the session's CSRF token, the API
/// route checks permission and scope and writes the audit events, and the answer comes back as a
/// flash message on the next page.
@Suite struct DashboardActionsTests {
    /// A signed-in browser: its session cookie, and the CSRF token its pages carry.
    struct Browser {
        var session: String
        var csrf: String
        var flash: String?

        var cookies: String { "pp_session=\(session)" + (flash.map { "; pp_flash=\($0)" } ?? "") }
    }

    static func cookie(_ response: TestResponse, _ name: String) -> String? {
        for value in response.headers[values: .setCookie] where value.hasPrefix(name + "=") {
            return String(value.dropFirst(name.count + 1).prefix { $0 != ";" })
        }
        return nil
    }

    static func hiddenField(_ html: String, _ name: String) -> String? {
        guard let range = html.range(of: "name=\"\(name)\" value=\"") else { return nil }
        return String(html[range.upperBound...].prefix { $0 != "\"" })
    }

    static func form(_ fields: [(String, String)]) -> ByteBuffer {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return ByteBuffer(
            string: fields.map {
                "\($0.0.addingPercentEncoding(withAllowedCharacters: allowed)!)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed)!)"
            }.joined(separator: "&")
        )
    }

    static func signIn(
        _ client: some TestClientProtocol,
        as username: String,
        landing: String = "/changes"
    ) async throws -> Browser {
        let login = try await client.execute(uri: "/login", method: .get)
        let csrf = try #require(hiddenField(login.text, "csrf"))
        let signedIn = try await client.execute(
            uri: "/login",
            method: .post,
            headers: [.contentType: "application/x-www-form-urlencoded", .cookie: "pp_login_csrf=\(csrf)"],
            body: form([("username", username), ("password", "correct horse battery staple"), ("csrf", csrf)])
        )
        let session = try #require(cookie(signedIn, "pp_session"), "\(username) signs in")
        let overview = try await client.execute(
            uri: landing,
            method: .get,
            headers: [.cookie: "pp_session=\(session)"]
        )
        return Browser(session: session, csrf: try #require(hiddenField(overview.text, "csrf")))
    }

    /// Posts a dashboard form and follows the redirect, keeping the flash cookie for the next page.
    static func act(
        _ client: some TestClientProtocol,
        _ browser: inout Browser,
        _ path: String,
        _ fields: [(String, String)]
    ) async throws -> (response: TestResponse, page: TestResponse?) {
        let response = try await client.execute(
            uri: path,
            method: .post,
            headers: [.cookie: browser.cookies, .contentType: "application/x-www-form-urlencoded"],
            body: form([("csrf", browser.csrf)] + fields)
        )
        guard response.status == .seeOther, let location = response.headers[.location] else { return (response, nil) }
        browser.flash = cookie(response, "pp_flash")
        let page = try await client.execute(uri: location, method: .get, headers: [.cookie: browser.cookies])
        if let cleared = cookie(page, "pp_flash"), cleared.isEmpty { browser.flash = nil }
        return (response, page)
    }

    @Test func aChangeGoesFromDraftToApprovedThroughTheForms() async throws {
        let (fleet, built) = try await ChangeControlAPITests.fleet()
        let storage = fleet.harness.storage
        try await Application(router: built.router).test(.router) { client in
            var requester = try await Self.signIn(client, as: "operator-user")
            let changes = try await client.execute(uri: "/changes", method: .get, headers: [.cookie: requester.cookies])
            #expect(changes.text.contains("New change request"))
            let (created, changePage) = try await Self.act(
                client,
                &requester,
                "/act/changes",
                [
                    ("_next", "/changes/{id}"), ("_back", "/changes"), ("_done", "Created {id}."),
                    ("title", "openssl 3.0.15"), ("kind", "normal"),
                    ("content.packages:packages", "openssl=3.0.15-1~deb12u1\n"),
                    // An unticked box sends only the hidden "false" before it (the template's pattern).
                    ("content.allApprovedByBaseline:bool", "false"),
                    ("content.environments:list", "dev, prod"), ("content.groups:list", ""),
                    ("content.hosts:list", ""), ("content.windows:list", "sunday"),
                    ("content.addresses:list", "DSA-5800-1"),
                    ("content.rollbackPlan:text", "reinstall 3.0.11"),
                ]
            )
            #expect(created.status == .seeOther)
            #expect(created.headers[.location] == "/changes/CHG-1")
            let page = try #require(changePage)
            #expect(page.text.contains("Created CHG-1."), "the flash message is shown once")
            #expect(page.text.contains("Submit for approval"))
            let stored = try #require(try await storage.change(id: "CHG-1"))
            #expect(stored.requester == "operator-user")
            #expect(stored.content.packages.map(\.name) == ["openssl"])
            #expect(stored.content.packages.first?.version == "3.0.15-1~deb12u1")
            #expect(stored.content.environments == ["dev", "prod"])
            // The flash is gone on the next page.
            let again = try await client.execute(
                uri: "/changes/CHG-1",
                method: .get,
                headers: [.cookie: requester.cookies]
            )
            #expect(!again.text.contains("Created CHG-1."))

            let (submitted, _) = try await Self.act(
                client,
                &requester,
                "/act/changes/CHG-1/submit",
                [("_back", "/changes/CHG-1"), ("_done", "Submitted.")]
            )
            #expect(submitted.status == .seeOther)
            #expect(try await storage.change(id: "CHG-1")?.state == .submitted)

            // The requester may not approve: the API's refusal comes back as an error flash, and
            // the attempt is recorded like any refused API call.
            let (refused, refusedPage) = try await Self.act(
                client,
                &requester,
                "/act/changes/CHG-1/approve",
                [("_back", "/changes/CHG-1"), ("comment", "mine")]
            )
            #expect(refused.status == .seeOther)
            #expect(refusedPage?.text.contains("class=\"flash error\"") == true)
            #expect(
                refusedPage?.text.contains("lacks permission &#39;changes.approve&#39;") == true
                    || refusedPage?.text.contains("lacks permission") == true
            )
            let denied = try await storage.auditEvents(afterID: 0, since: nil, target: nil, limit: 10_000)
                .filter { $0.action == "access.denied" && $0.actor == "user:operator-user" }
            #expect(denied.count == 1)

            // Two approvers decide on the content digest they saw.
            for approver in ["approver-user", "ann"] {
                var browser = try await Self.signIn(client, as: approver)
                let view = try await client.execute(
                    uri: "/changes/CHG-1",
                    method: .get,
                    headers: [.cookie: browser.cookies]
                )
                #expect(view.text.contains("Your decision"), "\(approver) sees the decision form")
                let digest = try #require(Self.hiddenField(view.text, "contentDigest"))
                let (decided, decidedPage) = try await Self.act(
                    client,
                    &browser,
                    "/act/changes/CHG-1/approve",
                    [
                        ("contentDigest", digest), ("comment", "ok from \(approver)"), ("_back", "/changes/CHG-1"),
                        ("_done", "Decision recorded."),
                    ]
                )
                #expect(decided.status == .seeOther)
                #expect(decidedPage?.text.contains("Decision recorded.") == true)
                #expect(decidedPage?.text.contains("Your decision") == false, "one decision per approver")
            }
            let approved = try #require(try await storage.change(id: "CHG-1"))
            #expect(approved.state == .approved)
            #expect(approved.approvals.map(\.comment).sorted() == ["ok from ann", "ok from approver-user"])
            let actions = try await storage.auditEvents(afterID: 0, since: nil, target: "change:CHG-1", limit: 100)
                .map(\.action)
            #expect(actions == ["change.created", "change.submitted", "change.approval", "change.approval"])
        }
    }

    @Test func formsNeedTheSessionsCSRFTokenAndStayOnThisSite() async throws {
        let harness = try await Harness.make()
        try await harness.application().test(.router) { client in
            let browser = try await Self.signIn(client, as: "admin-user")
            let forged = try await client.execute(
                uri: "/act/tokens",
                method: .post,
                headers: [.cookie: browser.cookies, .contentType: "application/x-www-form-urlencoded"],
                body: Self.form([("csrf", "wrong"), ("name", "x")])
            )
            #expect(forged.status == .forbidden)
            // A bearer token is not a dashboard session.
            let bearer = try await client.execute(
                uri: "/act/tokens",
                method: .post,
                headers: [
                    .authorization: "Bearer \(harness.tokens[.admin]!)",
                    .contentType: "application/x-www-form-urlencoded",
                ],
                body: Self.form([("csrf", browser.csrf), ("name", "x")])
            )
            #expect(bearer.status == .forbidden)
            var signedIn = browser
            let (offSite, _) = try await Self.act(
                client,
                &signedIn,
                "/act/tokens",
                [("name", "ci"), ("_next", "//evil.example/x"), ("_back", "https://evil.example")]
            )
            #expect(offSite.headers[.location] == "/", "a redirect never leaves the site")
            let (unknown, unknownPage) = try await Self.act(
                client,
                &signedIn,
                "/act/no/such/route",
                [("_back", "/tokens")]
            )
            #expect(unknown.headers[.location] == "/tokens")
            #expect(unknownPage?.text.contains("the API has no POST /api/v1/no/such/route") == true)
            let (malformed, malformedPage) = try await Self.act(
                client,
                &signedIn,
                "/act/tokens",
                [("name", "ci"), ("expiresInSeconds:int", "99999999999999999999999"), ("_back", "/tokens")]
            )
            #expect(malformed.status == .seeOther)
            #expect(malformedPage?.text.contains("is not a whole number") == true)
        }
    }

    @Test func aNewTokensSecretIsShownOnceAndDestructiveActionsAskFirst() async throws {
        let harness = try await Harness.make()
        try await harness.application().test(.router) { client in
            var browser = try await Self.signIn(client, as: "operator-user")
            let shown = try await client.execute(
                uri: "/act/tokens",
                method: .post,
                headers: [.cookie: browser.cookies, .contentType: "application/x-www-form-urlencoded"],
                body: Self.form([
                    ("csrf", browser.csrf), ("_reveal", "token"), ("_done", "Your new API token"), ("_next", "/tokens"),
                    ("name", "ci"), ("expiresInSeconds:int", "86400"), ("permissions:list", "fleet.read"),
                    ("permissions:list", "changes.read"),
                ])
            )
            #expect(shown.status == .ok)
            #expect(shown.headers[.cacheControl] == "no-store")
            let secret = try #require(
                shown.text.range(of: "ppt_").map { String(shown.text[$0.lowerBound...].prefix { $0 != "<" }) }
            )
            // The secret works as a bearer token, with only the permissions ticked.
            let me = try await client.execute(
                uri: "/api/v1/me",
                method: .get,
                headers: [.authorization: "Bearer \(secret)"]
            )
            #expect(me.status == .ok)
            let user = try #require(try await harness.storage.user(named: "operator-user"))
            let token = try #require(try await harness.storage.apiTokens(userID: user.id).first { $0.name == "ci" })
            #expect(Set(token.permissions ?? []) == ["fleet.read", "changes.read"])

            // Revoking through the API route asks first: the confirmation page repeats the fields.
            let question = try await client.execute(
                uri: "/act/tokens/\(token.id)/revoke",
                method: .post,
                headers: [.cookie: browser.cookies, .contentType: "application/x-www-form-urlencoded"],
                body: Self.form([
                    ("csrf", browser.csrf), ("_confirm", "Revoke ci?"), ("_next", "/tokens"), ("_done", "Revoked."),
                ])
            )
            #expect(question.status == .ok)
            #expect(question.text.contains("Revoke ci?"))
            #expect(question.text.contains("name=\"_confirmed\" value=\"yes\""))
            #expect(try await harness.storage.apiToken(id: token.id)?.revoked == false, "nothing happens before yes")
            let (revoked, page) = try await Self.act(
                client,
                &browser,
                "/act/tokens/\(token.id)/revoke",
                [("_confirm", "Revoke ci?"), ("_confirmed", "yes"), ("_next", "/tokens"), ("_done", "Revoked.")]
            )
            #expect(revoked.status == .seeOther)
            #expect(page?.text.contains("Revoked.") == true)
            #expect(try await harness.storage.apiToken(id: token.id)?.revoked == true)
        }
    }
}

extension DashboardActionsTests {
    @Test func hostLabelsAndEnrollmentTokensAreManagedFromTheConsole() async throws {
        let harness = try await Harness.make()
        let token = try await harness.enrollmentToken()
        try await harness.application().test(.router) { client in
            var agent = TestAgent()
            try await client.enroll(&agent, token: token)
            var browser = try await Self.signIn(client, as: "admin-user")
            let hostPage = try await client.execute(
                uri: "/hosts/\(agent.hostID)",
                method: .get,
                headers: [.cookie: browser.cookies]
            )
            #expect(hostPage.text.contains("action=\"/act/hosts/\(agent.hostID)/labels\""))
            let (saved, page) = try await Self.act(
                client,
                &browser,
                "/act/hosts/\(agent.hostID)/labels",
                [
                    ("_method", "PUT"), ("_next", "/hosts/\(agent.hostID)"), ("_done", "Labels saved"),
                    ("labels:map", "env=staging\nteam = web"), ("tags:list", "pci, canary"),
                ]
            )
            #expect(saved.status == .seeOther)
            #expect(page?.text.contains("Labels saved") == true)
            #expect(page?.text.contains("env=staging\nteam=web") == true)
            let host = try #require(try await harness.storage.host(id: agent.hostID))
            #expect(host.labels == ["env": "staging", "team": "web"])
            #expect(Set(host.tags) == ["pci", "canary"])
            let audit = try await harness.storage.auditEvents(
                {
                    var query = AuditEventQuery()
                    query.target = "host:\(agent.hostID)"
                    query.actor = "user:*"
                    return query
                }()
            )
            #expect(audit.total >= 1, "the change is audited with the user as actor")

            // A viewer sees no form, and the API refuses the same post.
            var viewer = try await Self.signIn(client, as: "viewer-user")
            let viewed = try await client.execute(
                uri: "/hosts/\(agent.hostID)",
                method: .get,
                headers: [.cookie: viewer.cookies]
            )
            #expect(!viewed.text.contains("/labels\""))
            let (refused, back) = try await Self.act(
                client,
                &viewer,
                "/act/hosts/\(agent.hostID)/labels",
                [("_method", "PUT"), ("_back", "/hosts/\(agent.hostID)"), ("labels:map", ""), ("tags:list", "")]
            )
            #expect(refused.status == .seeOther)
            #expect(back?.text.contains("hosts.manage") == true)
            #expect(try await harness.storage.host(id: agent.hostID)?.labels == ["env": "staging", "team": "web"])

            // An enrollment token made on the tokens page enrolls an agent.
            let tokens = try await client.execute(uri: "/tokens", method: .get, headers: [.cookie: browser.cookies])
            #expect(tokens.text.contains("action=\"/act/enrollment-tokens\""))
            let shown = try await client.execute(
                uri: "/act/enrollment-tokens",
                method: .post,
                headers: [.cookie: browser.cookies, .contentType: "application/x-www-form-urlencoded"],
                body: Self.form([
                    ("csrf", browser.csrf), ("_reveal", "token"), ("_done", "Your new enrollment token"),
                    ("_next", "/tokens"), ("uses:int", "2"), ("expiresInSeconds:int", "3600"),
                ])
            )
            #expect(shown.status == .ok)
            let secret = try #require(Self.revealed(shown.text))
            var second = TestAgent(hostname: "web-02")
            try await client.enroll(&second, token: secret)
            #expect(!second.hostID.isEmpty)

            // Listed (never with its secret), then revoked from the tokens page: no more enrollments.
            let listed = try await client.execute(
                uri: "/api/v1/enrollment-tokens",
                method: .get,
                headers: harness.bearer(.admin)
            )
            .json(EnrollmentTokenList.self)
            let made = try #require(listed.tokens.first { $0.createdBy == "user:admin-user" })
            #expect(made.usesAllowed == 2 && made.usesConsumed == 1 && made.state == "active")
            let shownTokens = try await client.execute(
                uri: "/tokens",
                method: .get,
                headers: [.cookie: browser.cookies]
            )
            #expect(shownTokens.text.contains("/act/enrollment-tokens/\(made.id)/revoke"))
            #expect(!shownTokens.text.contains(secret), "the secret is never shown again")
            let (revoked, after) = try await Self.act(
                client,
                &browser,
                "/act/enrollment-tokens/\(made.id)/revoke",
                [
                    ("_confirm", "Revoke?"), ("_confirmed", "yes"), ("_next", "/tokens"),
                    ("_done", "Enrollment token revoked."),
                ]
            )
            #expect(revoked.status == .seeOther)
            #expect(after?.text.contains("Enrollment token revoked.") == true)
            let third = TestAgent(hostname: "web-03")
            let tooLate = try await client.execute(
                uri: "/api/v1/agent/enroll",
                method: .post,
                headers: [.contentType: "application/json"],
                body: try third.enrollBody(token: secret)
            )
            #expect(tooLate.status == .unauthorized || tooLate.status == .forbidden)
            #expect(third.hostID.isEmpty)
            let unknown = try await client.execute(
                uri: "/api/v1/enrollment-tokens/nope/revoke",
                method: .post,
                headers: harness.bearer(.admin)
            )
            #expect(unknown.status == .notFound)
            let operatorTry = try await client.execute(
                uri: "/api/v1/enrollment-tokens",
                method: .get,
                headers: harness.bearer(.viewer)
            )
            #expect(operatorTry.status == .forbidden)
        }
    }

    /// The secret a reveal page shows (the text of its `code.secret`).
    static func revealed(_ html: String) -> String? {
        guard let start = html.range(of: "<code class=\"secret\" id=\"secret\">") else { return nil }
        return String(html[start.upperBound...].prefix { $0 != "<" })
    }
}

/// Form fields become the JSON body the API reads.
@Suite struct FormFieldsTests {
    @Test func namesSayWhereAndWhat() throws {
        let form = String(
            buffer: try FormFields(
                "csrf=x&_next=%2Fa&title=Patch+it&content.packages%3Apackages=openssl%3D3.0%0Acurl&content.environments%3Alist=dev%2C+prod"
                    + "&content.hosts%3Alist=&dryRun%3Abool=on&options.canary%3Aint=2&content.rollbackPlan%3Atext=&note="
            ).json()
        )
        #expect(
            form
                == #"{"content":{"environments":["dev","prod"],"hosts":[],"packages":[{"name":"openssl","version":"3.0"},{"name":"curl"}],"rollbackPlan":""},"dryRun":true,"options":{"canary":2},"title":"Patch it"}"#
        )
    }

    @Test func mapsComeFromKeyValueLinesAndStayEvenWhenEmpty() throws {
        let map = String(
            buffer: try FormFields("labels%3Amap=env+%3D+prod%0D%0A%0Ateam%3Dweb%3Dblue&tags%3Alist=").json()
        )
        #expect(map == #"{"labels":{"env":"prod","team":"web=blue"},"tags":[]}"#)
        #expect(String(buffer: try FormFields("labels%3Amap=").json()) == #"{"labels":{}}"#)
    }

    @Test(arguments: [
        ("a%3Aint=12x", "is not a whole number"), ("a%3Aint=99999999999999999999", "is not a whole number"),
        ("a%3Anumber=nan", "is not a number"), ("a%3Ajson=%7B", "not valid JSON"), ("a%3Awhat=1", "unknown kind"),
        ("a.b.c.d.e=1", "not a field name"), ("a=1&a.b=2", "both a value and a group"), ("a=%ZZ", "malformed percent"),
        ("labels%3Amap=env%3Dprod%0Anovalue", "line 2: "), ("labels%3Amap=%3Dx", "is not key=value"),
    ])
    func badFieldsAreNamed(_ example: (String, String)) throws {
        #expect {
            _ = try FormFields(example.0).json()
        } throws: { error in
            "\(error)".contains(example.1)
        }
    }
}
