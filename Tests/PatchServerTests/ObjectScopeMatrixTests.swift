import ChangeControl
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import PatchServer
import PatchStore
import RolloutEngine
import Testing

/// The object-scope matrix: every route that acts on a change or a rollout × callers holding their
/// rights globally, in one environment or on one host group × an object in dev and one in prod.
/// Each case gets a fresh object in the state the route acts from; a refused case must answer 403
/// and leave the object exactly as it was, an allowed one must succeed. A further test checks, from
/// the router's own route table, that no such route is missing here.
@Suite struct ObjectScopeMatrixTests {
    /// A caller: a built-in base role plus at most one scoped grant.
    struct Caller: Sendable, CustomStringConvertible {
        var name: String
        var base: String
        var grant: RoleGrant?
        var description: String { name }

        /// The oracle, written out independently of `Authorization`: whether the caller holds
        /// `permission` for an object in `environment`, whose hosts are all in `groups`.
        func allows(_ permission: Permission, in environment: String) -> Bool {
            if Role.builtIn(named: base)?.permissions.contains(permission) == true { return true }
            guard let grant, permission.isScopable,
                Role.builtIn(named: grant.role)?.permissions.contains(permission) == true
            else { return false }
            switch grant.scope {
            case .global: return true
            case .environment(let name): return name == environment
            case .hostGroup(let name): return ObjectScopeMatrixTests.groups[environment]?.contains(name) == true
            }
        }
    }

    /// The groups the hosts of each environment are in (by the policy below).
    static let groups = ["dev": ["dev-web"], "prod": ["prod-db"]]

    static let callers: [Caller] =
        ["admin", "operator", "approver", "auditor", "viewer"].map { Caller(name: "\($0)-user", base: $0) } + [
            Caller(name: "otto", base: "viewer", grant: RoleGrant(role: "operator", scope: .environment("dev"))),
            Caller(name: "oscar", base: "viewer", grant: RoleGrant(role: "operator", scope: .environment("prod"))),
            Caller(name: "dora", base: "viewer", grant: RoleGrant(role: "approver", scope: .environment("dev"))),
            Caller(name: "pam", base: "viewer", grant: RoleGrant(role: "approver", scope: .environment("prod"))),
            Caller(name: "gina", base: "viewer", grant: RoleGrant(role: "operator", scope: .hostGroup("dev-web"))),
            Caller(name: "grace", base: "viewer", grant: RoleGrant(role: "approver", scope: .hostGroup("dev-web"))),
            Caller(name: "carl", base: "viewer", grant: RoleGrant(role: "operator", scope: .hostGroup("dev-canary"))),
        ]

    /// What a route acts on, and in which state the fixture puts it first.
    enum Object: Sendable {
        case change(ChangeState)
        case rollout(RolloutState)
    }

    /// One route of the matrix. `{id}` in the path or the body is the object's id, `{env}` its
    /// environment. `owned`: the route is for the change's requester (or an admin), so the fixture
    /// makes the caller the requester; otherwise someone else requested it (separation of duties).
    struct Route: Sendable, CustomStringConvertible {
        var method: HTTPRequest.Method
        var path: String
        var permission: Permission
        var object: Object
        var owned = false
        var body = "{}"
        var success: HTTPResponse.Status = .ok
        var description: String { "\(method) \(path)" }
    }

    static func content(_ environment: String, version: String = "3.0.16-1~deb12u1") -> String {
        #"{"packages":[{"name":"openssl","version":"\#(version)"}],"allApprovedByBaseline":false,"hosts":[],"groups":[],"#
            + #""environments":["\#(environment)"],"windows":["always"],"addresses":[],"rollbackPlan":"previous version"}"#
    }

