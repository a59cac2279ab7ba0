/// The kinds of named entry a policy holds.
public enum PolicyKind: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    /// A ``RiskTier``.
    case tier
    /// A ``DeploymentEnvironment``.
    case environment
    /// A ``HostGroup``.
    case group
    /// A ``FleetService``.
    case service
    /// An ``SLAProfile``.
    case slaProfile = "sla-profile"
    /// A ``PatchBaseline``.
    case baseline
    /// A ``PolicyException``.
    case exception
    /// A ``ComplianceHold``.
    case hold

    /// The YAML section that declares entries of this kind.
    public var section: String {
        switch self {
        case .tier: "tiers"
        case .environment: "environments"
        case .group: "groups"
        case .service: "services"
        case .slaProfile: "sla.profiles"
        case .baseline: "baselines"
        case .exception: "exceptions"
        case .hold: "holds"
        }
    }

    /// Words for messages (`SLA profile`).
    public var noun: String {
        switch self {
        case .slaProfile: "SLA profile"
        default: rawValue
        }
    }

    public static func < (lhs: PolicyKind, rhs: PolicyKind) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// One entry read from a file, with where it was declared.
struct Located<Value> {
    var value: Value
    var name: String
    var location: PolicyLocation
    var path: String
}

/// A name one entry refers to, checked once all files are merged.
struct PolicyReference {
    var kind: PolicyKind
    var name: String
    var node: PolicyNode
}
