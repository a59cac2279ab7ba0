import AgentProtocol
import ChangeControl
import Hummingbird
import Logging
import PatchAPI
import PatchStore
import RolloutEngine

/// The one place where errors become HTTP answers: every error a handler or middleware throws leaves
/// the server as an RFC 9457 problem document, never as an empty 500.
///
/// Problems pass through; the domain modules' errors map to the status their code means; anything
/// else is logged with its details and answered 500 with a generic detail (no internals leak).
struct ProblemMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as any HTTPResponseError {
            throw error
        } catch {
            let problem = Self.problem(for: error)
            if problem.status == .internalServerError {
                context.logger.error(
                    "request failed",
                    metadata: ["pp.error": .string("\(error)"), "pp.path": .string(request.uri.path)]
                )
            }
            throw problem
        }
    }

    /// The problem an error stands for.
    static func problem(for error: any Error) -> Problem {
        switch error {
        case let problem as Problem: return problem
        case let error as APIInputError: return Problem.badRequest(error.description)
        case let error as AgentProtocolError: return Problem.unauthorized(error.message)
        case let error as ChangeControlError: return Problem.refusal(error)
        case let error as RolloutEngineError:
            switch error.code {
            case .invalid: return Problem.badRequest(error.description)
            case .illegalTransition, .staleAttempt: return Problem.conflict(error.description)
            }
        case let error as StoreError:
            switch error.code {
            case .notFound: return Problem.notFound(error.message)
            case .conflict: return Problem.conflict(error.message)
            case .revoked: return Problem.unauthorized(error.message)
            case .unavailable:
                // The database is unreachable (PostgreSQL restarting, network): clients retry.
                return Problem(
                    .serviceUnavailable,
                    "the database is unavailable; retry shortly",
                    headers: [.retryAfter: "5"]
                )
            default: return Problem(.internalServerError, "the store failed; see the server log")
            }
        case let error as DecodingError: return Problem.badRequest(APIBody.describe(error))
        default: return Problem(.internalServerError, "internal error; see the server log")
        }
    }
}