    static let routes: [Route] = [
        Route(
            method: .put,
            path: "/api/v1/changes/{id}",
            permission: .changesRequest,
            object: .change(.submitted),
            owned: true,
            body: #"{"title":"edited","content":\#(content("{env}", version: "3.0.17-1~deb12u1"))}"#
        ),
        Route(
            method: .post,
            path: "/api/v1/changes/{id}/submit",
            permission: .changesRequest,
            object: .change(.draft),
            owned: true
        ),
        Route(
            method: .post,
            path: "/api/v1/changes/{id}/approve",
            permission: .changesApprove,
            object: .change(.submitted)
        ),
        Route(
            method: .post,
            path: "/api/v1/changes/{id}/reject",
            permission: .changesApprove,
            object: .change(.submitted),
            body: #"{"comment":"not now"}"#
        ),
        Route(
            method: .post,
            path: "/api/v1/changes/{id}/schedule",
            permission: .changesRun,
            object: .change(.approved),
            body: #"{"start":"2027-01-20T02:00:00Z","outsideWindowReason":"test"}"#
        ),
        Route(method: .post, path: "/api/v1/changes/{id}/start", permission: .changesRun, object: .change(.scheduled)),
        Route(
            method: .post,
            path: "/api/v1/changes/{id}/complete",
            permission: .changesRun,
            object: .change(.inProgress)
        ),
        Route(method: .post, path: "/api/v1/changes/{id}/fail", permission: .changesRun, object: .change(.inProgress)),
        Route(
            method: .post,
            path: "/api/v1/changes/{id}/roll-back",
            permission: .changesRun,
            object: .change(.inProgress)
        ),
        Route(
            method: .post,
            path: "/api/v1/changes/{id}/close",
            permission: .changesRequest,
            object: .change(.submitted),
            owned: true
        ),
        Route(
            method: .post,
            path: "/api/v1/changes/{id}/review",
            permission: .changesApprove,
            object: .change(.completed),
            body: #"{"comment":"looked at it"}"#
        ),
        // Not scopable: only a global grant counts, for every object alike.
        Route(
            method: .post,
            path: "/api/v1/changes/{id}/comments",
            permission: .changesComment,
            object: .change(.submitted),
            body: #"{"comment":"a remark"}"#
        ),
        // A dry run: reading, which every role may do everywhere.
        Route(
            method: .post,
            path: "/api/v1/changes/{id}/rollout-plan",
            permission: .changesRead,
            object: .change(.approved)
        ),
        Route(
            method: .post,
            path: "/api/v1/rollouts",
            permission: .changesRun,
            object: .change(.approved),
            body: #"{"change":"{id}"}"#,
            success: .created
        ),
        Route(
            method: .post,
            path: "/api/v1/rollouts/{id}/pause",
            permission: .changesRun,
            object: .rollout(.running)
        ),
        Route(
            method: .post,
            path: "/api/v1/rollouts/{id}/resume",
            permission: .changesRun,
            object: .rollout(.paused)
        ),
        Route(
            method: .post,
            path: "/api/v1/rollouts/{id}/abort",
            permission: .changesRun,
            object: .rollout(.running),
            body: #"{"reason":"stop"}"#
        ),
        Route(
            method: .post,
            path: "/api/v1/rollouts/{id}/approve-next-environment",
            permission: .changesApprove,
            object: .rollout(.awaitingApproval)
        ),
    ]

    /// Dev and prod as in ``ChangeControlAPITests``, a group picked by tag, and a window that is
    /// always open so rollouts can start.
    static let policy = """
        environments: [dev, prod]
        groups:
          - name: dev-web
            labels: {env: dev}
            tier: staging
            environment: dev
          - name: prod-db
            labels: {env: prod}
            tier: production-databases
            environment: prod
          - name: dev-canary
            query: {tag: canary}
        """

    /// The server's store, its callers, one host per environment and the impact of a change on each.
    struct Fleet: Sendable {
        var harness: Harness
        var tokens: [String: String] = [:]
        var userIDs: [String: String] = [:]
        var hosts: [String: String] = [:]
        var impacts: [String: ChangeImpact] = [:]

        func headers(_ caller: String) -> HTTPFields {
            [.authorization: "Bearer \(tokens[caller]!)", .contentType: "application/json"]
        }
    }

