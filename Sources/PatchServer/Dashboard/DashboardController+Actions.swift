import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Mustache
import NIOCore

/// The dashboard's actions. Every form posts to `/act/<API path>` (`/act/changes/CHG-4/approve`)
/// with the session's CSRF token; the fields become the JSON body (``FormFields``) and the API
/// route itself runs (``SecuredRoutes/dispatch(_:path:body:context:)``): the same permission and
/// object-scope checks, the same audit events, the same refusals as the API and the CLI. The answer
/// is a redirect with a flash message — the form's `_done` text on success (`{id}` is the new
/// object's id), the API's own words on a refusal.
///
/// Steering fields: `_next` (where to go on success; `{id}` filled in), `_back` (where to go on a
/// refusal; the form's page), `_done` (the success message), `_method=PUT`, `_confirm` (a question
/// asked on a confirmation page first; destructive actions carry it, and it works without
/// JavaScript), `_reveal` (a field of the answer to show once on a page of its own — a new
/// token's secret — instead of redirecting).
extension DashboardController {
    func addActionRoutes(to pages: RouterGroup<AppRequestContext>) {
        pages.post("act/**", use: act)
    }

    /// At most this much form per action (a policy upload is the largest).
    static let actionBodyLimit = 2 * 1024 * 1024

    @Sendable func act(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let identity = context.identity else { return redirectToLogin() }
        guard case .session(_, let csrf) = identity.credential else {
            throw Problem.forbidden("dashboard forms need a dashboard session")
        }
        let body = try await JSONBody.collect(request, limit: Self.actionBodyLimit)
        let form = try FormFields(String(decoding: body, as: UTF8.self))
        guard let token = form["csrf"], constantTimeEquals(token, csrf) else {
            throw Problem.forbidden("missing or wrong CSRF token in form")
        }
        let segments = context.parameters.getCatchAll()
        guard !segments.isEmpty, segments.allSatisfy({ !$0.isEmpty && $0 != "." && $0 != ".." }) else {
            throw Problem.notFound("no dashboard action at \(request.uri.path)")
        }
        let path = "/api/v1/" + segments.joined(separator: "/")
        let method: HTTPRequest.Method = form["_method"]?.uppercased() == "PUT" ? .put : .post
        let back = Self.localPath(form["_back"]) ?? Self.localPath(form["_next"]) ?? "/"
        if let question = form["_confirm"], !question.isEmpty, form["_confirmed"] != "yes" {
            var data = page(identity, title: "Confirm")
            data["question"] = question
            data["action"] = request.uri.path
            data["fields"] = form.pairs.filter { $0.name != "csrf" && $0.name != "_confirmed" }.map {
                ["name": $0.name, "value": $0.value]
            }
            data["back"] = back
            return html(library.render(data, withTemplate: "confirm"))
        }
        let answer: Response
        do {
            guard let response = try await routes.dispatch(method, path: path, body: try form.json(), context: context)
            else { throw Problem.notFound("the API has no \(method.rawValue) \(path)") }
            answer = response
        } catch {
            let problem = ProblemMiddleware.problem(for: error)
            if problem.status == .internalServerError {
                context.logger.error(
                    "dashboard action failed",
                    metadata: ["pp.error": .string("\(error)"), "pp.path": .string(path)]
                )
            }
            return redirect(to: back, flash: DashboardFlash(message: problem.detail, isError: true))
        }
        let json = try await Self.collect(answer.body)
        if let field = form["_reveal"], let value = Self.topLevelString(field, in: json) {
            var data = page(identity, title: "Shown once")
            data["message"] = Self.fill(form["_done"] ?? "Done.", from: json)
            data["secret"] = value
            data["next"] = Self.localPath(form["_next"].map { Self.fill($0, from: json) }) ?? back
            return html(library.render(data, withTemplate: "reveal"))
        }
        let next = Self.localPath(form["_next"].map { Self.fill($0, from: json) }) ?? back
        return redirect(
            to: next,
            flash: DashboardFlash(message: Self.fill(form["_done"] ?? "Done.", from: json), isError: false)
        )
    }

    func redirect(to path: String, flash: DashboardFlash) -> Response {
        var response = Response(status: .seeOther, headers: [.location: path, .cacheControl: "no-store"])
        response.setCookie(flash.cookie(secure: configuration.usesTLS))
        return response
    }

    /// A path on this site (`/changes/CHG-4`), never another origin (`//evil`, `https://…`).
    static func localPath(_ text: String?) -> String? {
        guard let text, text.hasPrefix("/"), !text.hasPrefix("//"), !text.hasPrefix("/\\"), text.utf8.count <= 2048,
            !text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else { return nil }
        return text
    }

    /// `{id}` in `template` replaced by the answer's id: its top-level `id`, else the `id` of
    /// its first top-level object that has one (`{"change": {"id": …}}`).
    static func fill(_ template: String, from json: [String: Any]?) -> String {
        guard template.contains("{id}") else { return template }
        var id = json?["id"] as? String
        if id == nil, let json {
            for key in json.keys.sorted() {
                if let nested = (json[key] as? [String: Any])?["id"] as? String {
                    id = nested
                    break
                }
            }
        }
        return template.replacingOccurrences(of: "{id}", with: id ?? "")
    }

    static func topLevelString(_ key: String, in json: [String: Any]?) -> String? { json?[key] as? String }

    /// The answer's JSON object (nil when it is not one); at most 16 MiB are read.
    static func collect(_ body: ResponseBody) async throws -> [String: Any]? {
        let sink = CollectedBody()
        try await body.write(CollectingWriter(sink: sink))
        guard !sink.overflowed else { return nil }
        return try? JSONSerialization.jsonObject(with: Data(sink.buffer.readableBytesView)) as? [String: Any]
    }
}

/// Where ``CollectingWriter`` puts an answer's bytes.
private final class CollectedBody: @unchecked Sendable {
    var buffer = ByteBuffer()
    var overflowed = false
}

/// Collects a response body in memory (an action's JSON answer).
private struct CollectingWriter: ResponseBodyWriter {
    let sink: CollectedBody

    mutating func write(_ buffer: ByteBuffer) async throws {
        guard sink.buffer.readableBytes + buffer.readableBytes <= 16 << 20 else {
            sink.overflowed = true
            return
        }
        sink.buffer.writeImmutableBuffer(buffer)
    }

    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {}
}
