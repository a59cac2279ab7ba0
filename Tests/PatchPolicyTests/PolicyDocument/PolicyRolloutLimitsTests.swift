import Foundation
import PatchPolicy
import Testing

/// Rollout limits in the policy: a service's disruption budget; an environment's error budget,
/// canary size and wave size — read, validated with their place, summarized and diffed.
@Suite struct PolicyRolloutLimitsTests {
    static let fleet = """
        environments:
          - name: dev
            canary: 2
            maxConcurrency: "50%"
          - name: prod
            errorBudget: 1
            maxConcurrency: 12.5%
          - staging
        groups:
          - name: db
            labels: {role: db}
        services:
          - name: payments-db
            groups: [db]
            disruptionBudget: 2
          - name: checkout
            hosts: [web-1, web-2]
            disruptionBudget: "25%"
          - name: cache
            hosts: [cache-1]
        """

    @Test func environmentsAndServicesCarryTheirLimits() throws {
        let policy = try PolicyDocument.load(files: [("fleet.yaml", Self.fleet)])
        let environments = Dictionary(uniqueKeysWithValues: policy.environments.map { ($0.name, $0) })
        #expect(environments["dev"]?.canary == .count(2))
        #expect(environments["dev"]?.maxConcurrency == .percent(50))
        #expect(environments["dev"]?.errorBudget == nil)
        #expect(environments["prod"]?.errorBudget == .count(1))
        #expect(environments["prod"]?.maxConcurrency == .percent(12.5))
        #expect(environments["staging"] == DeploymentEnvironment(name: "staging", order: 2))
        #expect(policy.services.services["payments-db"]?.disruptionBudget == .count(2))
        #expect(policy.services.services["checkout"]?.disruptionBudget == .percent(25))
        #expect(policy.services.services["cache"]?.disruptionBudget == nil)
        #expect(
            policy.rolloutLimits == [
                "environment dev: canary 2, maxConcurrency 50%",
                "environment prod: errorBudget 1, maxConcurrency 12.5%",
                "service checkout: disruptionBudget 25%",
                "service payments-db: disruptionBudget 2",
            ]
        )
        #expect(PolicyDocument().rolloutLimits.isEmpty)
    }

    @Test func zeroIsAnErrorBudgetButNotAWave() throws {
        let text = """
            environments:
              - name: prod
                errorBudget: 0
              - name: dev
                errorBudget: "0%"
            """
        let policy = try PolicyDocument.load(files: [("env.yaml", text)])
        #expect(policy.environments.map(\.errorBudget) == [.count(0), .percent(0)])
    }

    @Test func diffNamesTheLimitsThatChanged() throws {
        let old = try PolicyDocument.load(files: [("fleet.yaml", Self.fleet)])
        let changed =
            Self.fleet
            .replacingOccurrences(of: "errorBudget: 1", with: "errorBudget: 10%")
            .replacingOccurrences(of: "disruptionBudget: 2", with: "disruptionBudget: 1")
            .replacingOccurrences(of: "hosts: [cache-1]", with: "hosts: [cache-1]\n    disruptionBudget: 3")
        let new = try PolicyDocument.load(files: [("fleet.yaml", changed)])
        #expect(
            PolicyDiff(from: old, to: new).description == """
                ~ environment prod (errorBudget 1 → 10%)
                ~ service cache (disruptionBudget default → 3)
                ~ service payments-db (disruptionBudget 2 → 1)
                """
        )
    }

    /// Each bad value is refused with its file, line, column, field and the value itself.
    static let invalid: [(field: String, value: String, error: String)] = [
        (
            "errorBudget", "-1",
            "3:18: environments[0].errorBudget: expected a count of hosts (0…1000000) or a percentage such as "
                + "\"25%\", found a negative number '-1'"
        ),
        (
            "errorBudget", "\"150%\"",
            "3:18: environments[0].errorBudget: expected a percentage of at most 100%, found '150%'"
        ),
        (
            "errorBudget", "NaN%",
            "3:18: environments[0].errorBudget: expected a count of hosts (0…1000000) or a percentage such as "
                + "\"25%\", found 'NaN%'"
        ),
        (
            "errorBudget", ".nan",
            "3:18: environments[0].errorBudget: expected a count of hosts (0…1000000) or a percentage such as "
                + "\"25%\", found '.nan'"
        ),
        (
            "errorBudget", "1e400%",
            "3:18: environments[0].errorBudget: expected a count of hosts (0…1000000) or a percentage such as "
                + "\"25%\", found '1e400%'"
        ),
        (
            "errorBudget", "99999999999999999999999",
            "3:18: environments[0].errorBudget: expected at most 1000000 hosts (or a percentage), found "
                + "'99999999999999999999999'"
        ),
        (
            "errorBudget", "1000001",
            "3:18: environments[0].errorBudget: expected at most 1000000 hosts (or a percentage), found '1000001'"
        ),
        (
            "errorBudget", "1.5",
            "3:18: environments[0].errorBudget: expected a count of hosts (0…1000000) or a percentage such as "
                + "\"25%\", found '1.5'"
        ),
        (
            "canary", "0",
            "3:13: environments[0].canary: expected at least 1 host: a budget of 0 lets none through, found '0'"
        ),
        (
            "maxConcurrency", "0%",
            "3:21: environments[0].maxConcurrency: expected more than 0%: a budget of no host lets none through, "
                + "found '0%'"
        ),
        (
            "maxConcurrency", "[1, 2]",
            "3:21: environments[0].maxConcurrency: expected a count of hosts or a percentage such as \"25%\", "
                + "found a list"
        ),
    ]

    @Test(arguments: invalid)
    func badEnvironmentLimitsNameTheirPlace(field: String, value: String, error expected: String) {
        let text = "environments:\n  - name: prod\n    \(field): \(value)\n"
        let errors = PolicyDocument.validate(files: [("env.yaml", text)]).errors
        #expect(errors.map(\.description) == ["env.yaml:\(expected)"])
    }

    @Test func badDisruptionBudgetNamesItsPlace() {
        let cases = [
            (
                "0",
                "services.yaml:4:23: services[0].disruptionBudget: expected at least 1 host: a budget of 0 lets none "
                    + "through, found '0'"
            ),
            (
                "\"-5%\"",
                "services.yaml:4:23: services[0].disruptionBudget: expected a count of hosts (1…1000000) or a "
                    + "percentage such as \"25%\", found '-5%'"
            ),
            (
                "{hosts: 2}",
                "services.yaml:4:23: services[0].disruptionBudget: expected a count of hosts or a percentage such as \"25%\", found a mapping"
            ),
        ]
        for (value, expected) in cases {
            let text = "services:\n  - name: web\n    hosts: [w1]\n    disruptionBudget: \(value)\n"
            #expect(PolicyDocument.validate(files: [("services.yaml", text)]).errors.map(\.description) == [expected])
        }
    }

    @Test func budgetsRoundTripAsJSON() throws {
        let environment = DeploymentEnvironment(
            name: "prod",
            order: 2,
            errorBudget: .percent(12.5),
            canary: .count(3),
            maxConcurrency: .percent(20)
        )
        let data = try JSONEncoder().encode(environment)
        #expect(String(decoding: data, as: UTF8.self).contains(#""errorBudget":"12.5%""#))
        #expect(try JSONDecoder().decode(DeploymentEnvironment.self, from: data) == environment)
        // Stored before the limits existed.
        let old = try JSONDecoder().decode(DeploymentEnvironment.self, from: Data(#"{"name":"dev","order":0}"#.utf8))
        #expect(old == DeploymentEnvironment(name: "dev", order: 0))
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(HostBudget.self, from: Data(#""101%""#.utf8))
        }
    }
}
