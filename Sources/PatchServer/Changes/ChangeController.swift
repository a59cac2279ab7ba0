import ChangeControl
import Foundation
import Hummingbird
import PatchAPI
import PatchStore

/// Change requests over HTTP: create, edit, submit, decide, schedule, run, review, comment; the
/// approval queue and the standard-change templates.
struct ChangeController: Sendable {
    let storage: any PatchStorage
    let clock: any WallClock
    let service: ChangeService

    func view(_ change: ChangeRequest, timeline: Bool = false) async throws -> ChangeView {
        ChangeView(
            change: change,
            contentDigest: change.content.digest,
            tally: ApprovalTally(change: change, policy: service.approvalPolicy),
            reviewOverdue: change.isReviewOverdue(at: clock.now()),
            timeline: timeline
                ? try await storage.auditEvents(afterID: 0, since: nil, target: "change:\(change.id)", limit: 1000)
                : nil
        )
    }

    /// The body of a change-control request, decoded and validated.
    static func body<T: APIRequestBody>(_ type: T.Type, _ request: Request) async throws -> T {
        try await JSONBody.decode(type, request, limit: 256 * 1024)
    }

    func load(_ context: AppRequestContext) async throws -> ChangeRequest {
        let id = try context.parameters.requireDecoded("id")
        guard let change = try await storage.change(id: id) else { throw Problem.notFound("no change request '\(id)'") }
        return change
    }

    /// Runs a transition atomically, turning refusals into problems.
    func update(
        _ id: String,
        _ identity: Identity,
        _ action: String,
        _ body: @escaping @Sendable (inout ChangeRequest) throws -> [String: String]
    ) async throws -> Response {
        do {
            let change = try await storage.updateChange(id: id, actor: identity.actor, action: action, body)
            return try JSONResponse.make(try await view(change))
        } catch let error as ChangeControlError {
            throw Problem.refusal(error)
        } catch let error as StoreError where error.code == .notFound {
            throw Problem.notFound(error.message)
        }
    }

    func requireOwnerOrAdmin(_ change: ChangeRequest, _ identity: Identity) throws {
        guard change.requesterID == identity.userID || identity.has(.usersManage) else {
            throw Problem.forbidden("only the requester (\(change.requester)) or an admin may do this to \(change.id)")
        }
    }

