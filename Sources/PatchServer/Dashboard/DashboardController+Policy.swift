import ChangeControl
import Foundation
import HTTPTypes
import Hummingbird
import Mustache
import NIOCore
import PatchStore

extension DashboardController {
    func addPolicyRoutes(to pages: RouterGroup<AppRequestContext>) {
        pages.get("policy", use: policyPage)
        pages.post("policy/preview", use: policyPreview)
    }

    /// `/policy`: the version in force (who, when, why, its files) and, for `policy.manage`, a form
    /// to propose a new version: edit the files, add one, give a reason, and see the dry run's
    /// changes before applying.
    @Sendable func policyPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let identity = context.identity else { return redirectToLogin() }
        guard identity.has(.fleetRead) else {
            throw Problem.forbidden("\(identity.username) cannot read the fleet")
        }
        let current = try await storage.currentPolicy()
        let files = (current?.files ?? []).map { (name: $0.name, text: $0.text) }
        return try await policyEditor(identity, files: files, reason: "", error: nil)
    }

    func policyEditor(
        _ identity: Identity,
        files: [(name: String, text: String)],
        reason: String,
        error: String?,
        status: HTTPResponse.Status = .badRequest
    ) async throws -> Response {
        var data = page(identity, title: "Policy")
        data["navPolicy"] = true
        if let current = try await storage.currentPolicy() {
            data["current"] =
                [
                    "version": current.version, "appliedAt": ISO8601DateFormatter().string(from: current.appliedAt),
                    "actor": current.actor, "reason": current.reason,
                ] as [String: Any]
        }
        if let error { data["error"] = error }
        data["reason"] = reason
        data["canManage"] = identity.has(.policyManage)
        data["files"] = (files + [("", "")]).enumerated().map { index, file -> [String: Any] in
            ["index": index, "name": file.name, "text": file.text, "isNew": file.name.isEmpty]
        }
        return html(library.render(data, withTemplate: "policy"), status: error == nil ? .ok : status)
    }

    /// The dry run of a proposed policy (through `POST /api/v1/policy` with `dryRun`): the changes it
    /// would make, or the reason it is refused (file, line, field), and an apply button that posts
    /// exactly these files.
    @Sendable func policyPreview(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let identity = context.identity else { return redirectToLogin() }
        guard case .session(_, let csrf) = identity.credential else {
            throw Problem.forbidden("dashboard forms need a dashboard session")
        }
        let body = try await JSONBody.collect(request, limit: 4 * 1024 * 1024)
        let form = try FormFields(String(decoding: body, as: UTF8.self))
        guard constantTimeEquals(form["csrf"] ?? "", csrf) else {
            throw Problem.forbidden("missing or wrong CSRF token in form")
        }
        var files: [(name: String, text: String)] = []
        for index in 0..<FormFields.maximumFields {
            guard let name = form["name.\(index)"] else { break }
            let text = form["text.\(index)"] ?? ""
            let trimmed = name.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty || !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { continue }
            files.append((trimmed, text.replacingOccurrences(of: "\r\n", with: "\n")))
        }
        let reason = (form["reason"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let request: [String: Any] = [
            "files": files.map { ["name": $0.name, "text": $0.text] }, "reason": reason, "dryRun": true,
        ]
        let json = try JSONSerialization.data(withJSONObject: request, options: [.sortedKeys])
        let result: [String: Any]
        do {
            guard
                let answer = try await routes.dispatch(
                    .post,
                    path: "/api/v1/policy",
                    body: ByteBuffer(bytes: json),
                    context: context
                ),
                let decoded = try await Self.collect(answer.body)
            else { throw Problem(.internalServerError, "the policy dry run could not be read") }
            result = decoded
        } catch {
            let problem = ProblemMiddleware.problem(for: error)
            guard problem.status != .internalServerError else { throw problem }
            return try await policyEditor(
                identity,
                files: files,
                reason: reason,
                error: problem.detail,
                status: problem.status
            )
        }
        let filesJSON = try JSONSerialization.data(
            withJSONObject: files.map { ["name": $0.name, "text": $0.text] },
            options: [.sortedKeys]
        )
        var data = page(identity, title: "Policy preview")
        data["navPolicy"] = true
        data["changes"] = (result["changes"] as? [String] ?? []).map { ["text": $0] }
        data["version"] = (result["version"] as? Int).map(String.init) ?? "none"
        data["reason"] = reason
        data["filesJSON"] = String(decoding: filesJSON, as: UTF8.self)
        data["fileNames"] = files.map(\.name).joined(separator: ", ")
        return html(library.render(data, withTemplate: "policy_preview"))
    }
}
