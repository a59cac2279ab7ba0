import SecurityAdvisories

/// A whole policy: tiers, environments, groups, services, SLA profiles, baselines, exceptions and
/// holds, merged from one or more YAML files (a policy directory).
///
/// Built-in risk tiers and SLA profiles are always present; a file that declares an entry with a
/// built-in's name replaces it (that is how built-ins are edited). Environments default to
/// dev → staging → prod when no file declares any.
public struct PolicyDocument: Sendable {
    /// Risk tiers, by rank.
    public var tiers: [RiskTier]
    /// Environments, in promotion order.
    public var environments: [DeploymentEnvironment]
    /// Host groups.
    public var groups: [HostGroup]
    /// Services, checked for unknown dependencies and cycles.
    public var services: ServiceGraph
    /// SLA profiles (built-ins first, then declared ones).
    public var slaProfiles: [SLAProfile]
    /// Approval baselines.
    public var baselines: [PatchBaseline]
    /// Exceptions and compliance holds.
    public var register: ExceptionRegister
    /// Where each declared entry is, by kind and name (built-ins have none).
    public var locations: [PolicyEntryID: PolicyLocation]

    /// An empty policy: built-in tiers and profiles, default environments.
    public init() {
        tiers = RiskTier.builtIn
        environments = DeploymentEnvironment.defaults
        groups = []
        services = try! ServiceGraph([])  // An empty graph has no cycle.
        slaProfiles = SLAProfile.builtInProfiles
        baselines = []
        register = ExceptionRegister()
        locations = [:]
    }

    /// Loads and validates a policy from files, all or nothing.
    ///
    /// - Parameter files: `(name, text)` pairs; names appear in errors (`policy/sla.yaml:12:7`).
    /// - Throws: the first ``PatchPolicyError`` (`invalidPolicy`) in file order; nothing is kept, so
    ///   a caller holding a previous policy keeps it.
    public static func load(files: [(name: String, text: String)]) throws(PatchPolicyError) -> PolicyDocument {
        let result = validate(files: files)
        if let first = result.errors.first { throw first }
        return result.document!
    }

    /// Loads and validates a policy, returning every error found (one per bad entry, then
    /// duplicates and dangling references); the document is nil when there is any error.
    public static func validate(
        files: [(name: String, text: String)]
    ) -> (document: PolicyDocument?, errors: [PatchPolicyError]) {
        var readers: [PolicyReader] = []
        var errors: [PatchPolicyError] = []
        for (name, text) in files {
            var reader = PolicyReader(file: name)
            reader.read(text)
            errors += reader.errors
            readers.append(reader)
        }
        var merger = PolicyMerger()
        merger.merge(readers)
        errors += merger.errors
        guard errors.isEmpty else { return (nil, errors) }
        return (merger.document, [])
    }

    /// The tier with this name.
    public func tier(named name: String) -> RiskTier? { tiers.first { $0.name == name } }

    /// The SLA profile with this name.
    public func slaProfile(named name: String) -> SLAProfile? { slaProfiles.first { $0.name == name } }

    /// The groups a host belongs to.
    public func groups(of host: HostDescription) -> [HostGroup] { groups.filter { $0.contains(host) } }

    /// The first baseline that governs hosts of this distribution, environment and tier.
    public func baseline(
        for distribution: EcosystemRelease.Distribution,
        environment: String?,
        tier: String?
    ) -> PatchBaseline? {
        baselines.first { $0.applies(to: distribution, environment: environment, tier: tier) }
    }
}

/// Identifies a declared entry: its kind and name.
public struct PolicyEntryID: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The kind.
    public var kind: PolicyKind
    /// The name (an exception's id).
    public var name: String

    /// Creates an id.
    public init(kind: PolicyKind, name: String) {
        self.kind = kind
        self.name = name
    }

    public static func < (lhs: PolicyEntryID, rhs: PolicyEntryID) -> Bool {
        (lhs.kind, lhs.name) < (rhs.kind, rhs.name)
    }

    public var description: String { "\(kind.noun) '\(name)'" }
}
