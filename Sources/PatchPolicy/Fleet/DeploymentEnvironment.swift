/// A deployment stage (`dev`, `staging`, `prod`); changes flow through environments in ``order``.
public struct DeploymentEnvironment: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    /// The environment's name.
    public var name: String
    /// Its position in the promotion order: lower comes first (dev before prod).
    public var order: Int
    /// Failed hosts a rollout wave in this environment tolerates (`1`, `10%` of the wave's hosts,
    /// rounded down); `nil`: the rollout's default (none).
    public var errorBudget: HostBudget?
    /// Canary hosts of a rollout in this environment; `nil`: the rollout's default (one).
    public var canary: HostBudget?
    /// Most hosts in one rollout wave in this environment; `nil`: the rollout's default (25%).
    public var maxConcurrency: HostBudget?

    /// Creates an environment.
    public init(
        name: String,
        order: Int,
        errorBudget: HostBudget? = nil,
        canary: HostBudget? = nil,
        maxConcurrency: HostBudget? = nil
    ) {
        self.name = name
        self.order = order
        self.errorBudget = errorBudget
        self.canary = canary
        self.maxConcurrency = maxConcurrency
    }

    /// The rollout limits the environment sets, as `errorBudget 1, canary 2` (empty when none).
    public var rolloutLimits: [String] {
        [("errorBudget", errorBudget), ("canary", canary), ("maxConcurrency", maxConcurrency)].compactMap { field in
            field.1.map { "\(field.0) \($0)" }
        }
    }

    /// The default promotion order: dev → staging → prod.
    public static let defaults: [DeploymentEnvironment] = [
        DeploymentEnvironment(name: "dev", order: 0), DeploymentEnvironment(name: "staging", order: 1),
        DeploymentEnvironment(name: "prod", order: 2),
    ]

    public static func < (lhs: DeploymentEnvironment, rhs: DeploymentEnvironment) -> Bool {
        (lhs.order, lhs.name) < (rhs.order, rhs.name)
    }

    public var description: String { name }
}
