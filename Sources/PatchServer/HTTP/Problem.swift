import ChangeControl
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import PatchAPI

/// An HTTP error answered as an RFC 9457 problem document (`application/problem+json`).
public struct Problem: HTTPResponseError, Sendable {
    /// The HTTP status.
    public var status: HTTPResponse.Status
    /// A short, human-readable summary of the problem type.
    public var title: String
    /// What exactly went wrong, naming the field or value.
    public var detail: String
    /// Extra response headers (e.g. `WWW-Authenticate`).
    public var headers: HTTPFields

    /// Creates a problem.
    public init(_ status: HTTPResponse.Status, _ detail: String, title: String? = nil, headers: HTTPFields = [:]) {
        self.status = status
        self.title = title ?? status.reasonPhrase
        self.detail = detail
        self.headers = headers
    }

    /// 400 Bad Request.
    public static func badRequest(_ detail: String) -> Problem { Problem(.badRequest, detail) }
    /// 401 Unauthorized.
    public static func unauthorized(_ detail: String) -> Problem {
        Problem(.unauthorized, detail, headers: [.wwwAuthenticate: "Bearer realm=\"patchpilot\""])
    }
    /// 403 Forbidden.
    public static func forbidden(_ detail: String) -> Problem { Problem(.forbidden, detail) }
    /// 404 Not Found.
    public static func notFound(_ detail: String) -> Problem { Problem(.notFound, detail) }
    /// 409 Conflict.
    public static func conflict(_ detail: String) -> Problem { Problem(.conflict, detail) }
    /// 413 Content Too Large.
    /// The HTTP form of a change-control refusal: illegal transitions and holds are conflicts (409),
    /// separation of duties and missing scope are forbidden (403), bad input is 400.
    public static func refusal(_ error: ChangeControlError) -> Problem {
        switch error.code {
        case .illegalTransition, .held: Problem(.conflict, error.description)
        case .separationOfDuties, .notPermitted: Problem(.forbidden, error.description)
        case .invalid: Problem(.badRequest, error.description)
        }
    }
    public static func tooLarge(_ detail: String) -> Problem { Problem(.contentTooLarge, detail) }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let document = ProblemDocument(title: title, status: status.code, detail: detail, instance: request.uri.path)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let body = try encoder.encode(document)
        var fields = headers
        fields[.contentType] = "application/problem+json"
        return Response(
            status: status,
            headers: fields,
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: body))
        )
    }
}
