import ChangeControl
import Foundation
import Hummingbird
import PatchAPI
import PatchStore

/// Users, their role grants (global or scoped to an environment or host group), custom roles, and
/// just-in-time elevation requests.
struct AccessController: Sendable {
    let storage: any PatchStorage
    let identities: IdentityService
    let clock: any WallClock

    func user(named name: String) async throws -> UserRecord {
        guard let user = try await storage.user(named: name) else { throw Problem.notFound("no user named '\(name)'") }
        return user
    }

    /// Disables or enables a user (never oneself: an administrator cannot lock themselves out).
    func setDisabled(_ disable: Bool, name: String, by identity: Identity) async throws -> Response {
        let user = try await user(named: name)
        guard user.id != identity.userID else {
            throw Problem.conflict("you cannot \(disable ? "disable" : "enable") your own account")
        }
        let now = clock.now()
        _ = try await storage.setUserDisabled(userID: user.id, disabled: disable, actor: identity.actor, now: now)
        return Response(status: .noContent)
    }

    func scope(_ text: String?) throws -> GrantScope {
        do { return try GrantScope(parsing: text ?? "global") } catch let error as ChangeControlError {
            throw Problem.refusal(error)
        }
    }

    func addRoutes(to group: RouterGroup<AppRequestContext>, table: SecuredRoutes) {
        let prefix = "/api/v1"
        table.add(.get, "users", on: group, prefix: prefix, permission: .usersManage) { _, _, _ in
            var views: [UserView] = []
            for user in try await storage.users() {
                views.append(
                    UserView(
                        id: user.id,
                        username: user.username,
                        role: user.role,
                        grants: try await storage.grants(userID: user.id),
                        createdAt: user.createdAt,
                        disabledAt: user.disabledAt,
                        mustChangePassword: user.mustChangePassword
                    )
                )
            }
            return try JSONResponse.make(UserList(users: views))
        }
        table.add(.post, "users", on: group, prefix: prefix, permission: .usersManage) { request, _, identity in
            let body = try await JSONBody.decode(CreateUserRequest.self, request, limit: 64 * 1024)
            do {
                let user = try await identities.createUser(
                    username: body.username,
                    password: body.password,
                    role: body.role,
                    actor: identity.actor,
                    mustChangePassword: body.mustChangePassword ?? false
                )
                return try JSONResponse.make(
                    UserView(
                        id: user.id,
                        username: user.username,
                        role: user.role,
                        grants: [],
                        createdAt: user.createdAt,
                        mustChangePassword: user.mustChangePassword
                    ),
                    status: .created
                )
            } catch let error as StoreError where error.code == .conflict {
                throw Problem.conflict(error.message)
            }
        }
        table.add(.post, "users/{name}/disable", on: group, prefix: prefix, permission: .usersManage) {
            _,
            context,
            identity in
            try await setDisabled(true, name: try context.parameters.requireDecoded("name"), by: identity)
        }
        table.add(.post, "users/{name}/enable", on: group, prefix: prefix, permission: .usersManage) {
            _,
            context,
            identity in
            try await setDisabled(false, name: try context.parameters.requireDecoded("name"), by: identity)
        }
        table.add(.post, "users/{name}/reset-password", on: group, prefix: prefix, permission: .usersManage) {
            _,
            context,
            identity in
            let user = try await user(named: try context.parameters.requireDecoded("name"))
            let password = try await identities.resetPassword(of: user, actor: identity.actor)
            var response = try JSONResponse.make(PasswordReset(password: password))
            response.headers[.cacheControl] = "no-store"
            return response
        }
        table.add(.post, "me/password", on: group, prefix: prefix, permission: .fleetRead) {
            request,
            _,
            identity in
            let body = try await JSONBody.decode(PasswordChangeRequest.self, request, limit: 16 * 1024)
            var keep: String?
            if case .session(let id, _) = identity.credential { keep = id }
            try await identities.changeOwnPassword(
                userID: identity.userID,
                current: body.currentPassword,
                new: body.newPassword,
                keepSession: keep
            )
            return Response(status: .noContent)
        }
        table.add(.post, "users/{name}/grants", on: group, prefix: prefix, permission: .usersManage) {
            request,
            context,
            identity in
            let user = try await user(named: try context.parameters.requireDecoded("name"))
            let body = try await JSONBody.decode(GrantRequest.self, request, limit: 64 * 1024)
            guard let role = try await identities.role(named: body.role) else {
                throw Problem.badRequest("field 'role': unknown role '\(body.role)'")
            }
            try Self.requireHolds(role.permissions, identity: identity, what: "grant role '\(role.name)'")
            let grant = RoleGrant(role: body.role, scope: try scope(body.scope))
            try await storage.addGrant(userID: user.id, grant: grant, actor: identity.actor, now: clock.now())
            return try JSONResponse.make(grant, status: .created)
        }
        table.add(.post, "users/{name}/grants/revoke", on: group, prefix: prefix, permission: .usersManage) {
            request,
            context,
            identity in
            let user = try await user(named: try context.parameters.requireDecoded("name"))
            let body = try await JSONBody.decode(GrantRequest.self, request, limit: 64 * 1024)
            let scope = try scope(body.scope)
            guard
                try await storage.removeGrant(
                    userID: user.id,
                    role: body.role,
                    scope: scope,
                    actor: identity.actor,
                    now: clock.now()
                )
            else { throw Problem.notFound("\(user.username) has no grant of '\(body.role)' in \(scope)") }
            return Response(status: .noContent)
        }
        table.add(.get, "roles", on: group, prefix: prefix, permission: .fleetRead) { _, _, _ in
            try JSONResponse.make(RoleList(roles: Role.builtIn + (try await storage.customRoles())))
        }
        table.add(.put, "roles/{name}", on: group, prefix: prefix, permission: .rolesManage) {
            request,
            context,
            identity in
            let name = try context.parameters.requireDecoded("name")
            let body = try await JSONBody.decode(RoleRequest.self, request, limit: 64 * 1024)
            var role: Role
            do { role = try Role.validateCustom(name: name, permissions: body.permissions) } catch let error
                as ChangeControlError
            { throw Problem.refusal(error) }
            role.summary = String((body.summary ?? "custom role").prefix(200))
            // No one widens a role they hold, or defines one with more than they hold themselves.
            if identity.authorization.entries.contains(where: { $0.role.name == name }) {
                throw Problem.forbidden("\(identity.username) holds role '\(name)' and may not redefine it")
            }
            try Self.requireHolds(role.permissions, identity: identity, what: "define role '\(name)'")
            try await storage.saveCustomRole(role, actor: identity.actor, now: clock.now())
            return try JSONResponse.make(role)
        }
        addElevationRoutes(to: group, table: table, prefix: prefix)
    }

