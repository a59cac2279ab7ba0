/// How much harm a failed or late patch does to a set of hosts: rank 0 is the most critical.
///
/// The four built-in tiers follow the usual ladder (production databases → development
/// workstations); a policy may add custom named tiers with any rank.
public struct RiskTier: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    /// The tier's name (`production-databases`).
    public var name: String
    /// Its rank: 0 is the most critical; higher ranks are patched first in rollouts and later in waves.
    public var rank: Int

    /// Creates a tier.
    public init(name: String, rank: Int) {
        self.name = name
        self.rank = rank
    }

    /// Tier 0: production databases.
    public static let productionDatabases = RiskTier(name: "production-databases", rank: 0)
    /// Tier 1: other production services.
    public static let productionServices = RiskTier(name: "production-services", rank: 1)
    /// Tier 2: staging and internal services.
    public static let staging = RiskTier(name: "staging", rank: 2)
    /// Tier 3: development workstations.
    public static let developmentWorkstations = RiskTier(name: "development-workstations", rank: 3)

    /// The built-in tiers, by rank.
    public static let builtIn: [RiskTier] = [
        .productionDatabases, .productionServices, .staging, .developmentWorkstations,
    ]

    public static func < (lhs: RiskTier, rhs: RiskTier) -> Bool { (lhs.rank, lhs.name) < (rhs.rank, rhs.name) }

    public var description: String { "\(name) (tier \(rank))" }
}
