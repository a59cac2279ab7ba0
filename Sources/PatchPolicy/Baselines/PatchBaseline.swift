import Foundation
import SecurityAdvisories

/// An approval baseline, like an AWS Systems Manager patch baseline for Debian, Ubuntu or RHEL:
/// always-approved and always-rejected package patterns, then approval rules in order.
///
/// Decision order: a package matching ``rejectedPackages`` is rejected; one matching
/// ``approvedPackages`` is approved at release; otherwise the first rule that matches decides
/// (approve after N days → approved or pending until release + N days; or reject); with no match
/// the update is rejected by `no-matching-rule`.
public struct PatchBaseline: Sendable, Hashable {
    /// The baseline's name.
    public var name: String
    /// The distribution it applies to (nil: any).
    public var distribution: EcosystemRelease.Distribution?
    /// Environments it applies to (empty: all).
    public var environments: [String]
    /// Risk tiers it applies to, by name (empty: all).
    public var tiers: [String]
    /// Packages approved as soon as released.
    public var approvedPackages: [GlobPattern]
    /// Packages never approved.
    public var rejectedPackages: [GlobPattern]
    /// Approval rules, first match wins.
    public var rules: [BaselineRule]

    /// Creates a baseline.
    public init(
        name: String,
        distribution: EcosystemRelease.Distribution? = nil,
        environments: [String] = [],
        tiers: [String] = [],
        approvedPackages: [GlobPattern] = [],
        rejectedPackages: [GlobPattern] = [],
        rules: [BaselineRule]
    ) {
        self.name = name
        self.distribution = distribution
        self.environments = environments
        self.tiers = tiers
        self.approvedPackages = approvedPackages
        self.rejectedPackages = rejectedPackages
        self.rules = rules
    }

    /// Whether the baseline governs hosts of this distribution, environment and tier.
    public func applies(to distribution: EcosystemRelease.Distribution, environment: String?, tier: String?) -> Bool {
        if let own = self.distribution, own != distribution { return false }
        if !environments.isEmpty && !(environment.map(environments.contains) ?? false) { return false }
        if !tiers.isEmpty && !(tier.map(tiers.contains) ?? false) { return false }
        return true
    }

    /// Decides on one update at `now`.
    public func decide(_ update: CandidateUpdate, now: Date) -> BaselineDecision {
        if rejectedPackages.contains(where: { $0.matches(update.package) }) {
            return BaselineDecision(outcome: .rejected, rule: "rejected-packages")
        }
        if approvedPackages.contains(where: { $0.matches(update.package) }) {
            return BaselineDecision(outcome: .approved(since: update.released), rule: "approved-packages")
        }
        for rule in rules where rule.matches(update) {
            switch rule.action {
            case .reject:
                return BaselineDecision(outcome: .rejected, rule: rule.name)
            case .approveAfter(let days):
                let date = update.released.addingTimeInterval(TimeInterval(days) * 86_400)
                return BaselineDecision(
                    outcome: date <= now ? .approved(since: date) : .pending(until: date),
                    rule: rule.name
                )
            }
        }
        return BaselineDecision(outcome: .rejected, rule: "no-matching-rule")
    }
}