    func addRoutes(to group: RouterGroup<AppRequestContext>, table: SecuredRoutes) {
        let prefix = "/api/v1"
        table.add(.get, "changes", on: group, prefix: prefix, permission: .changesRead) { request, _, _ in
            let (limit, offset) = try Paging.parse(request.uri.queryParameters, defaultLimit: 50, maxLimit: 500)
            var states: Set<ChangeState>?
            if let text = request.uri.queryParameters["state"], !text.isEmpty {
                states = []
                for name in text.split(separator: ",") {
                    guard let state = ChangeState(rawValue: String(name)) else {
                        throw Problem.badRequest(
                            "query parameter 'state': unknown state '\(name)'; known: \(ChangeState.allCases.map(\.rawValue).joined(separator: ", "))"
                        )
                    }
                    states?.insert(state)
                }
            }
            let page = try await storage.changes(states: states, limit: limit, offset: offset)
            var views: [ChangeView] = []
            for change in page.changes { views.append(try await view(change)) }
            return try JSONResponse.make(ChangeList(changes: views, total: page.total, limit: limit, offset: offset))
        }
        table.add(.get, "changes/queue", on: group, prefix: prefix, permission: .changesApprove) { _, _, identity in
            // Submitted changes this user may decide on and has not decided on yet.
            let page = try await storage.changes(states: [.submitted], limit: 500, offset: 0)
            var views: [ChangeView] = []
            for change in page.changes
            where change.requesterID != identity.userID
                && !change.currentApprovals.contains(where: { $0.userID == identity.userID })
                && !service.approvableEnvironments(change, identity: identity).isEmpty
            {
                views.append(try await view(change))
            }
            return try JSONResponse.make(ChangeList(changes: views, total: views.count, limit: 500, offset: 0))
        }
        table.add(.post, "changes", on: group, prefix: prefix, permission: .changesRequest) { request, _, identity in
            let body = try await Self.body(CreateChangeRequest.self, request)
            let now = clock.now()
            let change = try await storage.createChange(
                { number in
                    ChangeRequest(
                        id: "CHG-\(number)",
                        title: body.title,
                        kind: body.kind,
                        requesterID: identity.userID,
                        requester: identity.username,
                        template: body.template,
                        content: body.content,
                        justification: body.justification ?? "",
                        now: now
                    )
                },
                actor: identity.actor
            )
            return try JSONResponse.make(try await view(change), status: .created)
        }
        table.add(.get, "changes/{id}", on: group, prefix: prefix, permission: .changesRead) { _, context, _ in
            try JSONResponse.make(try await view(try await load(context), timeline: true))
        }
        table.add(.put, "changes/{id}", on: group, prefix: prefix, permission: .changesRequest) {
            request,
            context,
            identity in
            let change = try await load(context)
            try requireOwnerOrAdmin(change, identity)
            let body = try await Self.body(EditChangeRequest.self, request)
            let now = clock.now()
            let impact = change.state == .draft ? nil : try await service.resolve(body.content, now: now).impact
            if let impact {
                // The right on both sides, as for moving a host: where the change reaches now and
                // where the edit makes it reach.
                var probe = change
                probe.impact = impact
                guard service.covers(change, permission: .changesRequest, identity: identity) else {
                    throw Problem.forbidden(
                        "\(identity.username) may not request changes in every environment \(change.id) reaches"
                    )
                }
                guard service.covers(probe, permission: .changesRequest, identity: identity) else {
                    throw Problem.forbidden(
                        "\(identity.username) may not request changes in every environment the edited \(change.id) reaches"
                    )
                }
            }
            return try await update(change.id, identity, "edited") { change in
                let before = change.content.digest
                let voided = try change.edit(title: body.title, content: body.content, impact: impact, now: now)
                return [
                    "contentBefore": before, "contentAfter": change.content.digest,
                    "voidedApprovals": voided.map(\.username).joined(separator: ","),
                ]
            }
        }
        table.add(.post, "changes/{id}/submit", on: group, prefix: prefix, permission: .changesRequest) {
            _,
            context,
            identity in
            let change = try await load(context)
            try requireOwnerOrAdmin(change, identity)
            let now = clock.now()
            let resolution = try await service.resolve(change.content, now: now)
            var probe = change
            probe.impact = resolution.impact
            guard service.covers(probe, permission: .changesRequest, identity: identity) else {
                throw Problem.forbidden(
                    "\(identity.username) may not request changes in every environment \(change.id) reaches (\(resolution.impact.environments.map(\.environment).joined(separator: ", ")))"
                )
            }
            let templates = try await storage.changeTemplates()
            let template = change.template.flatMap { name in templates.first { $0.name == name } }
            let policy = service.approvalPolicy
            return try await update(change.id, identity, "submitted") { change in
                try change.submit(
                    impact: resolution.impact,
                    template: template,
                    holds: resolution.holds,
                    policy: policy,
                    now: now
                )
                return [
                    "risk": change.risk?.level.rawValue ?? "", "hosts": String(resolution.impact.hostCount),
                    "template": template?.name ?? "",
                ]
            }
        }
        for decision in [Approval.Decision.approve, .reject] {
            table.add(
                .post,
                "changes/{id}/\(decision.rawValue)",
                on: group,
                prefix: prefix,
                permission: .changesApprove
            ) { request, context, identity in
                let change = try await load(context)
                let body = try await Self.body(CommentRequest.self, request)
                let elevation = identity.authorization.elevation(for: .changesApprove)
                let now = clock.now()
                let policy = service.approvalPolicy
                let service = self.service
                return try await update(change.id, identity, decision == .approve ? "approval" : "rejection") {
                    change in
                    // Decided on the change as it is inside the transaction, not as it was read.
                    if let expected = body.contentDigest, expected != change.content.digest {
                        throw ChangeControlError(
                            .illegalTransition,
                            field: "contentDigest",
                            "\(change.id) was edited since you read it (content \(change.content.digest)); read it again"
                        )
                    }
                    let environments = service.approvableEnvironments(change, identity: identity)
                    try change.decide(
                        decision,
                        userID: identity.userID,
                        username: identity.username,
                        environments: environments,
                        comment: body.comment ?? "",
                        elevationID: elevation,
                        policy: policy,
                        now: now
                    )
                    return ["environments": environments.joined(separator: ","), "comment": body.comment ?? ""]
                }
            }
        }
        table.add(.post, "changes/{id}/schedule", on: group, prefix: prefix, permission: .changesRun) {
            request,
            context,
            identity in
            let change = try await load(context)
            try requireRunner(change, identity)
            let body = try await Self.body(ScheduleRequest.self, request)
            let fits = try await service.fitsWindow(body.start, windows: change.content.windows)
            let now = clock.now()
            return try await update(change.id, identity, "scheduled") { change in
                try change.schedule(
                    start: body.start,
                    fitsWindow: fits,
                    outsideWindowReason: body.outsideWindowReason,
                    now: now
                )
                return [
                    "start": ISO8601DateFormatter().string(from: body.start), "inWindow": String(fits),
                    "outsideWindowReason": change.outsideWindowReason ?? "",
                ]
            }
        }
        for action in [ChangeAction.start, .complete, .fail, .rollBack] {
            table.add(.post, "changes/{id}/\(action.rawValue)", on: group, prefix: prefix, permission: .changesRun) {
                _,
                context,
                identity in
                let change = try await load(context)
                try requireRunner(change, identity)
                let now = clock.now()
                return try await update(change.id, identity, action.rawValue) { change in
                    try change.advance(action, now: now)
                    return [:]
                }
            }
        }
        table.add(.post, "changes/{id}/close", on: group, prefix: prefix, permission: .changesRequest) {
            _,
            context,
            identity in
            let change = try await load(context)
            try requireOwnerOrAdmin(change, identity)
            guard service.covers(change, permission: .changesRequest, identity: identity) else {
                throw Problem.forbidden(
                    "\(identity.username) may not close changes in every environment \(change.id) reaches"
                )
            }
            let now = clock.now()
            return try await update(change.id, identity, "closed") { change in
                try change.advance(.close, now: now)
                return [:]
            }
        }
        table.add(.post, "changes/{id}/review", on: group, prefix: prefix, permission: .changesApprove) {
            request,
            context,
            identity in
            let change = try await load(context)
            guard service.covers(change, permission: .changesApprove, identity: identity) else {
                throw Problem.forbidden(
                    "\(identity.username) may not review changes in every environment \(change.id) reaches"
                )
            }
            let body = try await Self.body(CommentRequest.self, request)
            let now = clock.now()
            return try await update(change.id, identity, "reviewed") { change in
                let overdue = change.isReviewOverdue(at: now)
                try change.recordReview(
                    reviewerID: identity.userID,
                    reviewer: identity.username,
                    comment: body.comment ?? "",
                    now: now
                )
                return ["comment": body.comment ?? "", "late": String(overdue)]
            }
        }
        table.add(.post, "changes/{id}/comments", on: group, prefix: prefix, permission: .changesComment) {
            request,
            context,
            identity in
            let change = try await load(context)
            let body = try await Self.body(CommentRequest.self, request)
            let text = body.comment ?? ""
            try TextField.check(text, "comment", max: 4000)
            let now = clock.now()
            return try await update(change.id, identity, "commented") { change in
                try change.addComment(author: identity.username, text: text, now: now)
                return ["comment": text]
            }
        }
        table.add(.get, "change-templates", on: group, prefix: prefix, permission: .changesRead) { _, _, _ in
            try JSONResponse.make(["templates": try await storage.changeTemplates()])
        }
        table.add(.put, "change-templates/{name}", on: group, prefix: prefix, permission: .templatesManage) {
            request,
            context,
            identity in
            let name = try context.parameters.requireDecoded("name")
            var template = try await Self.body(StandardChangeTemplate.self, request)
            guard template.name == name else {
                throw Problem.badRequest("field 'name' is '\(template.name)' but the path names '\(name)'")
            }
            template.summary = String(template.summary.prefix(500))
            try await storage.saveChangeTemplate(template, actor: identity.actor, now: clock.now())
            return try JSONResponse.make(template)
        }
    }

    func requireRunner(_ change: ChangeRequest, _ identity: Identity) throws {
        guard service.covers(change, permission: .changesRun, identity: identity) else {
            throw Problem.forbidden(
                "\(identity.username) may not run changes in every environment \(change.id) reaches"
            )
        }
    }
}
