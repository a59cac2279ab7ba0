import FleetModel
import PatchPolicy
import Testing

/// Groups, tiers, environments and services.
@Suite struct FleetEntriesTests {
    private func host(
        _ id: String,
        os: String = "debian",
        version: String = "12",
        labels: [String: String] = [:],
        tags: Set<String> = [],
        packages: Set<String> = []
    ) -> HostDescription {
        let facts = HostFacts(
            hostname: id,
            machineID: id,
            bootID: "b",
            os: OSRelease(id: os, versionID: version),
            architecture: "amd64",
            kernelRunning: "6.1.0"
        )
        return HostDescription(id: id, facts: facts, labels: labels, tags: tags, packages: packages)
    }

    @Test func groupsMatchByLabelsAndQueries() throws {
        let policy = try PolicyDocument.load(files: PolicyFixtures.directory("valid"))
        let db = host("db1", labels: ["role": "db", "pci": "true"])
        let web = host("web1", packages: ["nginx", "openssl"])
        let oldWeb = host("web2", version: "11", packages: ["nginx"])
        let laptop = host("lap1", os: "ubuntu", version: "24.04", tags: ["laptop"])
        #expect(policy.groups(of: db).map(\.name) == ["pci-databases"])
        #expect(policy.groups(of: web).map(\.name) == ["debian-web"])
        #expect(policy.groups(of: oldWeb).isEmpty)
        #expect(policy.groups(of: laptop).map(\.name) == ["laptops"])
        let webGroup = try #require(policy.groups.first { $0.name == "debian-web" })
        #expect(webGroup.members(of: [db, web, oldWeb, laptop]).map(\.id) == ["web1"])
        #expect(webGroup.tier == "payment-edge" && webGroup.environment == "prod")
        let checkout = try #require(policy.services.services["checkout"])
        let groups = Dictionary(uniqueKeysWithValues: policy.groups.map { ($0.name, $0) })
        #expect(checkout.contains(web, groups: groups))
        #expect(!checkout.contains(db, groups: groups))
    }

    @Test func placementGivesTierEnvironmentAndBaseline() throws {
        let policy = try PolicyDocument.load(files: PolicyFixtures.directory("valid"))
        let web = host("web1", packages: ["nginx"])
        let placement = policy.placement(of: web)
        #expect(placement.groups == ["debian-web"])
        #expect(placement.tier == RiskTier(name: "payment-edge", rank: 1))
        #expect(placement.environment?.name == "prod")
        #expect(policy.baseline(for: web)?.name == "debian-prod")
        let laptop = host("lap1", tags: ["laptop"])
        #expect(policy.placement(of: laptop).environment?.name == "dev")
        #expect(policy.baseline(for: laptop) == nil)
        #expect(policy.baseline(for: host("rh1", os: "rhel", version: "9.4"))?.name == "rhel-all")
    }

    @Test func queriesCombine() {
        let rocky = host("r1", os: "rocky", version: "9.4", tags: ["edge"])
        var facts = rocky.facts
        facts.os.idLike = ["rhel", "centos", "fedora"]
        let likeRHEL = HostDescription(id: "r1", facts: facts, tags: ["edge"])
        #expect(HostQuery.osID("rhel").matches(likeRHEL))
        #expect(HostQuery.osVersion("9").matches(likeRHEL))
        #expect(!HostQuery.osVersion("9.1").matches(likeRHEL))
        #expect(HostQuery.allOf([.osID("rocky"), .not(.tag("laptop"))]).matches(rocky))
        #expect(!HostQuery.anyOf([.tag("laptop"), .packageInstalled("nginx")]).matches(rocky))
        #expect(HostQuery.label(key: "role", value: "db").matches(host("d", labels: ["role": "db"])))
    }

    @Test func tiersAndEnvironmentsAreOrdered() {
        let custom = RiskTier(name: "payment-edge", rank: 1)
        #expect(
            ([RiskTier.developmentWorkstations, custom, .productionDatabases, .productionServices].sorted()).map(\.rank)
                == [0, 1, 1, 3]
        )
        #expect(RiskTier.builtIn.map(\.rank) == [0, 1, 2, 3])
        #expect(DeploymentEnvironment.defaults.sorted().map(\.name) == ["dev", "staging", "prod"])
    }

    @Test func serviceGraphsOrderDependenciesAndRejectCycles() throws {
        let graph = try ServiceGraph([
            FleetService(name: "web", hosts: ["w1"], dependsOn: ["api"]),
            FleetService(name: "api", hosts: ["a1"], dependsOn: ["db", "cache"]),
            FleetService(name: "db", hosts: ["d1"]),
            FleetService(name: "cache", hosts: ["c1"]),
        ])
        #expect(graph.dependencyOrder() == ["cache", "db", "api", "web"])
        #expect(graph.transitiveDependencies(of: "web") == ["api", "db", "cache"])
        #expect(throws: PatchPolicyError.self) {
            try ServiceGraph([FleetService(name: "a", dependsOn: ["b"]), FleetService(name: "b", dependsOn: ["a"])])
        }
        do {
            _ = try ServiceGraph([FleetService(name: "a", dependsOn: ["a"])])
        } catch {
            #expect(error.message == "dependency cycle: a → a")
            #expect(error.code == .invalidPolicy)
        }
        do {
            _ = try ServiceGraph([FleetService(name: "a", dependsOn: ["ghost"])])
        } catch {
            #expect(error.message == "service 'a' depends on unknown service 'ghost'")
        }
    }
}
