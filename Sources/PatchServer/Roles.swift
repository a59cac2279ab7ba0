/// What a caller may do. Every route declares the permission it needs.
public enum Permission: String, Sendable, Hashable, CaseIterable {
    /// Read hosts, packages, agents and the fleet summary.
    case fleetRead = "fleet.read"
    /// Read the Prometheus metrics.
    case metricsRead = "metrics.read"
    /// Create enrollment tokens.
    case enrollmentManage = "enrollment.manage"
    /// Revoke agents.
    case agentsManage = "agents.manage"
    /// Create users.
    case usersManage = "users.manage"
    /// Create API tokens for oneself.
    case ownTokensManage = "tokens.own"
    /// Read the event log.
    case auditRead = "audit.read"
    /// Apply policy documents.
    case policyManage = "policy.manage"
    /// Queue update plans for hosts.
    case plansManage = "plans.manage"
    /// Set host labels and tags.
    case hostsManage = "hosts.manage"
}

/// A built-in role: a named set of permissions.
public enum Role: String, Sendable, Hashable, CaseIterable, Codable {
    /// Reads everything in the fleet, changes nothing.
    case viewer
    /// Enrolls hosts and runs day-to-day operations.
    case `operator`
    /// Everything, including users and agent revocation.
    case admin

    /// The permissions this role grants.
    public var permissions: Set<Permission> {
        switch self {
        case .viewer: [.fleetRead, .metricsRead, .ownTokensManage]
        case .operator: [.fleetRead, .metricsRead, .ownTokensManage, .enrollmentManage, .plansManage, .hostsManage]
        case .admin: Set(Permission.allCases)
        }
    }
}
