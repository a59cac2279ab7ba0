/// What a caller may do. Every route declares the one permission it needs; this enum together with
/// ``Role/builtIn`` is the single permission matrix.
public enum Permission: String, Sendable, Hashable, CaseIterable, Codable, Comparable {
    /// Read hosts, packages, agents, findings, policy and the fleet summary.
    case fleetRead = "fleet.read"
    /// Read the Prometheus metrics.
    case metricsRead = "metrics.read"
    /// Create enrollment tokens.
    case enrollmentManage = "enrollment.manage"
    /// Revoke agents.
    case agentsManage = "agents.manage"
    /// Create users and grant or revoke roles.
    case usersManage = "users.manage"
    /// Define custom roles.
    case rolesManage = "roles.manage"
    /// Create API tokens for oneself.
    case ownTokensManage = "tokens.own"
    /// Read the audit log, verify and export it.
    case auditRead = "audit.read"
    /// Apply policy documents.
    case policyManage = "policy.manage"
    /// Queue update plans for hosts (scoped).
    case plansManage = "plans.manage"
    /// Set host labels and tags (scoped).
    case hostsManage = "hosts.manage"
    /// Read change requests, templates and the CAB calendar.
    case changesRead = "changes.read"
    /// Create, edit, submit and comment on change requests (scoped).
    case changesRequest = "changes.request"
    /// Approve or reject change requests as a CAB member, review emergency changes (scoped).
    case changesApprove = "changes.approve"
    /// Comment on change requests.
    case changesComment = "changes.comment"
    /// Schedule, start and finish approved changes (scoped).
    case changesRun = "changes.run"
    /// Define standard-change templates.
    case templatesManage = "templates.manage"
    /// Ask for a role for a limited time.
    case elevationRequest = "elevation.request"
    /// Take a role at once without approval in an emergency (break-glass), owing a review.
    case elevationBreakGlass = "elevation.break-glass"
    /// Approve or deny other people's elevation requests, review break-glass use.
    case elevationApprove = "elevation.approve"

    /// Whether a grant scoped to environments or host groups can carry this permission. The others
    /// are about the whole installation and only count from a global grant.
    public var isScopable: Bool {
        switch self {
        case .plansManage, .hostsManage, .changesRequest, .changesApprove, .changesRun: true
        default: false
        }
    }

    /// Whether the permission creates lasting access — users, grants, roles, API or enrollment
    /// tokens, elevation approvals. While a break-glass elevation is active, the caller holds none of
    /// these (not even from permanent roles): an emergency role taken without an approver cannot be
    /// turned into access that outlives it.
    public var isAboveBreakGlassCeiling: Bool {
        switch self {
        case .usersManage, .rolesManage, .ownTokensManage, .enrollmentManage, .elevationApprove: true
        default: false
        }
    }

    /// Whether the permission only reads.
    public var isReadOnly: Bool {
        switch self {
        case .fleetRead, .metricsRead, .auditRead, .changesRead: true
        default: false
        }
    }

    public static func < (lhs: Permission, rhs: Permission) -> Bool { lhs.rawValue < rhs.rawValue }
}
