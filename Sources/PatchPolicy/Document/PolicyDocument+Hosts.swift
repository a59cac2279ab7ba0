import FleetModel
import SecurityAdvisories

extension PolicyDocument {
    /// Where a host sits in the policy: its groups, and the tier and environment of the first
    /// group (in declaration order) that assigns one.
    public struct Placement: Sendable, Hashable {
        /// Names of the groups the host belongs to.
        public var groups: Set<String>
        /// Its risk tier, if a group assigns one.
        public var tier: RiskTier?
        /// Its environment, if a group assigns one.
        public var environment: DeploymentEnvironment?
    }

    /// The groups, tier and environment of a host.
    public func placement(of host: HostDescription) -> Placement {
        let member = groups(of: host)
        let tierName = member.lazy.compactMap(\.tier).first
        let environmentName = member.lazy.compactMap(\.environment).first
        return Placement(
            groups: Set(member.map(\.name)),
            tier: tierName.flatMap { name in tiers.first { $0.name == name } },
            environment: environmentName.flatMap { name in environments.first { $0.name == name } }
        )
    }

    /// The baseline that governs a host, from its OS release and placement.
    public func baseline(for host: HostDescription) -> PatchBaseline? {
        guard let release = EcosystemRelease(osRelease: host.facts.os) else { return nil }
        let placement = placement(of: host)
        return baseline(for: release.distribution, environment: placement.environment?.name, tier: placement.tier?.name)
    }
}
