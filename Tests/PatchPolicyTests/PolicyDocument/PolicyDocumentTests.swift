import Foundation
import PatchPolicy
import SecurityAdvisories
import Testing

@Suite struct PolicyDocumentTests {
    @Test func loadsAPolicyDirectory() throws {
        let policy = try PolicyDocument.load(files: PolicyFixtures.directory("valid"))
        #expect(
            policy.tiers.map(\.name) == [
                "production-databases", "payment-edge", "production-services", "staging", "development-workstations",
            ]
        )
        #expect(policy.environments.map(\.name) == ["dev", "staging", "prod"])
        #expect(policy.groups.map(\.name) == ["pci-databases", "debian-web", "laptops"])
        #expect(policy.services.dependencyOrder() == ["payments-db", "checkout"])
        let pci = try #require(policy.slaProfile(named: "pci-dss-4.0"))
        #expect(pci.dueSoonDays == 10)
        #expect(pci.deadlineDays(severity: .critical, tier: "production-databases") == 14)
        #expect(pci.deadlineDays(severity: .critical, tier: "staging") == 30)
        #expect(pci.clockStart == .publication)
        let own = try #require(policy.slaProfile(named: "internal"))
        #expect(own.deadlines[.high] == 21 && own.useKEVDueDate)
        #expect(policy.slaProfile(named: "hipaa") == SLAProfile.hipaa)
        #expect(policy.baselines.map(\.name) == ["debian-prod", "rhel-all"])
        #expect(policy.baseline(for: .debian, environment: "prod", tier: nil)?.name == "debian-prod")
        #expect(policy.baseline(for: .debian, environment: "dev", tier: nil) == nil)
        #expect(policy.register.exceptions.map(\.id) == ["EXC-2026-001"])
        #expect(policy.register.holds.map(\.name) == ["q1-audit"])
        let location = try #require(policy.locations[PolicyEntryID(kind: .baseline, name: "rhel-all")])
        #expect(location.description == "valid/baselines.yaml:18:5")
    }

    @Test func theUserDocumentationExampleIsValid() throws {
        let docs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("docs/policy.md")
        let text = try String(contentsOf: docs, encoding: .utf8)
        let section = try #require(text.range(of: "## A complete example"))
        let start = try #require(text.range(of: "```yaml\n", range: section.upperBound..<text.endIndex))
        let end = try #require(text.range(of: "```", range: start.upperBound..<text.endIndex))
        let policy = try PolicyDocument.load(files: [("policy.md", String(text[start.upperBound..<end.lowerBound]))])
        #expect(
            policy.baselines.first?.rules.map(\.name) == [
                "kev-now", "critical-fast", "security-others", "no-enhancements",
            ]
        )
        #expect(
            policy.rolloutLimits == [
                "environment prod: errorBudget 1, canary 2, maxConcurrency 10%",
                "service payments-db: disruptionBudget 1",
            ]
        )
    }

    @Test func emptyFilesGiveTheBuiltIns() throws {
        let policy = try PolicyDocument.load(files: [("empty.yaml", ""), ("comment.yaml", "# nothing yet\n")])
        #expect(policy.tiers == RiskTier.builtIn)
        #expect(policy.slaProfiles == SLAProfile.builtInProfiles)
        #expect(policy.environments == DeploymentEnvironment.defaults)
    }

    @Test func diffNamesAddedRemovedAndChangedEntries() throws {
        let old = try PolicyDocument.load(files: PolicyFixtures.directory("valid"))
        let new = try PolicyDocument.load(files: PolicyFixtures.directory("changed"))
        let diff = PolicyDiff(from: old, to: new)
        #expect(
            diff.description == """
                + sla-profile hipaa-clinic
                - sla-profile internal
                ~ sla-profile pci-dss-4.0
                - exception EXC-2026-001
                """
        )
        #expect(diff.entries(.added).map(\.id.name) == ["hipaa-clinic"])
        #expect(
            diff.entries(.removed).map(\.id) == [
                PolicyEntryID(kind: .slaProfile, name: "internal"),
                PolicyEntryID(kind: .exception, name: "EXC-2026-001"),
            ]
        )
        #expect(PolicyDiff(from: old, to: old).isEmpty)
    }

    @Test func aBadFileChangesNothing() throws {
        var current = try PolicyDocument.load(files: PolicyFixtures.directory("valid"))
        let before = current.baselines
        var files = try PolicyFixtures.directory("valid")
        files.insert(try PolicyFixtures.file("invalid/negative-rank.yaml"), at: 1)
        files[files.count - 1].text += "\n"
        do {
            current = try PolicyDocument.load(files: files)
            Issue.record("a policy with a bad file loaded")
        } catch {
            #expect(
                error.description == "invalid/negative-rank.yaml:3:11: tiers[0].rank: expected an integer ≥ 0, found -1"
            )
        }
        #expect(current.baselines == before)
        let result = PolicyDocument.validate(files: files)
        #expect(result.document == nil)
        #expect(result.errors.count == 1)
    }

    @Test func validateReportsEveryError() throws {
        let files = [
            try PolicyFixtures.file("invalid/hold-ends-before-start.yaml"),
            try PolicyFixtures.file("invalid/unknown-tier.yaml"),
            try PolicyFixtures.file("invalid/missing-name.yaml"),
        ]
        let result = PolicyDocument.validate(files: files)
        #expect(
            result.errors.map(\.description) == [
                "invalid/hold-ends-before-start.yaml:6:11: holds[0].ends: expected a date after 'starts'",
                "invalid/missing-name.yaml:4:5: groups[1].name: missing required field 'name'",
                "invalid/hold-ends-before-start.yaml:3:20: holds[0].scope.group: unknown group 'everything'; expected one of: ok, web",
                "invalid/unknown-tier.yaml:4:11: groups[0].tier: unknown tier 'prodution'; expected one of: "
                    + "development-workstations, production-databases, production-services, staging",
            ]
        )
    }
}
