import SecurityAdvisories
import Yams

extension PolicyReader {
    static let severities: [(String, Severity)] = [
        ("critical", .critical), ("high", .high), ("medium", .medium), ("low", .low), ("unknown", .unknown),
    ]

    mutating func readSLA(_ node: PolicyNode) {
        do {
            let fields = try node.mapping(allowed: ["profiles"])
            if let profiles = fields["profiles"] {
                each(profiles) { reader, item throws(PatchPolicyError) in try reader.readProfile(item) }
            }
        } catch {
            errors.append(error)
        }
    }

    /// A profile starts from its framework's built-in values; every field given replaces them.
    mutating func readProfile(_ item: PolicyNode) throws(PatchPolicyError) {
        let fields = try item.mapping(allowed: [
            "name", "framework", "clockStart", "coverage", "deadlines", "tiers", "dueSoonDays", "useKEVDueDate",
        ])
        let name = try fields.required("name").string()
        let framework = try fields["framework"]?.word(SLAFramework.allCases.map { ($0.rawValue, $0) }) ?? .custom
        var profile = SLAProfile.builtIn(framework)
        profile.name = name
        if let node = fields["clockStart"] {
            profile.clockStart = try node.word(SLAClockStart.allCases.map { ($0.rawValue, $0) })
        }
        if let node = fields["coverage"] {
            profile.coverage = try node.word(SLACoverage.allCases.map { ($0.rawValue, $0) })
        }
        if let node = fields["deadlines"] {
            for (severity, days) in try readDeadlines(node) { profile.deadlines[severity] = days }
        }
        if let node = fields["tiers"] {
            for (tier, value) in try node.pairs() {
                reference(.tier, tier, value)
                profile.tierDeadlines[tier] = try readDeadlines(value)
            }
        }
        if let node = fields["dueSoonDays"] { profile.dueSoonDays = try node.int(minimum: 0) }
        if let node = fields["useKEVDueDate"] { profile.useKEVDueDate = try node.bool() }
        if profile.coverage == .allFindings && profile.deadlines.isEmpty && profile.tierDeadlines.isEmpty {
            throw item.error("a profile covering all findings needs 'deadlines'", field: "\(item.path).deadlines")
        }
        slaProfiles.append(located(profile, name: name, item))
    }

    /// `critical: 30` entries; a severity word as key, days (≥ 0) as value.
    func readDeadlines(_ node: PolicyNode) throws(PatchPolicyError) -> [Severity: Int] {
        var result: [Severity: Int] = [:]
        guard case .mapping(let mapping) = node.node else {
            throw node.error("expected a mapping of severity to days (critical: 30)")
        }
        for (keyNode, value) in mapping {
            let key = keyNode.string ?? ""
            guard let severity = Self.severities.first(where: { $0.0 == key })?.1 else {
                throw node.error(
                    "unknown severity '\(key)'; expected one of: \(Self.severities.map(\.0).joined(separator: ", "))",
                    at: keyNode.mark,
                    field: node.child(value, key: key).path
                )
            }
            result[severity] = try node.child(value, key: key).int(minimum: 0)
        }
        return result
    }
}
