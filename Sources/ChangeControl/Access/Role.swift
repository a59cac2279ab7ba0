/// A named set of permissions: one of the built-in roles or a custom one.
public struct Role: Sendable, Hashable, Codable {
    /// The role's name (`viewer`, `approver`, or a custom name).
    public var name: String
    /// What it allows.
    public var permissions: Set<Permission>
    /// One line on what the role is for.
    public var summary: String

    /// Creates a role.
    public init(name: String, permissions: Set<Permission>, summary: String = "") {
        self.name = name
        self.permissions = permissions
        self.summary = summary
    }

    private static let reading: Set<Permission> = [
        .fleetRead, .metricsRead, .changesRead, .ownTokensManage, .elevationRequest,
    ]

    /// Reads the fleet and the changes, changes nothing.
    public static let viewer = Role(name: "viewer", permissions: reading, summary: "reads the fleet and changes")
    /// Runs day-to-day operations and approved changes.
    public static let `operator` = Role(
        name: "operator",
        permissions: reading.union([
            .enrollmentManage, .plansManage, .hostsManage, .changesRequest, .changesRun, .changesComment,
            .elevationBreakGlass,
        ]),
        summary: "enrolls hosts, requests and runs approved changes"
    )
    /// A change advisory board member: approves or rejects changes.
    public static let approver = Role(
        name: "approver",
        permissions: reading.union([.changesApprove, .changesComment, .elevationBreakGlass]),
        summary: "CAB member: approves or rejects changes, reviews emergency changes"
    )
    /// Reads everything including the audit log; changes nothing.
    public static let auditor = Role(
        name: "auditor",
        permissions: reading.union([.auditRead]).subtracting([.elevationRequest]),
        summary: "reads everything including the audit log, changes nothing"
    )
    /// Everything.
    public static let admin = Role(
        name: "admin",
        permissions: Set(Permission.allCases),
        summary: "everything, including users, roles and elevation approval"
    )

    /// The built-in roles, in order of power.
    public static let builtIn: [Role] = [.viewer, .auditor, .approver, .operator, .admin]

    /// The built-in role with this name.
    public static func builtIn(named name: String) -> Role? { builtIn.first { $0.name == name } }

    /// Checks a custom role's definition.
    public static func validateCustom(name: String, permissions: [String]) throws -> Role {
        guard Self.builtIn(named: name) == nil else {
            throw ChangeControlError(.invalid, field: "name", "'\(name)' is a built-in role")
        }
        guard !name.isEmpty, name.utf8.count <= 64,
            name.utf8.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7a) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2d })
        else {
            throw ChangeControlError(.invalid, field: "name", "'\(name)' must be 1-64 characters of a-z, 0-9, '-'")
        }
        var set: Set<Permission> = []
        for (index, text) in permissions.enumerated() {
            guard let permission = Permission(rawValue: text) else {
                throw ChangeControlError(
                    .invalid,
                    field: "permissions[\(index)]",
                    "unknown permission '\(text)'; known: \(Permission.allCases.map(\.rawValue).joined(separator: ", "))"
                )
            }
            set.insert(permission)
        }
        guard !set.isEmpty else { throw ChangeControlError(.invalid, field: "permissions", "must not be empty") }
        return Role(name: name, permissions: set, summary: "custom role")
    }
}
