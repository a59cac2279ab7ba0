import ChangeControl
import Foundation
import Hummingbird
import Mustache
import NIOCore
import RolloutEngine

extension DashboardController {
    func addRolloutPreviewRoutes(to pages: RouterGroup<AppRequestContext>) {
        pages.get("changes/:id/rollout", use: rolloutPreviewPage)
    }

    /// The rollout of an approved change, planned before it starts: its waves environment by
    /// environment (hosts, earliest start, estimated end) and the hosts that cannot be scheduled,
    /// for the canary, concurrency and error budget chosen on the page (the policy's when left
    /// empty), and a start button bound to this plan's digest — a plan that changed in between
    /// (a host moved, a window passed) is refused rather than started unseen. Planned by the API
    /// route `POST /api/v1/changes/{id}/rollout-plan`, so the page shows exactly what the API
    /// and the CLI would.
    @Sendable func rolloutPreviewPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let identity = context.identity else { return redirectToLogin() }
        guard identity.has(.changesRead) else {
            throw Problem.forbidden("\(identity.username) cannot read change requests")
        }
        let id = try context.parameters.requireDecoded("id")
        var options: [String: String] = [:]
        for key in ["canary", "maxConcurrency", "errorBudget"] {
            if let value = request.uri.queryParameters[Substring(key)], !value.isEmpty {
                guard value.utf8.count <= 16 else { throw Problem.badRequest("query parameter '\(key)': too long") }
                options[key] = String(value)
            }
        }
        let body = ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: options, options: [.sortedKeys]))
        let escapedID = id.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? id
        guard
            let answer = try await routes.dispatch(
                .post,
                path: "/api/v1/changes/\(escapedID)/rollout-plan",
                body: body,
                context: context
            )
        else { throw Problem.notFound("no rollout planning route") }
        guard let json = try await Self.collect(answer.body),
            let data = try? JSONSerialization.data(withJSONObject: json)
        else { throw Problem(.internalServerError, "the rollout plan could not be read") }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let plan = try decoder.decode(RolloutPlan.self, from: data)
        let formatter = Self.changeTimeFormatter(TimeZone(identifier: "UTC")!)
        var view = page(identity, title: "Plan a rollout of \(id)")
        view["navChanges"] = true
        view["change"] = id
        view["digest"] = json["digest"] as? String ?? ""
        view["options"] = options.map { ["name": $0.key, "value": $0.value] }.sorted {
            "\($0["name"]!)" < "\($1["name"]!)"
        }
        view["canary"] = options["canary"] ?? ""
        view["maxConcurrency"] = options["maxConcurrency"] ?? ""
        view["errorBudget"] = options["errorBudget"] ?? ""
        view["canStart"] = identity.has(.changesRun) && !plan.stages.allSatisfy { $0.waves.isEmpty }
        view["hosts"] = plan.stages.reduce(0) { $0 + $1.waves.reduce(0) { $0 + $1.hosts.count } }
        view["stages"] = plan.stages.map { stage -> [String: Any] in
            [
                "environment": stage.environment,
                "hosts": stage.waves.reduce(0) { $0 + $1.hosts.count },
                "waves": stage.waves.map { wave -> [String: Any] in
                    [
                        "index": wave.index + 1, "name": wave.name, "kind": wave.kind.rawValue,
                        "hosts": wave.hosts.count,
                        "examples": wave.hosts.prefix(5).map { plan.hostnames[$0] ?? $0 }.joined(separator: ", ")
                            + (wave.hosts.count > 5 ? ", …" : ""),
                        "services": wave.services.isEmpty ? "—" : wave.services.joined(separator: ", "),
                        "start": formatter.string(from: wave.earliestStart),
                        "end": formatter.string(from: wave.estimatedEnd),
                    ]
                },
            ]
        }
        view["unschedulableCount"] = plan.unschedulable.count
        view["unschedulable"] = plan.unschedulable.prefix(200).map {
            ["hostname": $0.hostname, "hostID": $0.hostID, "reason": $0.reason]
        }
        view["unschedulableCapped"] = plan.unschedulable.count > 200
        return html(library.render(view, withTemplate: "rollout_preview"))
    }
}