    static func fleet() async throws -> (Fleet, Router<AppRequestContext>) {
        let harness = try await Harness.make()
        _ = try await harness.storage.applyPolicy(
            files: [
                PolicyFile(name: "policy.yaml", text: policy),
                PolicyFile(name: "always.ics", text: RolloutAPITests.calendar),
            ],
            actor: "test",
            reason: "test",
            changes: [],
            now: harness.clock.now()
        )
        let built = try await harness.routerWithFindings()
        var fleet = Fleet(harness: harness)
        for role in Role.builtIn {
            fleet.tokens["\(role.name)-user"] = harness.tokens[role]
            fleet.userIDs["\(role.name)-user"] = try await harness.storage.user(named: "\(role.name)-user")?.id
        }
        // rita requests the changes others decide on and run.
        for caller in callers + [Caller(name: "rita", base: "operator")] where fleet.tokens[caller.name] == nil {
            let user = try await harness.identities.createUser(
                username: caller.name,
                password: "correct horse battery staple",
                role: caller.base,
                actor: "test"
            )
            if let grant = caller.grant {
                try await harness.storage.addGrant(
                    userID: user.id,
                    grant: grant,
                    actor: "test",
                    now: harness.clock.now()
                )
            }
            fleet.userIDs[caller.name] = user.id
            fleet.tokens[caller.name] = try await harness.identities.createAPIToken(
                userID: user.id,
                name: "t",
                expiresIn: nil,
                actor: "test"
            ).text
        }
        let token = try await harness.enrollmentToken()
        let callers = fleet
        let (hosts, impacts) = try await Application(router: built.router).test(.router) { client in
            var hosts: [String: String] = [:]
            var impacts: [String: ChangeImpact] = [:]
            for (name, environment) in [("web-dev-1", "dev"), ("db-prod-1", "prod")] {
                var agent = TestAgent(hostname: name)
                try await client.enroll(&agent, token: token)
                let labelled = try await client.execute(
                    uri: "/api/v1/hosts/\(agent.hostID)/labels",
                    method: .put,
                    headers: harness.bearer(.admin),
                    body: ByteBuffer(string: #"{"labels":{"env":"\#(environment)"},"tags":[]}"#)
                )
                #expect(labelled.status == .ok)
                hosts[environment] = agent.hostID
            }
            // The impact the server resolves for a change on each environment, for the fixtures.
            for environment in ["dev", "prod"] {
                let id = try await Self.draft(callers, environment, requester: "rita")
                let submitted = try await client.execute(
                    uri: "/api/v1/changes/\(id)/submit",
                    method: .post,
                    headers: callers.headers("admin-user")
                )
                #expect(submitted.status == .ok, "\(submitted.text)")
                impacts[environment] = try await harness.storage.change(id: id)?.impact
            }
            return (hosts, impacts)
        }
        fleet.hosts = hosts
        fleet.impacts = impacts
        #expect(fleet.impacts["dev"]?.environments.map(\.commonGroups) == [["dev-web"]])
        #expect(fleet.impacts["prod"]?.environments.map(\.commonGroups) == [["prod-db"]])
        return (fleet, built.router)
    }

    /// A draft emergency change upgrading openssl in `environment`.
    static func draft(_ fleet: Fleet, _ environment: String, requester: String) async throws -> String {
        let now = fleet.harness.clock.now()
        let requesterID = try #require(fleet.userIDs[requester])
        let content = try JSONDecoder().decode(ChangeContent.self, from: Data(Self.content(environment).utf8))
        return try await fleet.harness.storage.createChange(
            { number in
                ChangeRequest(
                    id: "CHG-\(number)",
                    title: "openssl in \(environment)",
                    kind: .emergency,
                    requesterID: requesterID,
                    requester: requester,
                    content: content,
                    justification: "actively exploited",
                    now: now
                )
            },
            actor: "test"
        )
        .id
    }

    /// A change in `environment` in `state`, with the impact the server resolved for it.
    static func change(
        _ fleet: Fleet,
        _ environment: String,
        _ state: ChangeState,
        requester: String
    ) async throws -> String {
        let id = try await draft(fleet, environment, requester: requester)
        guard state != .draft else { return id }
        let impact = try #require(fleet.impacts[environment])
        let now = fleet.harness.clock.now()
        _ = try await fleet.harness.storage.updateChange(id: id, actor: "test", action: "prepared") { change in
            change.state = state
            change.impact = impact
            change.risk = RiskAssessment.assess(impact)
            if state == .completed { change.reviewDueAt = now.addingTimeInterval(86400) }
            return [:]
        }
        return id
    }

    struct StartedRollout: Decodable { var id: String }

    /// A rollout of an approved change in `environment`, started by an admin, then put in `state`.
    static func rollout(
        _ fleet: Fleet,
        _ client: some TestClientProtocol,
        _ environment: String,
        _ state: RolloutState
    ) async throws -> String {
        let change = try await change(fleet, environment, .approved, requester: "rita")
        let started = try await client.execute(
            uri: "/api/v1/rollouts",
            method: .post,
            headers: fleet.headers("admin-user"),
            body: ByteBuffer(string: #"{"change":"\#(change)"}"#)
        )
        try #require(started.status == .created, "\(started.text)")
        let id = try started.json(StartedRollout.self).id
        let command: RolloutCommand? =
            switch state {
            case .paused: .pause
            case .awaitingApproval: .awaitApproval
            default: nil
            }
        if let command {
            let now = fleet.harness.clock.now()
            _ = try await fleet.harness.storage.updateRollout(id: id) { rollout in
                _ = try rollout.apply(command)
                return [EventRecord(at: now, actor: "test", action: "test.prepared", target: "rollout:\(id)")]
            }
        }
        #expect(try await fleet.harness.storage.rollout(id: id)?.state == state)
        return id
    }

    /// What a refused request must leave as it was.
    enum Snapshot: Equatable {
        case change(ChangeRequest?, rollouts: [String])
        case rollout(Rollout?)
    }

    static func snapshot(_ fleet: Fleet, _ object: Object, _ id: String) async throws -> Snapshot {
        switch object {
        case .change:
            let rollouts = try await fleet.harness.storage.rollouts(activeOnly: false, limit: 10_000)
                .filter { $0.changeID == id }.map(\.id)
            return .change(try await fleet.harness.storage.change(id: id), rollouts: rollouts)
        case .rollout:
            return .rollout(try await fleet.harness.storage.rollout(id: id))
        }
    }

    @Test(arguments: routes)
    func everyCallerIsCheckedAgainstTheObjectsScope(_ route: Route) async throws {
        let (fleet, router) = try await Self.fleet()
        try await Application(router: router).test(.router) { client in
            for caller in Self.callers {
                for environment in ["dev", "prod"] {
                    let id: String
                    switch route.object {
                    case .change(let state):
                        id = try await Self.change(
                            fleet,
                            environment,
                            state,
                            requester: route.owned ? caller.name : "rita"
                        )
                    case .rollout(let state):
                        id = try await Self.rollout(fleet, client, environment, state)
                    }
                    let before = try await Self.snapshot(fleet, route.object, id)
                    let response = try await client.execute(
                        uri: route.path.replacingOccurrences(of: "{id}", with: id),
                        method: route.method,
                        headers: fleet.headers(caller.name),
                        body: ByteBuffer(
                            string: route.body.replacingOccurrences(of: "{id}", with: id)
                                .replacingOccurrences(of: "{env}", with: environment)
                        )
                    )
                    let allowed = caller.allows(route.permission, in: environment)
                    let what = "\(caller) \(route) on the \(environment) \(id): \(response.status) \(response.text)"
                    if allowed {
                        #expect(response.status == route.success, "\(what)")
                    } else {
                        #expect(response.status == .forbidden, "\(what)")
                        #expect(response.headers[.contentType] == "application/problem+json", "\(what)")
                        #expect(try await Self.snapshot(fleet, route.object, id) == before, "\(what) changed it")
                    }
                }
            }
        }
    }

    @Test func theMatrixCoversEveryRouteThatActsOnAChangeOrARollout() async throws {
        let harness = try await Harness.make()
        let built = try await harness.routerWithFindings()
        let table = built.routes.routes.map { (key: "\($0.method) \($0.path)", permission: $0.permission) }
        let acting = Set(
            table.map(\.key).filter { key in
                !key.hasPrefix("GET ")
                    && (key.contains(" /api/v1/changes/{id}") || key.contains(" /api/v1/rollouts"))
            }
        )
        let matrix = Set(Self.routes.map(\.description))
        #expect(
            acting == matrix,
            "missing here: \(acting.subtracting(matrix)); gone from the router: \(matrix.subtracting(acting))"
        )
        for route in Self.routes {
            #expect(table.contains { $0.key == route.description && $0.permission == route.permission }, "\(route)")
        }
        // Every route declaring a scopable permission is checked against its object here or in
        // ObjectScopeTests, or is named with the reason it has no object to check.
        let hosts = Set(ObjectScopeTests.hostRoutes.map { "\($0.1) \($0.2)" })
        let exempt: [String: String] = [
            "POST /api/v1/changes": "creates a draft, which reaches nothing until it is submitted (checked there)",
            "GET /api/v1/changes/queue": "lists only the changes the caller may decide on",
        ]
        for route in table where route.permission.isScopable {
            #expect(
                matrix.contains(route.key) || hosts.contains(route.key) || exempt[route.key] != nil,
                "\(route.key) declares scopable \(route.permission.rawValue) but no object-scope test covers it"
            )
        }
    }
}

