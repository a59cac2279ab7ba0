import ChangeControl
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import PatchServer
import Testing

/// A browser gets errors as pages in the site's layout with a way back; API clients keep problem
/// documents; the icon is served.
@Suite struct ErrorPagesTests {
    static let browser: HTTPFields = [.accept: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"]

    @Test func anUnknownPageIsAnHTMLPageWithAWayBack() async throws {
        let harness = try await Harness.make()
        try await harness.application().test(.router) { client in
            let page = try await client.execute(uri: "/no-such-page", method: .get, headers: Self.browser)
            #expect(page.status == .notFound)
            #expect(page.headers[.contentType] == "text/html; charset=utf-8")
            #expect(page.headers[.contentSecurityPolicy]?.contains("frame-ancestors 'none'") == true)
            #expect(page.text.contains("There is nothing here"))
            #expect(page.text.contains("<code>/no-such-page</code>"))
            #expect(page.text.contains(#"<a class="button" href="/">Back to the overview</a>"#))
            #expect(page.text.contains(#"href="/static/app.css""#), "in the site's layout")
            #expect(!page.text.contains("Sign out"), "no user is named on an anonymous error page")

            let plain = try await client.execute(uri: "/no-such-page", method: .get)
            #expect(plain.status == .notFound)
            #expect(plain.headers[.contentType]?.contains("text/html") != true)
        }
    }

    @Test func anUnauthorizedPageOffersSignInAndKeepsItsHeaders() async throws {
        let harness = try await Harness.make()
        try await harness.application().test(.router) { client in
            let page = try await client.execute(uri: "/metrics", method: .get, headers: Self.browser)
            #expect(page.status == .unauthorized)
            #expect(page.headers[.wwwAuthenticate] == "Bearer realm=\"patchpilot\"")
            #expect(page.text.contains(#"href="/login">Sign in</a>"#))
        }
    }

    @Test func theAPIKeepsProblemDocumentsEvenForBrowsers() async throws {
        let harness = try await Harness.make()
        try await harness.application().test(.router) { client in
            var headers = harness.bearer(.admin)
            headers[.accept] = "text/html"
            let response = try await client.execute(uri: "/api/v1/hosts/nope", method: .get, headers: headers)
            #expect(response.status == .notFound)
            #expect(response.headers[.contentType] == "application/problem+json")
            let anonymous = try await client.execute(uri: "/api/v1/hosts", method: .get, headers: Self.browser)
            #expect(anonymous.status == .unauthorized)
            #expect(anonymous.headers[.contentType] == "application/problem+json")
        }
    }

    @Test func theIconIsServedInBothFormats() async throws {
        let harness = try await Harness.make()
        try await harness.application().test(.router) { client in
            let ico = try await client.execute(uri: "/favicon.ico", method: .get)
            #expect(ico.status == .ok)
            #expect(ico.headers[.contentType] == "image/x-icon")
            #expect(Array(ico.body.readableBytesView.prefix(4)) == [0, 0, 1, 0], "an ICO header")
            let svg = try await client.execute(uri: "/static/favicon.svg", method: .get)
            #expect(svg.status == .ok)
            #expect(svg.headers[.contentType] == "image/svg+xml")
            #expect(svg.text.hasPrefix("<svg"))
        }
    }
}
