import ChangeControl
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import PatchAPI
import PatchServer
import PatchStore
import RolloutEngine
import Testing

/// Object-level authorization: every route that acts on a host or a change checks the caller's
/// scope against that object. A table of routes × callers (global and environment-scoped) × objects
/// (in and out of the caller's scope), through the real router on the dev/prod fleet of
/// ``ChangeControlAPITests``.
@Suite struct ObjectScopeTests {
    /// A caller: a base role plus an optional scoped grant.
    struct Caller: Sendable, CustomStringConvertible {
        var name: String
        var base: String
        var scoped: (role: String, environment: String)?
        var description: String { name }

        /// Whether the caller holds `permission` for an object in `environment`.
        func allows(_ permission: Permission, in environment: String) -> Bool {
            if Role.builtIn(named: base)?.permissions.contains(permission) == true { return true }
            guard let scoped, scoped.environment == environment, permission.isScopable else { return false }
            return Role.builtIn(named: scoped.role)?.permissions.contains(permission) == true
        }
    }

    static let callers: [Caller] = [
        Caller(name: "admin-user", base: "admin"),
        Caller(name: "operator-user", base: "operator"),
        Caller(name: "viewer-user", base: "viewer"),
        Caller(name: "approver-user", base: "approver"),
        Caller(name: "otto", base: "viewer", scoped: ("operator", "dev")),
        Caller(name: "dora", base: "viewer", scoped: ("approver", "dev")),
    ]

