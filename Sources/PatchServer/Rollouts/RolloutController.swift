import ChangeControl
import Crypto
import Foundation
import Hummingbird
import PatchAPI
import PatchStore
import RolloutEngine

/// Rollouts over HTTP: plan (dry run), start, status, pause, resume, abort, approve the next environment.
struct RolloutController: Sendable {
    let storage: any PatchStorage
    let rollouts: RolloutOrchestrator

    func addRoutes(to group: RouterGroup<AppRequestContext>, table: SecuredRoutes) {
        let prefix = "/api/v1"
        table.add(.post, "changes/{id}/rollout-plan", on: group, prefix: prefix, permission: .changesRead) {
            request,
            context,
            _ in
            let id = try context.parameters.requireDecoded("id")
            let options = try await ChangeController.body(RolloutOptions.self, request)
            let planned = try await rollouts.plan(changeID: id, options: options)
            return try JSONResponse.make(ReviewedPlan(plan: planned.plan, taskEstimate: planned.taskEstimate))
        }
        table.add(.post, "rollouts", on: group, prefix: prefix, permission: .changesRun) { request, _, identity in
            let body = try await ChangeController.body(StartRolloutRequest.self, request)
            guard let change = try await storage.change(id: body.change) else {
                throw Problem.notFound("no change request '\(body.change)'")
            }
            guard rollouts.changes.covers(change, permission: .changesRun, identity: identity) else {
                throw Problem.forbidden(
                    "\(identity.username) may not run changes in every environment \(change.id) reaches"
                )
            }
            do {
                let rollout = try await rollouts.start(
                    changeID: body.change,
                    options: body.options ?? RolloutOptions(),
                    identity: identity,
                    reviewedDigest: body.planDigest
                )
                return try JSONResponse.make(RolloutView(rollout), status: .created)
            } catch let error as StoreError where error.code == .conflict {
                throw Problem.conflict(error.message)
            }
        }
        table.add(.get, "rollouts", on: group, prefix: prefix, permission: .changesRead) { request, _, _ in
            let active = request.uri.queryParameters["active"] == "true"
            let (limit, offset) = try Paging.parse(request.uri.queryParameters, defaultLimit: 50, maxLimit: 500)
            let page = try await storage.rolloutPage(activeOnly: active, limit: limit, offset: offset)
            return try JSONResponse.make(
                RolloutList(
                    rollouts: page.rollouts.map { RolloutView($0) },
                    total: page.total,
                    limit: limit,
                    offset: offset
                )
            )
        }
        table.add(.get, "rollouts/{id}", on: group, prefix: prefix, permission: .changesRead) {
            request,
            context,
            _ in
            let id = try context.parameters.requireDecoded("id")
            let parameters = QueryParameters(request.uri.queryParameters.map { (String($0.key), String($0.value)) })
            let limit = try parameters.integer("taskLimit", in: 1...100_000) ?? 1000
            let offset = try parameters.integer("taskOffset", in: 0...InputBounds.maximumOffset) ?? 0
            let state = try parameters.oneOf("taskState", HostTask.State.allCases.map(\.rawValue))
                .flatMap(HostTask.State.init(rawValue:))
            guard let rollout = try await storage.rollout(id: id) else { throw Problem.notFound("no rollout '\(id)'") }
            return try JSONResponse.make(
                RolloutView(rollout, taskPage: RolloutView.TaskPage(state: state, offset: offset, limit: limit))
            )
        }
        let commands: [(String, RolloutCommand, Permission)] = [
            ("pause", .pause, .changesRun), ("resume", .resume, .changesRun), ("abort", .abort, .changesRun),
            ("approve-next-environment", .approveNextEnvironment, .changesApprove),
        ]
        for (path, command, permission) in commands {
            table.add(.post, "rollouts/{id}/\(path)", on: group, prefix: prefix, permission: permission) {
                request,
                context,
                identity in
                let id = try context.parameters.requireDecoded("id")
                let body = try await ChangeController.body(RolloutCommandRequest.self, request)
                guard let rollout = try await storage.rollout(id: id) else {
                    throw Problem.notFound("no rollout '\(id)'")
                }
                let change = try await storage.change(id: rollout.changeID)
                let controller = self
                let updated = try await rollouts.command(
                    command,
                    rolloutID: id,
                    reason: body.reason,
                    actor: identity.actor
                ) { current in
                    try controller.requireSteering(
                        command,
                        permission,
                        rollout: current,
                        change: change,
                        identity: identity
                    )
                }
                return try JSONResponse.make(RolloutView(updated))
            }
        }
    }
}

extension RolloutController {
    /// Throws 403 unless `identity` may steer `rollout` with `command`: approving the next
    /// environment needs `changes.approve` where the waiting wave runs (over the whole change when no
    /// wave waits); the other commands need `changes.run` over every environment the change reaches.
    /// Without its change (it cannot be scoped), only a global grant of `permission` counts.
    func requireSteering(
        _ command: RolloutCommand,
        _ permission: Permission,
        rollout: Rollout,
        change: ChangeRequest?,
        identity: Identity
    ) throws {
        guard let change else {
            guard identity.authorization.allows(permission, environment: nil, groups: []) else {
                throw Problem.forbidden(
                    "\(identity.username) may not steer \(rollout.id): its change \(rollout.changeID) is gone"
                )
            }
            return
        }
        guard command == .approveNextEnvironment else {
            guard rollouts.changes.covers(change, permission: .changesRun, identity: identity) else {
                throw Problem.forbidden(
                    "\(identity.username) may not run changes in every environment \(change.id) reaches"
                )
            }
            return
        }
        guard rollout.plan.waves.indices.contains(rollout.currentWave) else {
            guard rollouts.changes.covers(change, permission: .changesApprove, identity: identity) else {
                throw Problem.forbidden(
                    "\(identity.username) may not approve changes in every environment \(change.id) reaches"
                )
            }
            return
        }
        let environment = rollout.plan.waves[rollout.currentWave].environment
        let groups = change.impact?.environments.first { $0.environment == environment }?.commonGroups ?? []
        guard identity.authorization.allows(.changesApprove, environment: environment, groups: Set(groups)) else {
            throw Problem.forbidden("\(identity.username) may not approve changes in \(environment)")
        }
    }
}

/// A rollout plan as `POST /changes/{id}/rollout-plan` answers it: the plan's fields and its
/// `digest` (SHA-256 of ``RolloutEngine/RolloutPlan/assignmentText``), which `POST /rollouts`
/// takes as `planDigest` to start exactly the plan that was reviewed; and `taskEstimate`, how long
/// a host's task was expected to take (`minutes`) and why (`source`: `request`, `measured`,
/// `default`; `measurements`: recent completed plans looked at).
struct ReviewedPlan: Encodable, Sendable {
    var plan: RolloutPlan
    var taskEstimate: TaskEstimate?

    static func digest(of plan: RolloutPlan) -> String {
        SHA256.hash(data: Data(plan.assignmentText.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    enum Keys: String, CodingKey { case digest, taskEstimate }

    func encode(to encoder: any Encoder) throws {
        try plan.encode(to: encoder)
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(Self.digest(of: plan), forKey: .digest)
        try container.encodeIfPresent(taskEstimate, forKey: .taskEstimate)
    }
}