extension ObjectScopeMatrixTests {
    /// Host routes for callers whose grant is scoped to a host group, not an environment.
    @Test func everyHostRouteChecksAGroupScopedCallerAgainstTheHostsGroups() async throws {
        let (fleet, router) = try await Self.fleet()
        try await Application(router: router).test(.router) { client in
            for caller in Self.callers where caller.grant.map({ $0.scope != .global }) == true {
                for (permission, method, template, bodyTemplate) in ObjectScopeTests.hostRoutes {
                    for environment in ["dev", "prod"] {
                        let hostID = try #require(fleet.hosts[environment])
                        let before = try await fleet.harness.storage.host(id: hostID)
                        let response = try await client.execute(
                            uri: template.replacingOccurrences(of: "{id}", with: hostID),
                            method: method,
                            headers: fleet.headers(caller.name),
                            body: ByteBuffer(string: bodyTemplate.replacingOccurrences(of: "{env}", with: environment))
                        )
                        let allowed = caller.allows(permission, in: environment)
                        let what = "\(caller) \(method) \(template) on the \(environment) host: \(response.status)"
                        #expect((response.status.code < 300) == allowed, "\(what) \(response.text)")
                        if !allowed {
                            #expect(response.status == .forbidden, "\(what)")
                            let after = try await fleet.harness.storage.host(id: hostID)
                            #expect(after?.labels == before?.labels && after?.tags == before?.tags, "\(what)")
                        }
                    }
                }
            }
        }
    }

