import ChangeControl
import FleetModel
import Foundation
import Hummingbird
import HummingbirdCore
import PatchAPI
import PatchStore

/// The authenticated JSON API for people and automation: hosts, packages, history, agents, tokens.
struct FleetController: Sendable {
    let storage: any PatchStorage
    let identities: IdentityService
    let clock: any WallClock
    let configuration: ServerConfiguration
    let scopes: HostScopes
    /// Agent keys the agent routes verify with; a revoked agent is dropped from it.
    let agentKeys: AgentKeyCache
    /// The fleet summary, computed once for the callers that ask at the same time (dashboards,
    /// metrics scrapes and API clients all ask for it).
    let summaries = CoalescedRead<FleetSummary>()
    /// Called after a host's labels or tags moved it to another environment or group set.
    var onHostMoved: @Sendable (HostRecord, HostScopes.Place, HostScopes.Place, String) async throws -> Void = {
        _,
        _,
        _,
        _ in
    }

    func addRoutes(to group: RouterGroup<AppRequestContext>, table: SecuredRoutes) {
        let prefix = "/api/v1"
        table.add(.get, "me", on: group, prefix: prefix, permission: .fleetRead) { _, _, identity in
            try JSONResponse.make(
                MeView(
                    username: identity.username,
                    role: identity.roleName,
                    permissions: identity.authorization.permissions.map(\.rawValue).sorted(),
                    grants: identity.authorization.entries.map {
                        MeView.Grant(role: $0.role.name, scope: $0.scope.description, elevation: $0.elevationID)
                    }
                )
            )
        }
        table.add(.get, "fleet/summary", on: group, prefix: prefix, permission: .fleetRead) { _, _, _ in
            try JSONResponse.make(FleetSummaryView(try await summary()))
        }
        table.add(.get, "hosts", on: group, prefix: prefix, permission: .fleetRead) { request, _, _ in
            let query = try HostQueryParser.parse(
                request.uri.queryParameters,
                now: clock.now(),
                onlineWindow: onlineWindow
            )
            let page = try await storage.hosts(query)
            return try JSONResponse.make(
                HostPage(
                    hosts: page.hosts.map { HostView($0, onlineSince: onlineSince()) },
                    total: page.total,
                    limit: query.limit,
                    offset: query.offset,
                    nextCursor: page.next?.token
                )
            )
        }
        table.add(.get, "hosts/{id}", on: group, prefix: prefix, permission: .fleetRead) { _, context, _ in
            let host = try await requireHost(context)
            return try JSONResponse.make(HostView(host, onlineSince: onlineSince()))
        }
        table.add(.get, "hosts/{id}/packages", on: group, prefix: prefix, permission: .fleetRead) {
            request,
            context,
            _ in
            let host = try await requireHost(context)
            let parameters = request.uri.queryParameters
            var packages = try await storage.inventory(hostID: host.id).packages
            if let name = parameters["name"].map(String.init), !name.isEmpty {
                packages = packages.filter { $0.name.contains(name) || $0.sourceName.contains(name) }
            }
            if let state = parameters["state"].map(String.init), !state.isEmpty {
                guard let wanted = PackageState(rawValue: state) else {
                    throw Problem.badRequest("query parameter 'state' has unknown value '\(state)'")
                }
                packages = packages.filter { $0.state == wanted }
            }
            let (limit, offset) = try Paging.parse(parameters, defaultLimit: 500, maxLimit: 10_000)
            let page = Array(packages.dropFirst(offset).prefix(limit))
            return try JSONResponse.make(
                PackagePage(packages: page, total: packages.count, limit: limit, offset: offset)
            )
        }
        table.add(.get, "hosts/{id}/inventory-history", on: group, prefix: prefix, permission: .fleetRead) {
            request,
            context,
            _ in
            let host = try await requireHost(context)
            let (limit, offset) = try Paging.parse(request.uri.queryParameters, defaultLimit: 100, maxLimit: 5000)
            let changes = try await storage.inventoryHistory(hostID: host.id, limit: limit, offset: offset)
            let total = try await storage.inventoryHistoryCount(hostID: host.id)
            return try JSONResponse.make(
                InventoryHistory(
                    changes: changes.map(PackageChangeView.init),
                    total: total,
                    limit: limit,
                    offset: offset
                )
            )
        }
        table.add(.put, "hosts/{id}/labels", on: group, prefix: prefix, permission: .hostsManage) {
            request,
            context,
            identity in
            let id = try context.parameters.requireDecoded("id")
            let body = try await JSONBody.decode(HostLabelsRequest.self, request, limit: context.maxUploadSize)
            // The caller needs hosts.manage where the host is now and where the new labels put it.
            let (host, before) = try await scopes.requireHost(id: id, .hostsManage, identity: identity)
            let after = try await scopes.place(of: host, labels: body.labels, tags: body.tags)
            try HostScopes.require(.hostsManage, at: after, identity: identity, what: "moving \(host.facts.hostname)")
            // Written only if the labels are still those the checks above were made against.
            switch try await storage.replaceLabels(
                hostID: id,
                expectedLabels: host.labels,
                expectedTags: host.tags,
                labels: body.labels,
                tags: body.tags,
                actor: identity.actor,
                now: clock.now()
            ) {
            case nil: throw Problem.notFound("no host with id '\(id)'")
            case false?: throw Problem.conflict("the labels of host \(id) changed meanwhile; read them and try again")
            case true?: break
            }
            if before != after { try await onHostMoved(host, before, after, identity.actor) }
            return try JSONResponse.make(body)
        }
        table.add(.get, "agents", on: group, prefix: prefix, permission: .fleetRead) { request, _, _ in
            let parameters = request.uri.queryParameters
            let (limit, offset) = try Paging.parse(parameters, defaultLimit: 1000, maxLimit: 10_000)
            guard offset == 0 else {
                throw Problem.badRequest(
                    "query parameter 'offset': agents are paged by 'cursor' (each page's nextCursor)"
                )
            }
            var after: AgentCursor?
            if let token = parameters["cursor"], !token.isEmpty {
                guard let cursor = AgentCursor(token: String(token)) else {
                    throw Problem.badRequest("query parameter 'cursor' is not an agent-list cursor")
                }
                after = cursor
            }
            let page = try await storage.agents(limit: limit, after: after)
            return try JSONResponse.make(
                AgentList(
                    agents: page.agents.map(AgentView.init),
                    total: page.total,
                    limit: limit,
                    nextCursor: page.next?.token
                )
            )
        }
        table.add(.post, "agents/{id}/revoke", on: group, prefix: prefix, permission: .agentsManage) {
            _,
            context,
            identity in
            let id = try context.parameters.requireDecoded("id")
            guard try await storage.revokeAgent(id: id, actor: identity.actor, now: clock.now()) else {
                throw Problem.notFound("no agent with id '\(id)'")
            }
            agentKeys.forget(agentID: id)
            return try JSONResponse.make(try await storage.agent(id: id).map(AgentView.init))
        }
        table.add(.get, "enrollment-tokens", on: group, prefix: prefix, permission: .enrollmentManage) { _, _, _ in
            let now = clock.now()
            return try JSONResponse.make(
                EnrollmentTokenList(
                    tokens: try await storage.enrollmentTokens(limit: 200).map { token in
                        EnrollmentTokenView(
                            id: token.id,
                            usesAllowed: token.usesAllowed,
                            usesConsumed: token.usesConsumed,
                            createdAt: token.createdAt,
                            expiresAt: token.expiresAt,
                            createdBy: token.createdBy,
                            host: token.hostID,
                            state: token.state(at: now)
                        )
                    }
                )
            )
        }
        table.add(.post, "enrollment-tokens/{id}/revoke", on: group, prefix: prefix, permission: .enrollmentManage) {
            _,
            context,
            identity in
            let id = try context.parameters.requireDecoded("id")
            guard try await storage.revokeEnrollmentToken(id: id, actor: identity.actor, now: clock.now()) else {
                throw Problem.notFound("no enrollment token with id '\(id)'")
            }
            return Response(status: .noContent)
        }
        table.add(.post, "enrollment-tokens", on: group, prefix: prefix, permission: .enrollmentManage) {
            request,
            context,
            identity in
            let body = try await JSONBody.decode(EnrollmentTokenRequest.self, request, limit: context.maxUploadSize)
            let uses = body.uses ?? 1
            let lifetime = body.expiresInSeconds ?? 86400
            if let hostID = body.host, try await storage.host(id: hostID) == nil {
                throw Problem.badRequest("field 'host': no host with id '\(hostID)'")
            }
            let created = try await identities.createEnrollmentToken(
                uses: uses,
                expiresIn: TimeInterval(lifetime),
                hostID: body.host,
                actor: identity.actor
            )
            return try JSONResponse.make(
                IssuedSecret(token: created.text, expiresAt: created.expiresAt),
                status: .created
            )
        }
        table.add(.post, "tokens", on: group, prefix: prefix, permission: .ownTokensManage) {
            request,
            context,
            identity in
            let body = try await JSONBody.decode(APITokenRequest.self, request, limit: context.maxUploadSize)
            var lifetime = body.expiresInSeconds.map(TimeInterval.init)
            // A token never outlives the token that minted it.
            if case .apiToken(let parentID) = identity.credential,
                let parentExpiry = try await storage.apiToken(id: parentID)?.expiresAt
            {
                let remaining = parentExpiry.timeIntervalSince(clock.now())
                guard remaining >= 60 else {
                    throw Problem.badRequest("the calling token expires within a minute; it cannot mint another")
                }
                lifetime = min(lifetime ?? IdentityService.defaultLifetime, remaining)
            }
            let created = try await identities.createAPIToken(
                userID: identity.userID,
                name: body.name,
                expiresIn: lifetime,
                permissions: body.permissions,
                caller: identity.authorization,
                actor: identity.actor
            )
            return try JSONResponse.make(
                IssuedSecret(token: created.text, expiresAt: created.expiresAt),
                status: .created
            )
        }
        table.add(.get, "tokens", on: group, prefix: prefix, permission: .ownTokensManage) { request, _, identity in
            // Everyone sees their own tokens; user administrators may ask for everyone's (`?all=true`).
            let all = request.uri.queryParameters["all"] == "true"
            if all && !identity.has(.usersManage) {
                throw Problem.forbidden("\(identity.username) lacks permission 'users.manage' to list others' tokens")
            }
            let now = clock.now()
            var names: [String: String] = [identity.userID: identity.username]
            var views: [TokenView] = []
            for token in try await storage.apiTokens(userID: all ? nil : identity.userID) {
                if names[token.userID] == nil {
                    names[token.userID] = try await storage.user(id: token.userID)?.username ?? token.userID
                }
                views.append(
                    TokenView(
                        id: token.id,
                        user: names[token.userID] ?? token.userID,
                        name: token.name,
                        createdAt: token.createdAt,
                        expiresAt: token.expiresAt,
                        revoked: token.revoked,
                        expired: token.expiresAt.map { $0 <= now } ?? false,
                        permissions: token.permissions
                    )
                )
            }
            return try JSONResponse.make(TokenList(tokens: views))
        }
        table.add(.post, "tokens/{id}/revoke", on: group, prefix: prefix, permission: .ownTokensManage) {
            _,
            context,
            identity in
            let id = try context.parameters.requireDecoded("id")
            guard let token = try await storage.apiToken(id: id) else { throw Problem.notFound("no API token '\(id)'") }
            guard token.userID == identity.userID || identity.has(.usersManage) else {
                throw Problem.forbidden("\(identity.username) may revoke only their own API tokens")
            }
            _ = try await storage.revokeAPIToken(id: id, actor: identity.actor, now: clock.now())
            return Response(status: .noContent)
        }
        table.add(.get, "events", on: group, prefix: prefix, permission: .auditRead) { request, _, _ in
            let parameters = QueryParameters(request.uri.queryParameters.map { (String($0.key), String($0.value)) })
            let (limit, offset) = try parameters.paging(defaultLimit: 100, maxLimit: 1000)
            let before = try parameters.integer("before", in: 1...Int.max).map(Int64.init)
            guard before == nil || offset == 0 else {
                throw Problem.badRequest("query parameters 'before' and 'offset' exclude each other")
            }
            let page = try await storage.eventPage(limit: limit, before: before, offset: offset)
            let oldest = page.events.last?.id
            return try JSONResponse.make(
                EventList(
                    events: page.events.map(EventView.init),
                    total: page.total,
                    limit: limit,
                    nextBefore: page.events.count == limit && (oldest ?? 0) > 1 ? oldest : nil
                )
            )
        }
    }

