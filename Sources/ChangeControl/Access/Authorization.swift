import Foundation

/// What one caller may do, and where: their grants resolved to roles, cut down to an API token's
/// permissions when the caller uses one.
public struct Authorization: Sendable, Hashable {
    /// One grant with its role resolved.
    public struct Entry: Sendable, Hashable {
        /// The role.
        public var role: Role
        /// Where it applies.
        public var scope: GrantScope
        /// The elevation behind it, for a temporary grant.
        public var elevationID: String?
        /// Whether that elevation was break-glass.
        public var breakGlass: Bool = false
    }

    /// The active grants.
    public var entries: [Entry]
    /// An API token's permission subset; `nil` when the caller has all their roles' permissions.
    public var tokenPermissions: Set<Permission>?

    /// Resolves grants active at `now` (unknown role names are skipped) and the token's subset.
    public init(
        grants: [RoleGrant],
        roles: [String: Role],
        tokenPermissions: Set<Permission>? = nil,
        now: Date
    ) {
        self.entries = grants.compactMap { grant in
            guard grant.isActive(at: now), let role = Role.builtIn(named: grant.role) ?? roles[grant.role] else {
                return nil
            }
            return Entry(
                role: role,
                scope: grant.scope,
                elevationID: grant.elevationID,
                breakGlass: grant.breakGlass ?? false
            )
        }
        self.tokenPermissions = tokenPermissions
    }

    /// The entries that give `permission`; a scoped entry only gives scopable permissions, and a
    /// break-glass entry none above the break-glass ceiling.
    private func entries(giving permission: Permission) -> [Entry] {
        if let tokenPermissions, !tokenPermissions.contains(permission) { return [] }
        // While a break-glass elevation is active, nothing above the ceiling counts — not even from
        // the caller's permanent roles: an emergency session cannot mint lasting access.
        if isBreakGlassActive && permission.isAboveBreakGlassCeiling { return [] }
        return entries.filter { entry in
            entry.role.permissions.contains(permission) && (entry.scope == .global || permission.isScopable)
        }
    }

    /// The permissions a new API token may carry: held now, and not only through an elevation
    /// (a token would outlive it).
    public var transferablePermissions: Set<Permission> {
        permissions.filter { elevation(for: $0) == nil }
    }

    /// Whether the caller is elevated by break-glass right now.
    public var isBreakGlassActive: Bool { entries.contains(where: \.breakGlass) }

    /// Whether the caller holds `permission` somewhere (what a route checks before looking closer).
    public func allows(_ permission: Permission) -> Bool { !entries(giving: permission).isEmpty }

    /// Whether the caller holds `permission` for a target in `environment` whose hosts are all in `groups`.
    public func allows(_ permission: Permission, environment: String?, groups: Set<String>) -> Bool {
        entries(giving: permission).contains { $0.scope.covers(environment: environment, groups: groups) }
    }

    /// Every permission the caller holds somewhere.
    public var permissions: Set<Permission> {
        Set(Permission.allCases.filter { allows($0) })
    }

    /// The elevation the caller relies on for `permission`, when no permanent grant gives it: an
    /// action taken that way is marked as elevated in the audit log.
    public func elevation(for permission: Permission) -> String? {
        let giving = entries(giving: permission)
        guard !giving.isEmpty, giving.allSatisfy({ $0.elevationID != nil }) else { return nil }
        return giving.first?.elevationID
    }

    /// Checks that an API token's permissions are a subset of what the owner holds now.
    public func validateTokenSubset(_ requested: [String]) throws -> Set<Permission> {
        var subset: Set<Permission> = []
        for (index, text) in requested.enumerated() {
            guard let permission = Permission(rawValue: text) else {
                throw ChangeControlError(.invalid, field: "permissions[\(index)]", "unknown permission '\(text)'")
            }
            guard transferablePermissions.contains(permission) else {
                throw ChangeControlError(
                    .notPermitted,
                    field: "permissions[\(index)]",
                    "'\(text)' is not among the permissions you hold without elevation; a token carries a subset of them"
                )
            }
            subset.insert(permission)
        }
        return subset
    }
}