    /// As ``ObjectScopeTests/movingAHostNeedsTheRightOnBothSides()`` for a grant on a host group:
    /// the `dev-canary` group holds the dev hosts tagged `canary`, in the same environment.
    @Test func movingAHostBetweenGroupsNeedsTheRightOnBothSides() async throws {
        let (fleet, router) = try await Self.fleet()
        let host = try #require(fleet.hosts["dev"])
        try await Application(router: router).test(.router) { client in
            func tag(_ tags: [String], as caller: String) async throws -> HTTPResponse.Status {
                try await client.execute(
                    uri: "/api/v1/hosts/\(host)/labels",
                    method: .put,
                    headers: fleet.headers(caller),
                    body: ByteBuffer(
                        string:
                            #"{"labels":{"env":"dev"},"tags":[\#(tags.map { "\"\($0)\"" }.joined(separator: ","))]}"#
                    )
                )
                .status
            }
            func tags() async throws -> [String]? { try await fleet.harness.storage.host(id: host)?.tags.sorted() }
            // carl (operator of dev-canary) may not pull a dev-web host into his group…
            #expect(try await tag(["canary"], as: "carl") == .forbidden)
            #expect(try await tags() == [])
            #expect(try await tag(["canary"], as: "admin-user") == .ok)
            // …nor push one out of it, though he may change it while it stays inside.
            #expect(try await tag([], as: "carl") == .forbidden)
            #expect(try await tags() == ["canary"])
            #expect(try await tag(["canary", "patched"], as: "carl") == .ok)
            #expect(try await tags() == ["canary", "patched"])
            // gina (operator of dev-web) holds the host on both sides: in dev-web with or without the tag.
            #expect(try await tag([], as: "gina") == .ok)
            #expect(try await tags() == [])
            // A group-scoped caller cannot move a host into another environment's group either.
            let moved = try await client.execute(
                uri: "/api/v1/hosts/\(host)/labels",
                method: .put,
                headers: fleet.headers("gina"),
                body: ByteBuffer(string: #"{"labels":{"env":"prod"},"tags":[]}"#)
            )
            #expect(moved.status == .forbidden)
            #expect(try await fleet.harness.storage.host(id: host)?.labels["env"] == "dev")
        }
    }

    /// Editing a submitted change needs `changes.request` where it reaches now and where the edit
    /// takes it: a dev operator may not turn a prod change into a dev one, nor the other way round.
    @Test func editingAChangeNeedsTheRightWhereItReachesAndWhereTheEditTakesIt() async throws {
        let (fleet, router) = try await Self.fleet()
        try await Application(router: router).test(.router) { client in
            for (from, to, expected) in [
                ("prod", "dev", HTTPResponse.Status.forbidden), ("dev", "prod", .forbidden), ("dev", "dev", .ok),
            ] {
                let id = try await Self.change(fleet, from, .submitted, requester: "otto")
                let before = try await fleet.harness.storage.change(id: id)
                let edited = try await client.execute(
                    uri: "/api/v1/changes/\(id)",
                    method: .put,
                    headers: fleet.headers("otto"),
                    body: ByteBuffer(string: #"{"title":"moved","content":\#(Self.content(to))}"#)
                )
                #expect(edited.status == expected, "\(from) → \(to): \(edited.text)")
                let after = try await fleet.harness.storage.change(id: id)
                if expected == .forbidden {
                    #expect(after == before, "\(from) → \(to)")
                } else {
                    #expect(after?.title == "moved")
                }
            }
        }
    }
}