    var onlineWindow: TimeInterval {
        TimeInterval(configuration.checkInIntervalSeconds * configuration.staleAfterIntervals)
    }

    func onlineSince() -> Date { clock.now().addingTimeInterval(-onlineWindow) }

    func summary() async throws -> FleetSummary {
        try await summaries.value { [storage, clock, onlineWindow] in
            let now = clock.now()
            return try await storage.fleetSummary(now: now, onlineSince: now.addingTimeInterval(-onlineWindow))
        }
    }

    func requireHost(_ context: AppRequestContext) async throws -> HostRecord {
        let id = try context.parameters.requireDecoded("id")
        guard let host = try await storage.host(id: id) else { throw Problem.notFound("no host with id '\(id)'") }
        return host
    }
}

/// Parses `limit` and `offset` query parameters (see ``QueryParameters/paging(defaultLimit:maxLimit:)``).
enum Paging {
    static func parse(
        _ parameters: FlatDictionary<Substring, Substring>,
        defaultLimit: Int,
        maxLimit: Int
    ) throws -> (Int, Int) {
        let query = QueryParameters(parameters.map { (String($0.key), String($0.value)) })
        return try query.paging(defaultLimit: defaultLimit, maxLimit: maxLimit)
    }
}

/// Turns host-list query parameters into a ``HostQuery``.
enum HostQueryParser {
    static func parse(
        _ parameters: FlatDictionary<Substring, Substring>,
        now: Date,
        onlineWindow: TimeInterval
    ) throws -> HostQuery {
        var query = HostQuery()
        query.search = parameters["search"].map(String.init)
        query.osID = parameters["os"].flatMap { $0.isEmpty ? nil : String($0) }
        query.osVersionID = parameters["version"].flatMap { $0.isEmpty ? nil : String($0) }
        if let reboot = parameters["reboot"], !reboot.isEmpty {
            guard reboot == "true" || reboot == "false" else {
                throw Problem.badRequest("query parameter 'reboot' must be true or false, got '\(reboot)'")
            }
            query.rebootRequired = reboot == "true"
        }
        if let state = parameters["state"], !state.isEmpty {
            switch state {
            case "online": query.seenSince = now.addingTimeInterval(-onlineWindow)
            case "stale": query.notSeenSince = now.addingTimeInterval(-onlineWindow)
            default: throw Problem.badRequest("query parameter 'state' must be online or stale, got '\(state)'")
            }
        }
        if let sort = parameters["sort"], !sort.isEmpty {
            guard let key = HostQuery.SortKey(rawValue: String(sort)) else {
                let allowed = HostQuery.SortKey.allCases.map(\.rawValue).joined(separator: ", ")
                throw Problem.badRequest("query parameter 'sort' must be one of \(allowed), got '\(sort)'")
            }
            query.sort = key
        }
        if let order = parameters["order"], !order.isEmpty {
            guard order == "asc" || order == "desc" else {
                throw Problem.badRequest("query parameter 'order' must be asc or desc, got '\(order)'")
            }
            query.descending = order == "desc"
        }
        (query.limit, query.offset) = try Paging.parse(parameters, defaultLimit: 50, maxLimit: 1000)
        if let token = parameters["cursor"], !token.isEmpty {
            guard let cursor = HostCursor(token: String(token)) else {
                throw Problem.badRequest("query parameter 'cursor' is not a host-list cursor")
            }
            guard cursor.sort == query.sort, cursor.descending == query.descending else {
                throw Problem.badRequest(
                    "query parameter 'cursor' continues sort=\(cursor.sort.rawValue)&order=\(cursor.descending ? "desc" : "asc"); ask with the same sort and order"
                )
            }
            guard query.offset == 0 else {
                throw Problem.badRequest("query parameters 'cursor' and 'offset' exclude each other")
            }
            query.after = cursor
        }
        return query
    }
}
