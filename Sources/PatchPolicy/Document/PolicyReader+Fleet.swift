import Yams

extension PolicyReader {
    mutating func readTier(_ item: PolicyNode) throws(PatchPolicyError) {
        let fields = try item.mapping(allowed: ["name", "rank"])
        let name = try fields.required("name").string()
        let rank = try fields.required("rank").int(minimum: 0)
        tiers.append(located(RiskTier(name: name, rank: rank), name: name, item))
    }

    mutating func readEnvironment(_ item: PolicyNode) throws(PatchPolicyError) {
        let index = environments.count
        if case .scalar = item.node {
            let name = try item.string()
            environments.append(located(DeploymentEnvironment(name: name, order: index), name: name, item))
            return
        }
        let fields = try item.mapping(allowed: ["name", "order", "errorBudget", "canary", "maxConcurrency"])
        let name = try fields.required("name").string()
        let order = try fields["order"]?.int(minimum: 0) ?? index
        var environment = DeploymentEnvironment(name: name, order: order)
        // An error budget of 0 tolerates no failure; a canary or a wave of no host makes no sense.
        environment.errorBudget = try fields["errorBudget"]?.budget(allowsZero: true)
        environment.canary = try fields["canary"]?.budget(allowsZero: false)
        environment.maxConcurrency = try fields["maxConcurrency"]?.budget(allowsZero: false)
        environments.append(located(environment, name: name, item))
    }

    mutating func readGroup(_ item: PolicyNode) throws(PatchPolicyError) {
        let fields = try item.mapping(allowed: ["name", "labels", "query", "tier", "environment"])
        let name = try fields.required("name").string()
        var labels: [String: String] = [:]
        if let node = fields["labels"] {
            for (key, value) in try node.pairs() { labels[key] = try value.string() }
        }
        let query = try fields["query"].map { node throws(PatchPolicyError) in try readQuery(node) } ?? .all
        if fields["labels"] == nil && fields["query"] == nil {
            throw item.error("a group needs 'labels' or 'query'", field: "\(item.path).labels")
        }
        var group = HostGroup(name: name, matchLabels: labels, query: query)
        if let node = fields["tier"] {
            group.tier = try node.string()
            reference(.tier, group.tier!, node)
        }
        if let node = fields["environment"] {
            group.environment = try node.string()
            reference(.environment, group.environment!, node)
        }
        groups.append(located(group, name: name, item))
    }

    /// A query mapping: every key given must hold (`os`, `version`, `package`, `tag`, `label`,
    /// `any`, `all`, `not`).
    func readQuery(_ node: PolicyNode) throws(PatchPolicyError) -> HostQuery {
        let fields = try node.mapping(allowed: ["os", "version", "package", "tag", "label", "any", "all", "not"])
        if fields.entries.isEmpty { throw node.error("expected at least one condition in the query") }
        var parts: [HostQuery] = []
        for (key, value) in fields.entries {
            switch key {
            case "os": parts.append(.osID(try value.string()))
            case "version": parts.append(.osVersion(try value.string()))
            case "package": parts.append(.packageInstalled(try value.string()))
            case "tag": parts.append(.tag(try value.string()))
            case "label":
                for (labelKey, labelValue) in try value.pairs() {
                    parts.append(.label(key: labelKey, value: try labelValue.string()))
                }
            case "any", "all":
                var subqueries: [HostQuery] = []
                for sub in try value.sequence() { subqueries.append(try readQuery(sub)) }
                parts.append(key == "any" ? .anyOf(subqueries) : .allOf(subqueries))
            case "not": parts.append(.not(try readQuery(value)))
            default: break
            }
        }
        return parts.count == 1 ? parts[0] : .allOf(parts)
    }

    mutating func readService(_ item: PolicyNode) throws(PatchPolicyError) {
        let fields = try item.mapping(allowed: ["name", "groups", "hosts", "dependsOn", "disruptionBudget"])
        let name = try fields.required("name").string()
        var service = FleetService(name: name)
        if let node = fields["groups"] {
            service.groups = try node.strings()
            for (index, group) in service.groups.enumerated() {
                reference(.group, group, Self.element(node, index))
            }
        }
        if let node = fields["hosts"] { service.hosts = try node.strings() }
        if let node = fields["dependsOn"] {
            service.dependsOn = try node.strings()
            for (index, dependency) in service.dependsOn.enumerated() {
                reference(.service, dependency, Self.element(node, index))
            }
        }
        // A budget of no host would never let the service be patched.
        service.disruptionBudget = try fields["disruptionBudget"]?.budget(allowsZero: false)
        if service.groups.isEmpty && service.hosts.isEmpty {
            throw item.error("a service needs 'groups' or 'hosts'", field: "\(item.path).groups")
        }
        services.append(located(service, name: name, item))
    }

    /// The node of a list element, or the node itself when a single string stands for the list.
    static func element(_ node: PolicyNode, _ index: Int) -> PolicyNode {
        if case .sequence(let sequence) = node.node, index < sequence.count {
            return node.child(sequence[index], index: index)
        }
        return node
    }
}
