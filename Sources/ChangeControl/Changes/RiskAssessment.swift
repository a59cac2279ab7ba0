/// How risky a change is, with the reasons that made it so.
public struct RiskAssessment: Sendable, Hashable, Codable {
    /// Risk levels.
    public enum Level: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
        case low, medium, high, critical

        private var rank: Int { Self.allCases.firstIndex(of: self) ?? 0 }
        public static func < (lhs: Level, rhs: Level) -> Bool { lhs.rank < rhs.rank }
    }

    /// The level.
    public var level: Level
    /// Points behind the level.
    public var score: Int
    /// Why, one line per contribution (`tier 0 host touched: +4`).
    public var reasons: [String]

    /// Scores the risk of making the change from the tier touched, how many hosts and services, the
    /// environment and the severity addressed.
    ///
    /// Points: tier 0 +4, tier 1 +3, tier 2 +1, tier 3 or none 0; hosts > 100 +3, > 20 +2, > 5 +1;
    /// services ≥ 5 +3, ≥ 2 +2, 1 +1; production-like environment (`prod*`) +1; a critical or
    /// known-exploited fix +1 (urgent fixes get less soak time). Levels: 0–2 low, 3–5 medium,
    /// 6–8 high, ≥ 9 critical.
    public static func assess(_ impact: ChangeImpact) -> RiskAssessment {
        var score = 0
        var reasons: [String] = []
        switch impact.mostCriticalTier {
        case 0?:
            score += 4
            reasons.append("tier 0 (mission critical) hosts touched: +4")
        case 1?:
            score += 3
            reasons.append("tier 1 hosts touched: +3")
        case 2?:
            score += 1
            reasons.append("tier 2 hosts touched: +1")
        case let tier?:
            reasons.append("least critical tier touched is \(tier): +0")
        case nil:
            reasons.append("no host has a risk tier: +0")
        }
        let hostPoints: Int
        switch impact.hostCount {
        case 101...: hostPoints = 3
        case 21...100: hostPoints = 2
        case 6...20: hostPoints = 1
        default: hostPoints = 0
        }
        score += hostPoints
        reasons.append("\(impact.hostCount) host\(impact.hostCount == 1 ? "" : "s"): +\(hostPoints)")
        let servicePoints: Int
        switch impact.services.count {
        case 5...: servicePoints = 3
        case 2...4: servicePoints = 2
        case 1: servicePoints = 1
        default: servicePoints = 0
        }
        score += servicePoints
        if impact.services.isEmpty {
            reasons.append("no service touched: +0")
        } else {
            reasons.append(
                "\(impact.services.count) service\(impact.services.count == 1 ? "" : "s") touched (\(impact.services.sorted().joined(separator: ", "))): +\(servicePoints)"
            )
        }
        let production = impact.environments.map(\.environment).filter { $0.lowercased().hasPrefix("prod") }
        if !production.isEmpty {
            score += 1
            reasons.append("production environment \(production.sorted().joined(separator: ", ")): +1")
        }
        if impact.highestSeverity == "critical" || impact.addressesKnownExploited {
            score += 1
            reasons.append(
                "addresses \(impact.addressesKnownExploited ? "a known-exploited" : "a critical") vulnerability: +1 (urgent fixes get less soak time)"
            )
        } else {
            reasons.append("addresses severity \(impact.highestSeverity): +0")
        }
        let level: Level
        switch score {
        case ...2: level = .low
        case 3...5: level = .medium
        case 6...8: level = .high
        default: level = .critical
        }
        return RiskAssessment(level: level, score: score, reasons: reasons)
    }
}
