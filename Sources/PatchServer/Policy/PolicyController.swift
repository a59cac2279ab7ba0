import ChangeControl
import Foundation
import Hummingbird
import HummingbirdCore
import PatchAPI
import PatchPolicy
import PatchStore

/// Policy as code over the API: read the policy in force; validate, diff and apply a new one.
struct PolicyController: Sendable {
    let storage: any PatchStorage
    let clock: any WallClock
    let compliance: ComplianceService

    /// `POST /api/v1/policy`. The body as a whole is bounded by the collect limit (8 MiB); the
    /// counts, names and reason are bounded here.
    struct ApplyRequest: APIRequestBody, Codable {
        var files: [PolicyFile]
        var reason: String
        var dryRun: Bool?

        /// The most files one policy version holds.
        static let maximumFiles = 1000
        /// The longest file name, in UTF-8 bytes (what file systems allow for one name).
        static let maximumNameBytes = 255
        /// The longest reason, in UTF-8 bytes.
        static let maximumReasonBytes = 4096

        func validate() throws {
            guard !reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                throw APIInputError(field: "reason", "must say why the policy changes")
            }
            try TextField.checkLength(reason, "reason", max: Self.maximumReasonBytes)
            guard !files.isEmpty else { throw APIInputError(field: "files", "must list at least one YAML file") }
            try InputBounds.count(files.count, "files", atMost: Self.maximumFiles)
            var seen: Set<String> = []
            for (index, file) in files.enumerated() {
                let field = "files[\(index)].name"
                try TextField.check(file.name, field, max: Self.maximumNameBytes)
                // A name within the policy directory: one component, never a path.
                guard !file.name.contains("/"), !file.name.contains("\\"), file.name != ".", file.name != ".." else {
                    throw APIInputError(
                        field: field,
                        "must be a file name without path separators (such as 'policy.yaml'), got '\(file.name.prefix(80))'"
                    )
                }
                guard seen.insert(file.name).inserted else {
                    throw APIInputError(field: field, "repeats the file name '\(file.name)'")
                }
            }
        }
    }

    func addRoutes(to group: RouterGroup<AppRequestContext>, table: SecuredRoutes) {
        let prefix = "/api/v1"
        table.add(.get, "policy", on: group, prefix: prefix, permission: .fleetRead) { _, _, _ in
            let current = try await storage.currentPolicy()
            return try JSONResponse.make(
                PolicyView(
                    version: current?.version,
                    appliedAt: current?.appliedAt,
                    actor: current?.actor,
                    reason: current?.reason,
                    files: (current?.files ?? []).map { PolicyView.File(name: $0.name, text: $0.text) }
                )
            )
        }
        table.add(.get, "compliance", on: group, prefix: prefix, permission: .fleetRead) { request, _, _ in
            let framework = try ComplianceQuery.framework(request.uri.queryParameters)
            let (limit, _) = try Paging.parse(request.uri.queryParameters, defaultLimit: 500, maxLimit: 10_000)
            return try JSONResponse.make(
                try await compliance.report(
                    framework: framework,
                    rowLimit: limit
                )
            )
        }
        table.add(.post, "policy", on: group, prefix: prefix, permission: .policyManage) { request, _, identity in
            let body = try await JSONBody.decode(ApplyRequest.self, request, limit: 8 * 1024 * 1024)
            let proposed: LoadedPolicy
            do {
                proposed = try LoadedPolicy.load(body.files)
            } catch {
                throw Problem(.unprocessableContent, "\(error)", title: "Invalid policy")
            }
            let current = try await storage.currentPolicy()
            let inForce = try current.map { try LoadedPolicy.load($0.files).document } ?? PolicyDocument()
            let changes =
                PolicyDiff(from: inForce, to: proposed.document).entries.map(\.description)
                + LoadedPolicy.calendarChanges(from: current?.files ?? [], to: body.files)
            guard body.dryRun != true else {
                return try JSONResponse.make(
                    PolicyApplyResult(applied: false, version: current?.version, changes: changes)
                )
            }
            let version = try await storage.applyPolicy(
                files: body.files,
                actor: identity.actor,
                reason: body.reason,
                changes: changes,
                now: clock.now()
            )
            return try JSONResponse.make(PolicyApplyResult(applied: true, version: version.version, changes: changes))
        }
    }
}

/// Reads the `framework` query parameter.
enum ComplianceQuery {
    static func framework(_ parameters: FlatDictionary<Substring, Substring>) throws -> SLAFramework {
        guard let text = parameters["framework"], !text.isEmpty else { return .pciDSS4 }
        guard let framework = SLAFramework(rawValue: String(text)) else {
            let allowed = SLAFramework.allCases.map(\.rawValue).joined(separator: ", ")
            throw Problem.badRequest("query parameter 'framework' must be one of \(allowed), got '\(text)'")
        }
        return framework
    }
}
