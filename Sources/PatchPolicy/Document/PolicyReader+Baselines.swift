import SecurityAdvisories
import Yams

extension PolicyReader {
    static let distributions: [(String, EcosystemRelease.Distribution)] = [
        ("debian", .debian), ("ubuntu", .ubuntu), ("rhel", .redHat), ("rocky", .rocky), ("almalinux", .alma),
        ("alpine", .alpine),
    ]

    mutating func readBaseline(_ item: PolicyNode) throws(PatchPolicyError) {
        let fields = try item.mapping(allowed: [
            "name", "os", "environments", "tiers", "approvedPackages", "rejectedPackages", "rules",
        ])
        let name = try fields.required("name").string()
        var baseline = PatchBaseline(name: name, rules: [])
        if let node = fields["os"] { baseline.distribution = try node.word(Self.distributions) }
        if let node = fields["environments"] {
            baseline.environments = try node.strings()
            for (index, environment) in baseline.environments.enumerated() {
                reference(.environment, environment, Self.element(node, index))
            }
        }
        if let node = fields["tiers"] {
            baseline.tiers = try node.strings()
            for (index, tier) in baseline.tiers.enumerated() { reference(.tier, tier, Self.element(node, index)) }
        }
        if let node = fields["approvedPackages"] {
            baseline.approvedPackages = try node.strings().map(GlobPattern.init)
        }
        if let node = fields["rejectedPackages"] {
            baseline.rejectedPackages = try node.strings().map(GlobPattern.init)
        }
        let rules = try fields.required("rules").sequence()
        for rule in rules { baseline.rules.append(try readRule(rule)) }
        baselines.append(located(baseline, name: name, item))
    }

    func readRule(_ item: PolicyNode) throws(PatchPolicyError) -> BaselineRule {
        let fields = try item.mapping(allowed: [
            "name", "classification", "severity", "kev", "include", "exclude", "approveAfterDays", "reject",
        ])
        let name = try fields.required("name").string()
        var rule = BaselineRule(name: name, action: .reject)
        if let node = fields["classification"] {
            let choices = UpdateClassification.allCases.map { ($0.rawValue, $0) }
            rule.classifications = try Set(Self.words(node, choices))
        }
        if let node = fields["severity"] { rule.severities = try Set(Self.words(node, Self.severities)) }
        if let node = fields["kev"] { rule.knownExploited = try node.bool() }
        if let node = fields["include"] { rule.include = try node.strings().map(GlobPattern.init) }
        if let node = fields["exclude"] { rule.exclude = try node.strings().map(GlobPattern.init) }
        switch (fields["approveAfterDays"], fields["reject"]) {
        case (let days?, nil):
            rule.action = .approveAfter(days: try days.int(minimum: 0))
        case (nil, let reject?):
            guard try reject.bool() else { throw reject.error("expected 'reject: true' (or use approveAfterDays)") }
            rule.action = .reject
        case (_?, let reject?):
            throw reject.error("give either 'approveAfterDays' or 'reject', not both")
        case (nil, nil):
            throw item.error(
                "missing required field 'approveAfterDays' (or 'reject: true')",
                field: "\(item.path).approveAfterDays"
            )
        }
        return rule
    }

    /// One word or a list of words from `choices`, each checked at its own position.
    static func words<T>(_ node: PolicyNode, _ choices: [(String, T)]) throws(PatchPolicyError) -> [T] {
        if case .scalar = node.node { return [try node.word(choices)] }
        var result: [T] = []
        for item in try node.sequence() { result.append(try item.word(choices)) }
        return result
    }
}
