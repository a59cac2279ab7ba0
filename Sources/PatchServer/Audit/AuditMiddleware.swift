import Foundation
import HTTPTypes
import Hummingbird
import Logging
import PatchStore

/// Gives every authenticated request an id (the caller's `X-Request-ID` when sane, else a fresh one;
/// echoed in the response) and binds it to the ``AuditContext`` so events written while serving it
/// carry it. A state-changing request that succeeds but wrote no event of its own is recorded as an
/// `api.call` event, so no change escapes the audit log.
struct AuditMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let storage: any PatchStorage
    let clock: any WallClock

    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let requestID = Self.requestID(from: request.headers[.requestID])
        let audit = AuditContext(requestID: requestID)
        var response: Response
        do {
            response = try await AuditContext.$current.withValue(audit) {
                let response = try await next(request, context)
                let changesState = request.method != .get && request.method != .head
                if changesState, response.status.code < 400, audit.written.value == 0, let identity = context.identity {
                    try await storage.appendEvent(
                        EventRecord(
                            at: clock.now(),
                            actor: identity.actor,
                            action: "api.call",
                            target: "route:\(request.method.rawValue) \(request.uri.path)",
                            details: try JSONResponse.text(["status": String(response.status.code)])
                        )
                    )
                }
                return response
            }
        } catch {
            var problem = ProblemMiddleware.problem(for: error)
            if problem.status == .internalServerError, !(error is Problem) {
                context.logger.error("request failed", metadata: ["pp.error": .string("\(error)")])
            }
            problem.headers[.requestID] = requestID
            throw problem
        }
        response.headers[.requestID] = requestID
        return response
    }

    static func requestID(from header: String?) -> String {
        if let header, (1...128).contains(header.utf8.count),
            header.utf8.allSatisfy({
                ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5a) || ($0 >= 0x61 && $0 <= 0x7a) || $0 == 0x2d
                    || $0 == 0x2e || $0 == 0x5f
            })
        {
            return header
        }
        return BearerSecret.randomToken(bytes: 12)
    }
}

extension HTTPField.Name {
    /// `X-Request-ID`.
    public static let requestID = HTTPField.Name("X-Request-ID")!
}
