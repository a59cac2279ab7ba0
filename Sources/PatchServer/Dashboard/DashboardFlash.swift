import Foundation
import HTTPTypes
import Hummingbird

/// A one-time message on the next dashboard page after a form acted — "Approved CHG-4.", or the
/// API's refusal in its own words — carried in a short-lived cookie and cleared once shown.
struct DashboardFlash: Sendable, Equatable {
    /// The text shown.
    var message: String
    /// Whether it reports a refusal or failure (shown in the error style).
    var isError: Bool

    /// The cookie that carries it to the next page.
    static let cookieName = "pp_flash"
    /// The longest message kept (longer ones are cut).
    static let maximumLength = 1000

    /// The message of the page being rendered, set by ``DashboardFlashMiddleware``.
    @TaskLocal static var current: DashboardFlash?

    init(message: String, isError: Bool) {
        self.message = message.count > Self.maximumLength ? String(message.prefix(Self.maximumLength)) + "…" : message
        self.isError = isError
    }

    /// `ok.` or `error.`, then the message in base64url (cookie-safe whatever it contains).
    var cookieValue: String {
        let encoded = Data(message.utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
        return (isError ? "error." : "ok.") + encoded
    }

    /// Reads a cookie value; nil when it is not one this server wrote.
    init?(cookieValue: String) {
        guard cookieValue.utf8.count <= 4 * Self.maximumLength else { return nil }
        let parts = cookieValue.split(separator: ".", maxSplits: 1)
        guard parts.count == 2, parts[0] == "ok" || parts[0] == "error" else { return nil }
        var text = parts[1].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        text += String(repeating: "=", count: (4 - text.utf8.count % 4) % 4)
        guard let data = Data(base64Encoded: text), let message = String(data: data, encoding: .utf8) else {
            return nil
        }
        self.init(message: message, isError: parts[0] == "error")
    }

    /// The cookie that sets this message for the next page.
    func cookie(secure: Bool) -> Cookie {
        Cookie(
            name: Self.cookieName,
            value: cookieValue,
            maxAge: 120,
            path: "/",
            secure: secure,
            httpOnly: true,
            sameSite: .strict
        )
    }

    /// The cookie that removes a shown message.
    static func clearing(secure: Bool) -> Cookie {
        Cookie(name: cookieName, value: "", maxAge: 0, path: "/", secure: secure, httpOnly: true, sameSite: .strict)
    }
}

/// Makes a pending ``DashboardFlash`` the current one while a dashboard page renders, and clears
/// its cookie when the answer is a page (a redirect passes it on to the page it leads to).
struct DashboardFlashMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let secure: Bool

    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard request.method == .get, let cookie = request.cookies[DashboardFlash.cookieName] else {
            return try await next(request, context)
        }
        var response = try await DashboardFlash.$current.withValue(DashboardFlash(cookieValue: cookie.value)) {
            try await next(request, context)
        }
        if response.headers[.contentType]?.hasPrefix("text/html") == true {
            response.setCookie(DashboardFlash.clearing(secure: secure))
        }
        return response
    }
}
