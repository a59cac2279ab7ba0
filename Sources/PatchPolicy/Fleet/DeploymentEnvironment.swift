/// A deployment stage (`dev`, `staging`, `prod`); changes flow through environments in ``order``.
public struct DeploymentEnvironment: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    /// The environment's name.
    public var name: String
    /// Its position in the promotion order: lower comes first (dev before prod).
    public var order: Int

    /// Creates an environment.
    public init(name: String, order: Int) {
        self.name = name
        self.order = order
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
