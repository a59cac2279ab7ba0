import Foundation
import HTTPTypes
import Hummingbird
import Mustache
import NIOCore

/// Errors a browser asks for (`Accept: text/html`, outside `/api/`) are answered with an HTML page in
/// the dashboard's layout — what went wrong and a way back — instead of a problem document. The
/// status and headers (`Retry-After`, `WWW-Authenticate`) stay those of the problem. API clients,
/// agents and anything that does not ask for HTML keep RFC 9457 JSON.
struct ErrorPageMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let library: MustacheLibrary

    /// Loads the templates bundled with the server.
    static func load() async throws -> ErrorPageMiddleware {
        guard let resources = Bundle.module.url(forResource: "Resources", withExtension: nil) else {
            throw Problem(.internalServerError, "dashboard resources are missing from the server bundle")
        }
        return ErrorPageMiddleware(
            library: try await MustacheLibrary(directory: resources.appendingPathComponent("templates").path)
        )
    }

    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as any HTTPResponseError {
            guard Self.wantsHTML(request), error.status.code >= 400 else { throw error }
            let detail: String
            var headers: HTTPFields
            switch error {
            case let problem as Problem:
                detail = problem.detail
                headers = problem.headers
            case let plain as HTTPError:
                detail = plain.body ?? Self.explanation(error.status)
                headers = plain.headers
            default:
                detail = Self.explanation(error.status)
                headers = [:]
            }
            return page(status: error.status, detail: detail, path: request.uri.path, headers: &headers)
        }
    }

    /// A browser navigation or form post outside the API, asking for HTML.
    static func wantsHTML(_ request: Request) -> Bool {
        guard request.method == .get || request.method == .head || request.method == .post else { return false }
        let first = request.uri.path.split(separator: "/", omittingEmptySubsequences: true).first
        guard first != "api" else { return false }
        return request.headers[.accept]?.contains("text/html") ?? false
    }

    func page(status: HTTPResponse.Status, detail: String, path: String, headers: inout HTTPFields) -> Response {
        let signIn = status == .unauthorized
        let data: [String: Any] = [
            "title": "\(status.code) \(status.reasonPhrase)",
            "status": "\(status.code)",
            "heading": Self.heading(status),
            "detail": detail,
            "path": path,
            "backHref": signIn ? "/login" : "/",
            "backLabel": signIn ? "Sign in" : "Back to the overview",
        ]
        let text = library.render(data, withTemplate: "error") ?? "\(status.code) \(status.reasonPhrase)\n"
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.contentSecurityPolicy] =
            "default-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'"
        headers[.xContentTypeOptions] = "nosniff"
        headers[.cacheControl] = "no-store"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func heading(_ status: HTTPResponse.Status) -> String {
        switch status.code {
        case 400: "That request was not understood"
        case 401: "Please sign in"
        case 403: "You may not do that"
        case 404: "There is nothing here"
        case 405: "Not possible here"
        case 409: "That clashes with the current state"
        case 413: "Too large"
        case 429: "Too many requests"
        case 503: "PatchPilot is unavailable for a moment"
        case 500...599: "Something went wrong on our side"
        default: status.reasonPhrase
        }
    }

    static func explanation(_ status: HTTPResponse.Status) -> String {
        switch status.code {
        case 401: "This page needs a signed-in user."
        case 403: "Your role or scope does not allow this."
        case 404: "No page or object at this address."
        case 405: "This address does not accept that method."
        case 500...599: "The error is in the server log."
        default: status.reasonPhrase
        }
    }
}