    /// Throws 403 unless the caller holds every one of `permissions` now (an elevation approved by
    /// another admin counts; break-glass never carries these routes' permissions): nobody hands out,
    /// by grant, role definition or elevation approval, more than they have.
    static func requireHolds(_ permissions: Set<Permission>, identity: Identity, what: String) throws {
        let missing = permissions.subtracting(identity.authorization.permissions)
        guard missing.isEmpty else {
            throw Problem.forbidden(
                "\(identity.username) may not \(what): it carries \(missing.map(\.rawValue).sorted().joined(separator: ", ")), which \(identity.username) does not hold"
            )
        }
    }

    func addElevationRoutes(to group: RouterGroup<AppRequestContext>, table: SecuredRoutes, prefix: String) {
        table.add(.post, "elevations", on: group, prefix: prefix, permission: .elevationRequest) {
            request,
            _,
            identity in
            let body = try await JSONBody.decode(ElevationRequest.self, request, limit: 64 * 1024)
            guard try await identities.role(named: body.role) != nil else {
                throw Problem.badRequest("field 'role': unknown role '\(body.role)'")
            }
            let breakGlass = body.breakGlass ?? false
            if identity.authorization.isBreakGlassActive {
                throw Problem.forbidden(
                    "\(identity.username) is elevated by break-glass; no further elevation until it ends"
                )
            }
            if breakGlass && !identity.has(.elevationBreakGlass) {
                throw Problem.forbidden("\(identity.username) lacks permission 'elevation.break-glass'")
            }
            let elevation: Elevation
            do {
                elevation = try Elevation(
                    id: "ELV-" + BearerSecret.randomToken(bytes: 6),
                    userID: identity.userID,
                    username: identity.username,
                    role: body.role,
                    scope: try scope(body.scope),
                    duration: TimeInterval(body.durationMinutes) * 60,
                    reason: String(body.reason.prefix(1000)),
                    breakGlass: breakGlass,
                    now: clock.now()
                )
            } catch let error as ChangeControlError {
                throw Problem.refusal(error)
            }
            try await storage.createElevation(elevation, actor: identity.actor)
            return try JSONResponse.make(ElevationView(elevation: elevation, reviewOverdue: false), status: .created)
        }
        table.add(.get, "elevations", on: group, prefix: prefix, permission: .elevationRequest) {
            _,
            _,
            identity in
            let all = identity.has(.elevationApprove)
            let now = clock.now()
            let list = try await storage.elevations(userID: all ? nil : identity.userID, limit: 500)
            return try JSONResponse.make(
                ElevationList(
                    elevations: list.map { ElevationView(elevation: $0, reviewOverdue: $0.isReviewOverdue(at: now)) }
                )
            )
        }
        let actions: [(String, String)] = [
            ("approve", "approved"), ("deny", "denied"), ("revoke", "revoked"), ("review", "reviewed"),
        ]
        for (path, action) in actions {
            table.add(.post, "elevations/{id}/\(path)", on: group, prefix: prefix, permission: .elevationApprove) {
                _,
                context,
                identity in
                let id = try context.parameters.requireDecoded("id")
                let now = clock.now()
                if path == "approve", let pending = try await storage.elevation(id: id),
                    let role = try await identities.role(named: pending.role)
                {
                    try Self.requireHolds(
                        role.permissions,
                        identity: identity,
                        what: "approve an elevation to '\(role.name)'"
                    )
                }
                do {
                    let elevation = try await storage.updateElevation(
                        id: id,
                        actor: identity.actor,
                        action: action,
                        now: now
                    ) { elevation in
                        switch path {
                        case "approve":
                            try elevation.approve(approverID: identity.userID, approver: identity.username, now: now)
                        case "deny": try elevation.deny(approverID: identity.userID, approver: identity.username)
                        case "revoke": try elevation.revoke(by: identity.actor)
                        default:
                            try elevation.recordReview(
                                reviewerID: identity.userID,
                                reviewer: identity.username,
                                now: now
                            )
                        }
                    }
                    return try JSONResponse.make(
                        ElevationView(elevation: elevation, reviewOverdue: elevation.isReviewOverdue(at: now))
                    )
                } catch let error as ChangeControlError {
                    throw Problem.refusal(error)
                } catch let error as StoreError where error.code == .notFound {
                    throw Problem.notFound(error.message)
                }
            }
        }
    }
}
