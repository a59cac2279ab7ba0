import ChangeControl
import Foundation
import Testing

@Suite struct PermissionMatrixTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func builtInRolesMatchTheMatrix() {
        #expect(Role.admin.permissions == Set(Permission.allCases))
        #expect(Role.auditor.permissions.allSatisfy { $0.isReadOnly || $0 == .ownTokensManage })
        #expect(Role.auditor.permissions.contains(.auditRead))
        #expect(!Role.viewer.permissions.contains(.auditRead))
        #expect(Role.approver.permissions.contains(.changesApprove))
        #expect(!Role.approver.permissions.contains(.changesRun))
        #expect(Role.operator.permissions.isSuperset(of: [.changesRun, .changesRequest, .plansManage]))
        #expect(!Role.operator.permissions.contains(.changesApprove))
    }

    @Test func scopedGrantCountsOnlyInItsEnvironment() throws {
        let authorization = Authorization(
            grants: [RoleGrant(role: "viewer"), RoleGrant(role: "approver", scope: .environment("dev"))],
            roles: [:],
            now: now
        )
        #expect(authorization.allows(.changesApprove))
        #expect(authorization.allows(.changesApprove, environment: "dev", groups: []))
        #expect(!authorization.allows(.changesApprove, environment: "prod", groups: []))
        // A scoped grant never gives installation-wide permissions.
        let scopedAdmin = Authorization(
            grants: [RoleGrant(role: "admin", scope: .hostGroup("web"))],
            roles: [:],
            now: now
        )
        #expect(!scopedAdmin.allows(.usersManage))
        #expect(scopedAdmin.allows(.hostsManage, environment: "prod", groups: ["web", "eu"]))
        #expect(!scopedAdmin.allows(.hostsManage, environment: "prod", groups: ["db"]))
    }

    @Test func expiredGrantsAndTokenSubsets() throws {
        let grants = [
            RoleGrant(role: "viewer"),
            RoleGrant(role: "admin", expiresAt: now.addingTimeInterval(60), elevationID: "ELV-1"),
        ]
        let during = Authorization(grants: grants, roles: [:], now: now)
        #expect(during.allows(.usersManage))
        #expect(during.elevation(for: .usersManage) == "ELV-1")
        #expect(during.elevation(for: .fleetRead) == nil)
        let after = Authorization(grants: grants, roles: [:], now: now.addingTimeInterval(60))
        #expect(!after.allows(.usersManage))

        let token = Authorization(
            grants: [RoleGrant(role: "operator")],
            roles: [:],
            tokenPermissions: [.fleetRead],
            now: now
        )
        #expect(token.allows(.fleetRead))
        #expect(!token.allows(.plansManage))
        let owner = Authorization(grants: [RoleGrant(role: "viewer")], roles: [:], now: now)
        #expect(throws: ChangeControlError.self) { try owner.validateTokenSubset(["changes.approve"]) }
        #expect(throws: ChangeControlError.self) { try owner.validateTokenSubset(["nonsense"]) }
        #expect(try owner.validateTokenSubset(["fleet.read"]) == [.fleetRead])
    }

    @Test func customRoles() throws {
        let role = try Role.validateCustom(name: "patch-runner", permissions: ["fleet.read", "changes.run"])
        let authorization = Authorization(
            grants: [RoleGrant(role: "patch-runner", scope: .environment("dev"))],
            roles: [role.name: role],
            now: now
        )
        #expect(authorization.allows(.changesRun, environment: "dev", groups: []))
        #expect(!authorization.allows(.fleetRead))  // fleet.read is not scopable
        #expect(throws: ChangeControlError.self) { try Role.validateCustom(name: "admin", permissions: ["fleet.read"]) }
        #expect(throws: ChangeControlError.self) { try Role.validateCustom(name: "x", permissions: ["fleet.write"]) }
        #expect(throws: ChangeControlError.self) { try Role.validateCustom(name: "x", permissions: []) }
    }

    @Test func grantScopeParsing() throws {
        #expect(try GrantScope(parsing: "global") == .global)
        #expect(try GrantScope(parsing: "environment:prod") == .environment("prod"))
        #expect(try GrantScope(parsing: "group:web") == .hostGroup("web"))
        #expect(throws: ChangeControlError.self) { try GrantScope(parsing: "planet:mars") }
    }
}
