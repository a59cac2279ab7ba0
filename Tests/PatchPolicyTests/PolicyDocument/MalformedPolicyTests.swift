import PatchPolicy
import Testing

@Suite struct MalformedPolicyTests {
    static let cases: [(file: String, error: String)] = [
        (
            "unknown-section.yaml",
            "4:1: baseline: unknown field 'baseline'; expected one of: tiers, environments, groups, services, sla, "
                + "baselines, exceptions, holds"
        ),
        ("deadline-not-integer.yaml", "8:19: sla.profiles[1].deadlines.critical: expected an integer, found 'soon'"),
        (
            "unknown-severity.yaml",
            "6:9: sla.profiles[0].deadlines.critcal: unknown severity 'critcal'; expected one of: critical, high, "
                + "medium, low, unknown"
        ),
        ("negative-rank.yaml", "3:11: tiers[0].rank: expected an integer ≥ 0, found -1"),
        ("missing-name.yaml", "4:5: groups[1].name: missing required field 'name'"),
        (
            "unknown-framework.yaml",
            "4:18: sla.profiles[0].framework: expected one of: pci-dss-4.0, cisa-bod-22-01, nist-800-53-si-2, hipaa, "
                + "custom, found 'pci-dss-3.2'"
        ),
        (
            "impossible-date.yaml",
            "8:13: exceptions[0].starts: expected a date (YYYY-MM-DD) or date-time (YYYY-MM-DDTHH:MM:SSZ), found "
                + "'2026-02-30'"
        ),
        ("hold-ends-before-start.yaml", "6:11: holds[0].ends: expected a date after 'starts'"),
        (
            "unknown-tier.yaml",
            "4:11: groups[0].tier: unknown tier 'prodution'; expected one of: development-workstations, "
                + "production-databases, production-services, staging"
        ),
        ("service-cycle.yaml", "5:5: services[0].dependsOn: dependency cycle: api → db → cache → api"),
        (
            "rule-approve-and-reject.yaml",
            "7:17: baselines[0].rules[0].reject: give either 'approveAfterDays' or 'reject', not both"
        ),
        (
            "rule-misspelled-field.yaml",
            "5:9: baselines[0].rules[0].aproveAfterDays: unknown field 'aproveAfterDays'; expected one of: name, "
                + "classification, severity, kev, include, exclude, approveAfterDays, reject"
        ),
        (
            "unknown-classification.yaml",
            "6:36: baselines[0].rules[0].classification[1]: expected one of: security, bugfix, enhancement, found "
                + "'feature'"
        ),
        (
            "self-approved-exception.yaml",
            "7:15: exceptions[0].approver: the approver must differ from the owner ('alice')"
        ),
        (
            "syntax.yaml",
            "4:9: invalid YAML: did not find expected ',' or '}' (while parsing a flow mapping that starts at 3:13)"
        ),
    ]

    @Test(arguments: cases)
    func reportsTheExactPlace(file: String, error expected: String) throws {
        let input = try PolicyFixtures.file("invalid/\(file)")
        #expect(throws: PatchPolicyError.self) { try PolicyDocument.load(files: [input]) }
        do {
            _ = try PolicyDocument.load(files: [input])
        } catch {
            #expect(error.code == .invalidPolicy)
            #expect(error.description == "invalid/\(file):\(expected)")
        }
    }

    @Test func duplicateNamesAcrossFilesNameBothPlaces() throws {
        let files = try PolicyFixtures.directory("duplicate")
        do {
            _ = try PolicyDocument.load(files: files)
            Issue.record("duplicates loaded")
        } catch {
            #expect(
                error.description
                    == "duplicate/b.yaml:7:5: groups[1]: duplicate group 'web': already defined at duplicate/a.yaml:2:5"
            )
        }
    }

    @Test func emptySectionsAndWrongShapes() {
        let cases = [
            ("tiers:\n", "empty.yaml:1:7: tiers: expected a list, found nothing"),
            (
                "sla:\n  profiles:\n    - name: x\n      deadlines: [30]\n",
                "empty.yaml:4:18: sla.profiles[0].deadlines: expected a mapping of severity to days (critical: 30)"
            ),
            ("- tiers\n", "empty.yaml:1:1: expected a mapping, found a list"),
        ]
        for (text, expected) in cases {
            #expect(PolicyDocument.validate(files: [("empty.yaml", text)]).errors.map(\.description) == [expected])
        }
    }

    @Test func duplicateNamesWithinAFile() {
        let text = "environments:\n  - prod\n  - dev\n  - prod\n"
        #expect(throws: PatchPolicyError.self) { try PolicyDocument.load(files: [("env.yaml", text)]) }
        let errors = PolicyDocument.validate(files: [("env.yaml", text)]).errors
        #expect(
            errors.map(\.description) == [
                "env.yaml:4:5: environments[2]: duplicate environment 'prod': already defined at env.yaml:2:5"
            ]
        )
    }
}
