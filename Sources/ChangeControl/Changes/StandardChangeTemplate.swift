/// A pre-approved kind of change ("baseline-approved security updates on tier 3"): a standard change
/// that fits its template runs without CAB.
public struct StandardChangeTemplate: Sendable, Hashable, Codable {
    /// The template's name.
    public var name: String
    /// What it is for.
    public var summary: String
    /// Environments it may touch; empty for any.
    public var environments: [String]
    /// The most critical tier it may touch (3 = only tier 3 hosts); `nil` for any.
    public var mostCriticalTier: Int?
    /// At most this many hosts; `nil` for any.
    public var maxHosts: Int?
    /// Only updates the approval baseline approves.
    public var baselineApprovedOnly: Bool
    /// Highest risk level allowed.
    public var maxRisk: RiskAssessment.Level

    /// Creates a template.
    public init(
        name: String,
        summary: String = "",
        environments: [String] = [],
        mostCriticalTier: Int? = nil,
        maxHosts: Int? = nil,
        baselineApprovedOnly: Bool = true,
        maxRisk: RiskAssessment.Level = .medium
    ) {
        self.name = name
        self.summary = summary
        self.environments = environments
        self.mostCriticalTier = mostCriticalTier
        self.maxHosts = maxHosts
        self.baselineApprovedOnly = baselineApprovedOnly
        self.maxRisk = maxRisk
    }

    /// Why the change does not fit the template; empty when it does.
    public func misfits(_ impact: ChangeImpact, risk: RiskAssessment) -> [String] {
        var reasons: [String] = []
        if !environments.isEmpty {
            let outside = impact.environments.map(\.environment).filter { !environments.contains($0) }
            if !outside.isEmpty {
                reasons.append(
                    "environment \(outside.sorted().joined(separator: ", ")) is outside the template's \(environments.joined(separator: ", "))"
                )
            }
        }
        if let limit = mostCriticalTier {
            if let tier = impact.mostCriticalTier, tier < limit {
                reasons.append("touches tier \(tier); the template allows tier \(limit) and less critical")
            } else if impact.mostCriticalTier == nil {
                reasons.append("hosts without a risk tier; the template needs tier \(limit) or less critical")
            }
        }
        if let maxHosts, impact.hostCount > maxHosts {
            reasons.append("\(impact.hostCount) hosts; the template allows at most \(maxHosts)")
        }
        if baselineApprovedOnly && !impact.baselineApproved {
            reasons.append("not every update is approved by the hosts' baselines")
        }
        if risk.level > maxRisk {
            reasons.append("risk \(risk.level.rawValue) is above the template's \(maxRisk.rawValue)")
        }
        return reasons
    }
}