    /// Routes acting on a host: the permission, the method, the path and a body that changes nothing
    /// about where the host sits.
    static let hostRoutes: [(Permission, HTTPRequest.Method, String, String)] = [
        (
            .plansManage, .post, "/api/v1/hosts/{id}/plans",
            #"{"packages":[{"name":"openssl","version":"3.0.16-1~deb12u1","action":"upgrade"}]}"#
        ),
        (.hostsManage, .put, "/api/v1/hosts/{id}/labels", #"{"labels":{"env":"{env}"},"tags":["patched"]}"#),
    ]

    /// The fleet, its router and the host id per environment.
    static func setup() async throws -> (ChangeControlAPITests.Fleet, BuiltRouter, [String: String]) {
        var (fleet, built) = try await ChangeControlAPITests.fleet()
        let harness = fleet.harness
        for (name, scoped) in [("otto", ("operator", "dev"))] {
            let user = try await harness.identities.createUser(
                username: name,
                password: "correct horse battery staple",
                role: "viewer",
                actor: "test"
            )
            try await harness.storage.addGrant(
                userID: user.id,
                grant: RoleGrant(role: scoped.0, scope: .environment(scoped.1)),
                actor: "test",
                now: harness.clock.now()
            )
            fleet.tokens[name] = try await harness.identities.createAPIToken(
                userID: user.id,
                name: "t",
                expiresIn: nil,
                actor: "test"
            ).text
        }
        for role in Role.builtIn { fleet.tokens["\(role.name)-user"] = harness.tokens[role] }
        var hosts: [String: String] = [:]
        for host in try await harness.storage.hosts(HostQuery()).hosts {
            hosts[host.labels["env"] ?? "?"] = host.id
        }
        return (fleet, built, hosts)
    }

    @Test func everyHostRouteChecksTheCallersScopeAgainstTheHost() async throws {
        let (fleet, built, hosts) = try await Self.setup()
        try await Application(router: built.router).test(.router) { client in
            for caller in Self.callers {
                for (permission, method, template, bodyTemplate) in Self.hostRoutes {
                    for environment in ["dev", "prod"] {
                        let hostID = try #require(hosts[environment])
                        let response = try await client.execute(
                            uri: template.replacingOccurrences(of: "{id}", with: hostID),
                            method: method,
                            headers: fleet.bearer(caller.name),
                            body: ByteBuffer(string: bodyTemplate.replacingOccurrences(of: "{env}", with: environment))
                        )
                        let allowed = caller.allows(permission, in: environment)
                        #expect(
                            (response.status.code < 300) == allowed,
                            "\(caller) \(method) \(template) on the \(environment) host: \(response.status) \(response.text)"
                        )
                        if !allowed { #expect(response.status == .forbidden) }
                    }
                }
            }
        }
    }

    @Test func movingAHostNeedsTheRightOnBothSides() async throws {
        let (fleet, built, hosts) = try await Self.setup()
        try await Application(router: built.router).test(.router) { client in
            func relabel(_ environment: String, to target: String, as caller: String) async throws -> TestResponse {
                try await client.execute(
                    uri: "/api/v1/hosts/\(hosts[environment]!)/labels",
                    method: .put,
                    headers: fleet.bearer(caller),
                    body: ByteBuffer(string: #"{"labels":{"env":"\#(target)"},"tags":[]}"#)
                )
            }
            // A dev operator may neither pull a prod host into dev nor push a dev host into prod.
            let pulled = try await relabel("prod", to: "dev", as: "otto")
            let pushed = try await relabel("dev", to: "prod", as: "otto")
            let kept = try await relabel("dev", to: "dev", as: "otto")
            #expect(pulled.status == .forbidden)
            #expect(pushed.status == .forbidden)
            #expect(kept.status == .ok)
            #expect(try await fleet.harness.storage.host(id: hosts["prod"]!)?.labels["env"] == "prod")
        }
    }

    @Test func changeRoutesCheckTheCallersScopeAgainstTheChange() async throws {
        let (fleet, built, _) = try await Self.setup()
        try await Application(router: built.router).test(.router) { client in
            func create(_ environment: String) async throws -> String {
                let body = ChangeControlAPITests.createBody.replacingOccurrences(
                    of: #""environments":["dev","prod"]"#,
                    with: #""environments":["\#(environment)"]"#
                )
                let created = try await client.post(fleet, "/api/v1/changes", as: "otto", body)
                #expect(created.status == .created, "\(created.text)")
                return try created.json(ChangeControlAPITests.View.self).change.id
            }
            let dev = try await create("dev")
            let prod = try await create("prod")
            // Submitting needs changes.request over every environment the change reaches.
            #expect(try await client.post(fleet, "/api/v1/changes/\(dev)/submit", as: "otto").status == .ok)
            #expect(try await client.post(fleet, "/api/v1/changes/\(prod)/submit", as: "otto").status == .forbidden)
            #expect(try await client.post(fleet, "/api/v1/changes/\(prod)/submit", as: "admin-user").status == .ok)
            // Approving: a dev approver counts only in dev.
            #expect(try await client.post(fleet, "/api/v1/changes/\(prod)/approve", as: "dora").status == .forbidden)
            #expect(try await client.post(fleet, "/api/v1/changes/\(dev)/approve", as: "dora").status == .ok)
            // Running: a dev operator may not schedule or start the prod change.
            let schedule = #"{"start":"2027-01-03T02:00:00Z","outsideWindowReason":"test"}"#
            #expect(
                try await client.post(fleet, "/api/v1/changes/\(prod)/schedule", as: "otto", schedule).status
                    == .forbidden
            )
            #expect(
                try await client.post(fleet, "/api/v1/rollouts", as: "otto", #"{"change":"\#(prod)"}"#).status
                    == .forbidden
            )
        }
    }

    @Test func movingAHostVoidsTheApprovalsThatCoveredIt() async throws {
        let (fleet, built, hosts) = try await Self.setup()
        let storage = fleet.harness.storage
        try await Application(router: built.router).test(.router) { client in
            let body = ChangeControlAPITests.createBody.replacingOccurrences(
                of: #""environments":["dev","prod"]"#,
                with: #""environments":["dev"]"#
            )
            let id = try await client.post(fleet, "/api/v1/changes", as: "operator-user", body).json(
                ChangeControlAPITests.View.self
            )
            .change.id
            #expect(try await client.post(fleet, "/api/v1/changes/\(id)/submit", as: "operator-user").status == .ok)
            for approver in ["dora", "approver-user", "ann"] {
                if try await storage.change(id: id)?.state == .approved { break }
                #expect(try await client.post(fleet, "/api/v1/changes/\(id)/approve", as: approver).status == .ok)
            }
            #expect(try await storage.change(id: id)?.state == .approved)
            // The dev host is moved into prod (by someone allowed on both sides): the dev approvals
            // no longer describe the change's hosts.
            let moved = try await client.execute(
                uri: "/api/v1/hosts/\(hosts["dev"]!)/labels",
                method: .put,
                headers: fleet.bearer("admin-user"),
                body: ByteBuffer(string: #"{"labels":{"env":"prod"},"tags":[]}"#)
            )
            #expect(moved.status == .ok)
            let change = try #require(try await storage.change(id: id))
            #expect(change.state == .submitted)
            #expect(change.currentApprovals.isEmpty)
            #expect(change.approvals.allSatisfy { $0.voidedReason?.contains("moved") == true })
            // Moving it back does not revive them.
            _ = try await client.execute(
                uri: "/api/v1/hosts/\(hosts["dev"]!)/labels",
                method: .put,
                headers: fleet.bearer("admin-user"),
                body: ByteBuffer(string: #"{"labels":{"env":"dev"},"tags":[]}"#)
            )
            #expect(try await storage.change(id: id)?.currentApprovals.isEmpty == true)
        }
        let events = try await storage.auditEvents(afterID: 0, since: nil, target: nil, limit: 1000)
        #expect(events.contains { $0.action == "change.approvals_voided" })
    }
}

extension TestClientProtocol {
    /// A POST by one of the fleet's callers.
    fileprivate func post(
        _ fleet: ChangeControlAPITests.Fleet,
        _ path: String,
        as caller: String,
        _ body: String = "{}"
    ) async throws -> TestResponse {
        try await execute(uri: path, method: .post, headers: fleet.bearer(caller), body: ByteBuffer(string: body))
    }
}

extension ObjectScopeTests {
    @Test func movingAHostOutOfARunningRolloutWithdrawsItsTasksAndPausesTheRollout() async throws {
        let (setup, router) = try await RolloutAPITests.setup()
        let harness = setup.harness
        try await Application(router: router).test(.router) { client in
            let started = try await RolloutAPITests.startRollout(client, setup)
            #expect(started.status == .created, "\(started.text)")
            let id = try started.json(RolloutAPITests.View.self).id
            let prod = try #require(setup.agents["prod-2"])
            let moved = try await client.execute(
                uri: "/api/v1/hosts/\(prod.hostID)/labels",
                method: .put,
                headers: harness.bearer(.admin),
                body: ByteBuffer(string: #"{"labels":{"env":"dev"},"tags":[]}"#)
            )
            #expect(moved.status == .ok)
            // Steering a rollout needs changes.run over every environment its change reaches.
            let user = try await harness.identities.createUser(
                username: "otto",
                password: "correct horse battery staple",
                role: "viewer",
                actor: "test"
            )
            try await harness.storage.addGrant(
                userID: user.id,
                grant: RoleGrant(role: "operator", scope: .environment("dev")),
                actor: "test",
                now: harness.clock.now()
            )
            let otto = try await harness.identities.createAPIToken(
                userID: user.id,
                name: "t",
                expiresIn: nil,
                actor: "test"
            ).text
            for command in ["resume", "abort"] {
                let refused = try await client.execute(
                    uri: "/api/v1/rollouts/\(id)/\(command)",
                    method: .post,
                    headers: [.authorization: "Bearer \(otto)"],
                    body: ByteBuffer(string: "{}")
                )
                #expect(refused.status == .forbidden, "\(command): \(refused.text)")
            }
            let view = try await RolloutAPITests.status(client, id, harness)
            #expect(view.state == "paused")
            #expect(view.reason?.contains("moved") == true)
            let task = try #require(view.tasks?.first { $0.hostID == prod.hostID })
            #expect(task.state == .skipped)
        }
        let events = try await harness.storage.events(limit: 200, offset: 0).map(\.action)
        #expect(events.contains("rollout.host_withdrawn"))
    }
}

extension ObjectScopeTests {
    @Test func abortingCancelsPlansNoAgentFetchedYet() async throws {
        let (setup, router) = try await RolloutAPITests.setup()
        let harness = setup.harness
        try await Application(router: router).test(.router) { client in
            let started = try await RolloutAPITests.startRollout(client, setup)
            let id = try started.json(RolloutAPITests.View.self).id
            let view = try await RolloutAPITests.status(client, id, harness)
            let leased = try #require(view.tasks?.first { $0.state == .leased })
            let agent = try #require(setup.agents.values.first { $0.hostID == leased.hostID })
            let aborted = try await client.execute(
                uri: "/api/v1/rollouts/\(view.id)/abort",
                method: .post,
                headers: harness.bearer(.operator),
                body: ByteBuffer(string: #"{"reason":"stop"}"#)
            )
            #expect(aborted.status == .ok, "\(aborted.text)")
            // The canary's plan was queued but never fetched: it is never handed out now.
            #expect(try await RolloutAPITests.fetchPlan(client, agent, harness) == nil)
            let after = try await RolloutAPITests.status(client, view.id, harness)
            #expect(after.tasks?.first { $0.hostID == leased.hostID }?.state == .skipped)
        }
        let events = try await harness.storage.events(limit: 200, offset: 0).map(\.action)
        #expect(events.contains("plan.cancelled"))
    }

    @Test func aDecisionOnStaleContentIsRefusedAndVoidedApproversMayDecideAgain() async throws {
        let (fleet, built, hosts) = try await Self.setup()
        let storage = fleet.harness.storage
        try await Application(router: built.router).test(.router) { client in
            let body = ChangeControlAPITests.createBody.replacingOccurrences(
                of: #""environments":["dev","prod"]"#,
                with: #""environments":["dev"]"#
            )
            let id = try await client.post(fleet, "/api/v1/changes", as: "operator-user", body)
                .json(ChangeControlAPITests.View.self).change.id
            let submitted = try await client.post(fleet, "/api/v1/changes/\(id)/submit", as: "operator-user")
                .json(ChangeControlAPITests.View.self)
            let stale = try await client.post(
                fleet,
                "/api/v1/changes/\(id)/approve",
                as: "ann",
                #"{"contentDigest":"not-what-it-is"}"#
            )
            #expect(stale.status == .conflict, "\(stale.text)")
            let fresh = try await client.post(
                fleet,
                "/api/v1/changes/\(id)/approve",
                as: "ann",
                #"{"contentDigest":"\#(submitted.contentDigest)"}"#
            )
            #expect(fresh.status == .ok, "\(fresh.text)")
            // A host move voids ann's approval; she may decide again on the same content.
            _ = try await client.execute(
                uri: "/api/v1/hosts/\(hosts["dev"]!)/labels",
                method: .put,
                headers: fleet.bearer("admin-user"),
                body: ByteBuffer(string: #"{"labels":{"env":"dev"},"tags":["moved"]}"#)
            )
            let labelled = try await client.execute(
                uri: "/api/v1/hosts/\(hosts["dev"]!)/labels",
                method: .put,
                headers: fleet.bearer("admin-user"),
                body: ByteBuffer(string: #"{"labels":{"env":"prod"},"tags":[]}"#)
            )
            #expect(labelled.status == .ok)
            #expect(try await storage.change(id: id)?.currentApprovals.isEmpty == true)
            _ = try await client.execute(
                uri: "/api/v1/hosts/\(hosts["dev"]!)/labels",
                method: .put,
                headers: fleet.bearer("admin-user"),
                body: ByteBuffer(string: #"{"labels":{"env":"dev"},"tags":[]}"#)
            )
            let again = try await client.post(fleet, "/api/v1/changes/\(id)/approve", as: "ann")
            #expect(again.status == .ok, "\(again.text)")
        }
    }
}
