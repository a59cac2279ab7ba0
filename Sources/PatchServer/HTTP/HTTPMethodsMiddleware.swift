import HTTPTypes
import Hummingbird

/// HTTP method and transport hygiene on every route: `TRACE` and `CONNECT` get 405 with `Allow` (a
/// TRACE echo helps cross-site tracing), and under HTTPS every answer carries
/// `Strict-Transport-Security`. `HEAD` is handled by ``HeadAsGetResponder`` in front of the router.
struct HTTPMethodsMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    /// Whether the server speaks HTTPS (HSTS is only meaningful, and only sent, then).
    let usesTLS: Bool

    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var response: Response
        switch request.method {
        case .trace, .connect:
            response = try Problem(
                .methodNotAllowed,
                "method \(request.method.rawValue) is not supported",
                headers: [.allow: "GET, HEAD, POST, PUT, DELETE"]
            ).response(from: request, context: context)
        default:
            do {
                response = try await next(request, context)
            } catch var problem as Problem where usesTLS {
                problem.headers[.strictTransportSecurity] = Self.hsts
                throw problem
            }
        }
        if usesTLS { response.headers[.strictTransportSecurity] = Self.hsts }
        return response
    }

    /// One year, subdomains included.
    static let hsts = "max-age=31536000; includeSubDomains"
}

/// Answers `HEAD` like `GET` without a body (RFC 9110 §9.3.2). It sits in front of the router,
/// because the router looks a route up by method before any middleware runs.
struct HeadAsGetResponder<Inner: HTTPResponder>: HTTPResponder where Inner.Context == AppRequestContext {
    typealias Context = AppRequestContext
    let inner: Inner

    func respond(to request: Request, context: Context) async throws -> Response {
        guard request.method == .head else { return try await inner.respond(to: request, context: context) }
        var head = request.head
        head.method = .get
        var response = try await inner.respond(to: Request(head: head, body: request.body), context: context)
        response.body = ResponseBody()
        return response
    }
}
