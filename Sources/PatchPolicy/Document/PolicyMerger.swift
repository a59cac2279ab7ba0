/// Merges the entries of several files: duplicates across (or within) files are errors naming both
/// places; references must name declared (or built-in) entries; services must not form a cycle.
struct PolicyMerger {
    var document = PolicyDocument()
    var errors: [PatchPolicyError] = []
    private var seen: [PolicyEntryID: PolicyLocation] = [:]

    mutating func merge(_ readers: [PolicyReader]) {
        var tiers: [RiskTier] = []
        var environments: [DeploymentEnvironment] = []
        var services: [Located<FleetService>] = []
        var profiles: [SLAProfile] = []
        for reader in readers {
            tiers += accept(.tier, reader.tiers).map(\.value)
            environments += accept(.environment, reader.environments).map(\.value)
            document.groups += accept(.group, reader.groups).map(\.value)
            services += accept(.service, reader.services)
            profiles += accept(.slaProfile, reader.slaProfiles).map(\.value)
            document.baselines += accept(.baseline, reader.baselines).map(\.value)
            document.register.exceptions += accept(.exception, reader.exceptions).map(\.value)
            document.register.holds += accept(.hold, reader.holds).map(\.value)
        }
        let declaredTiers = Set(tiers.map(\.name))
        document.tiers = (RiskTier.builtIn.filter { !declaredTiers.contains($0.name) } + tiers).sorted()
        if !environments.isEmpty { document.environments = environments.sorted() }
        let declaredProfiles = Set(profiles.map(\.name))
        document.slaProfiles = SLAProfile.builtInProfiles.filter { !declaredProfiles.contains($0.name) } + profiles
        document.locations = seen
        checkReferences(readers.flatMap(\.references))
        checkServices(services)
    }

    /// Keeps the entries whose name is new for their kind; records an error for the others.
    private mutating func accept<Value>(_ kind: PolicyKind, _ entries: [Located<Value>]) -> [Located<Value>] {
        var kept: [Located<Value>] = []
        for entry in entries {
            let id = PolicyEntryID(kind: kind, name: entry.name)
            if let first = seen[id] {
                errors.append(
                    PatchPolicyError(
                        code: .invalidPolicy,
                        source: entry.location.file,
                        line: entry.location.line,
                        column: entry.location.column,
                        field: entry.path,
                        message: "duplicate \(kind.noun) '\(entry.name)': already defined at \(first)"
                    )
                )
                continue
            }
            seen[id] = entry.location
            kept.append(entry)
        }
        return kept
    }

    private mutating func checkReferences(_ references: [PolicyReference]) {
        let names: [PolicyKind: Set<String>] = [
            .tier: Set(document.tiers.map(\.name)),
            .environment: Set(document.environments.map(\.name)),
            .group: Set(document.groups.map(\.name)),
            .service: Set(seen.keys.filter { $0.kind == .service }.map(\.name)),
        ]
        for reference in references where !(names[reference.kind]?.contains(reference.name) ?? false) {
            let known = (names[reference.kind] ?? []).sorted()
            let expected = known.isEmpty ? "none is declared" : "expected one of: \(known.joined(separator: ", "))"
            errors.append(reference.node.error("unknown \(reference.kind.noun) '\(reference.name)'; \(expected)"))
        }
    }

    private mutating func checkServices(_ services: [Located<FleetService>]) {
        let known = Set(services.map(\.name))
        let valid = services.filter { $0.value.dependsOn.allSatisfy(known.contains) }
        guard valid.count == services.count else { return }  // Unknown names were reported above.
        do {
            document.services = try ServiceGraph(services.map(\.value))
        } catch {
            var error = error
            if let cycle = ServiceGraph.cycle(in: services.map(\.value)),
                let entry = services.first(where: { $0.name == cycle[0] })
            {
                error.source = entry.location.file
                error.line = entry.location.line
                error.column = entry.location.column
                error.field = "\(entry.path).dependsOn"
            }
            errors.append(error)
        }
    }
}
