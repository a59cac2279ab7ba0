/// Services with their dependency edges, checked for unknown names and cycles.
public struct ServiceGraph: Sendable, Hashable {
    /// The services by name.
    public private(set) var services: [String: FleetService]

    /// Builds the graph.
    ///
    /// - Throws: ``PatchPolicyError`` (`invalidPolicy`) when a service depends on an unknown
    ///   service, or when dependencies form a cycle (the message lists it: `a → b → a`).
    public init(_ services: [FleetService], source: String = "services") throws(PatchPolicyError) {
        var byName: [String: FleetService] = [:]
        for service in services {
            if byName[service.name] != nil {
                throw PatchPolicyError(
                    code: .invalidPolicy,
                    source: source,
                    field: "services.\(service.name)",
                    message: "duplicate service '\(service.name)'"
                )
            }
            byName[service.name] = service
        }
        for service in services {
            for dependency in service.dependsOn where byName[dependency] == nil {
                throw PatchPolicyError(
                    code: .invalidPolicy,
                    source: source,
                    field: "services.\(service.name).dependsOn",
                    message: "service '\(service.name)' depends on unknown service '\(dependency)'"
                )
            }
        }
        self.services = byName
        if let cycle = Self.findCycle(byName) {
            throw PatchPolicyError(
                code: .invalidPolicy,
                source: source,
                field: "services.\(cycle[0]).dependsOn",
                message: "dependency cycle: \(cycle.joined(separator: " → "))"
            )
        }
    }

    /// The services in dependency order: every service comes after all it depends on
    /// (ties broken by name, so the order is stable).
    public func dependencyOrder() -> [String] {
        var order: [String] = []
        var done: Set<String> = []
        func visit(_ name: String) {
            if done.contains(name) { return }
            done.insert(name)
            for dependency in (services[name]?.dependsOn ?? []).sorted() { visit(dependency) }
            order.append(name)
        }
        for name in services.keys.sorted() { visit(name) }
        return order
    }

    /// Every service the named one depends on, directly or transitively.
    public func transitiveDependencies(of name: String) -> Set<String> {
        var seen: Set<String> = []
        var stack = services[name]?.dependsOn ?? []
        while let next = stack.popLast() {
            if seen.insert(next).inserted { stack.append(contentsOf: services[next]?.dependsOn ?? []) }
        }
        return seen
    }

    /// A dependency cycle among the services, as a path whose first and last names are equal.
    static func cycle(in services: [FleetService]) -> [String]? {
        findCycle(Dictionary(services.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first }))
    }

    /// A dependency cycle as a path whose first and last names are equal, or nil.
    private static func findCycle(_ services: [String: FleetService]) -> [String]? {
        enum Mark { case visiting, done }
        var marks: [String: Mark] = [:]
        var path: [String] = []
        func visit(_ name: String) -> [String]? {
            switch marks[name] {
            case .done: return nil
            case .visiting:
                let start = path.firstIndex(of: name) ?? 0
                return Array(path[start...]) + [name]
            case nil: break
            }
            marks[name] = .visiting
            path.append(name)
            for dependency in services[name]?.dependsOn ?? [] {
                if let cycle = visit(dependency) { return cycle }
            }
            path.removeLast()
            marks[name] = .done
            return nil
        }
        for name in services.keys.sorted() {
            if let cycle = visit(name) { return cycle }
        }
        return nil
    }
}
