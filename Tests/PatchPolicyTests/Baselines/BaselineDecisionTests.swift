import Foundation
import PatchPolicy
import SecurityAdvisories
import Testing

/// Baselines from the policy fixtures applied to real advisories (DSA list, Ubuntu OSV, Red Hat CSAF).
@Suite struct BaselineDecisionTests {
    let policy: PolicyDocument

    init() throws {
        policy = try PolicyDocument.load(files: PolicyFixtures.directory("valid"))
    }

    private func candidate(
        _ advisories: [Advisory],
        id: String,
        package: String,
        kev: Set<String> = []
    ) throws
        -> CandidateUpdate
    {
        let advisory = try #require(advisories.first { $0.id == id })
        let candidates = CandidateUpdate.candidates(from: advisory, knownExploited: kev)
        return try #require(candidates.first { $0.package == package })
    }

    @Test func debianSecurityUpdateWaitsFourteenDays() throws {
        let advisories = try TestData.debianSecurityAdvisories()
        let xorg = try candidate(advisories, id: "DSA-5380-1", package: "xorg-server")
        #expect(xorg.version == "2:1.20.11-1+deb11u6")
        #expect(xorg.release == EcosystemRelease(.debian, "11"))
        #expect(xorg.classification == .security)
        #expect(xorg.released == TestData.date("2023-03-29"))
        let baseline = try #require(policy.baseline(for: .debian, environment: "prod", tier: nil))
        let early = baseline.decide(xorg, now: TestData.date("2023-04-01"))
        #expect(
            early == BaselineDecision(outcome: .pending(until: TestData.date("2023-04-12")), rule: "security-others")
        )
        let later = baseline.decide(xorg, now: TestData.date("2023-05-01"))
        #expect(
            later == BaselineDecision(outcome: .approved(since: TestData.date("2023-04-12")), rule: "security-others")
        )
        #expect(later.isApproved)
    }

    @Test func excludedPackagesFallThroughToRejection() throws {
        let advisories = try TestData.debianSecurityAdvisories()
        let postgres = try candidate(advisories, id: "DSA-5136-1", package: "postgresql-13")
        let baseline = try #require(policy.baseline(for: .debian, environment: "prod", tier: nil))
        #expect(
            baseline.decide(postgres, now: TestData.date("2023-01-01"))
                == BaselineDecision(outcome: .rejected, rule: "no-matching-rule")
        )
    }

    @Test func everyDebianCandidateGetsADecision() throws {
        let advisories = try TestData.debianSecurityAdvisories()
        let baseline = try #require(policy.baseline(for: .debian, environment: "prod", tier: nil))
        let candidates = advisories.flatMap { CandidateUpdate.candidates(from: $0) }
        #expect(candidates.count > 1000)
        var byRule: [String: Int] = [:]
        for update in candidates {
            byRule[baseline.decide(update, now: TestData.date("2024-01-01")).rule, default: 0] += 1
        }
        #expect(Set(byRule.keys).isSubset(of: ["security-others", "no-matching-rule", "critical-fast", "kev-now"]))
        #expect(byRule["security-others", default: 0] > byRule["no-matching-rule", default: 0])
    }

    @Test func ubuntuKnownExploitedIsApprovedAtRelease() throws {
        let kev = Set(try TestData.knownExploited().map(\.cveID))
        let advisories = try TestData.ubuntu("UBUNTU-CVE-2023-4911.json")
        let glibc = try candidate(advisories, id: "UBUNTU-CVE-2023-4911", package: "glibc", kev: kev)
        #expect(glibc.knownExploited)
        #expect(glibc.severity == .high)
        let ubuntu = PatchBaseline(
            name: "ubuntu-default",
            distribution: .ubuntu,
            rules: [
                BaselineRule(name: "kev-now", knownExploited: true, action: .approveAfter(days: 0)),
                BaselineRule(name: "critical-3", severities: [.critical], action: .approveAfter(days: 3)),
                BaselineRule(name: "others-14", action: .approveAfter(days: 14)),
            ]
        )
        #expect(ubuntu.applies(to: .ubuntu, environment: "prod", tier: nil))
        #expect(!ubuntu.applies(to: .debian, environment: "prod", tier: nil))
        let decision = ubuntu.decide(glibc, now: TestData.date("2023-10-03T18:00:00Z"))
        #expect(
            decision
                == BaselineDecision(outcome: .approved(since: TestData.date("2023-10-03T17:00:00Z")), rule: "kev-now")
        )
        let notKEV = try candidate(advisories, id: "UBUNTU-CVE-2023-4911", package: "glibc")
        #expect(
            ubuntu.decide(notKEV, now: TestData.date("2023-10-04")).outcome
                == .pending(until: TestData.date("2023-10-17T17:00:00Z"))
        )
    }

    @Test func redHatErrataByClassification() throws {
        let baseline = try #require(policy.baseline(for: .redHat, environment: "dev", tier: "staging"))
        #expect(baseline.name == "rhel-all")
        let rhsa = try #require(TestData.csaf("rhsa-2022_0011.json").first)
        let security = try #require(CandidateUpdate.candidates(from: rhsa).first)
        #expect(security.classification == .security)
        #expect(security.severity == .high)
        #expect(
            baseline.decide(security, now: TestData.date("2022-01-05")).outcome
                == .pending(until: TestData.date("2022-01-11T08:38:00Z"))
        )
        #expect(baseline.decide(security, now: TestData.date("2022-01-12")).rule == "security")
        let rhba = try #require(TestData.csaf("rhba-2018_0489.json").first)
        // RHBA-2018:0489 fixes OpenShift 3.9 packages, which map to no RHEL release: no candidate of
        // its own, so its classification and date are applied to the RHEL package of the RHSA.
        #expect(CandidateUpdate.candidates(from: rhba).isEmpty)
        #expect(UpdateClassification(advisoryID: rhba.id) == .bugfix)
        var bugfix = security
        bugfix.advisory = rhba.id
        bugfix.classification = UpdateClassification(advisoryID: rhba.id)
        bugfix.released = try #require(rhba.published)
        #expect(
            baseline.decide(bugfix, now: TestData.date("2018-05-01"))
                == BaselineDecision(outcome: .approved(since: TestData.date("2018-04-27T13:49:00Z")), rule: "bugfixes")
        )
        var enhancement = bugfix
        enhancement.classification = .enhancement
        #expect(
            baseline.decide(enhancement, now: TestData.date("2019-01-01"))
                == BaselineDecision(outcome: .rejected, rule: "no-enhancements")
        )
        var tzdata = bugfix
        tzdata.package = "tzdata"
        #expect(baseline.decide(tzdata, now: TestData.date("2018-03-28T14:00:00Z")).rule == "approved-packages")
    }

    @Test func rejectedPackagesWinOverRules() {
        let baseline = PatchBaseline(
            name: "b",
            rejectedPackages: [GlobPattern("linux-image-*-rt*")],
            rules: [BaselineRule(name: "all", action: .approveAfter(days: 0))]
        )
        let update = CandidateUpdate(
            package: "linux-image-6.1.0-18-rt-amd64",
            version: "6.1.76-1",
            release: EcosystemRelease(.debian, "12"),
            advisory: "DSA-5630-1",
            classification: .security,
            severity: .critical,
            released: TestData.date("2024-02-15")
        )
        #expect(
            baseline.decide(update, now: TestData.date("2024-03-01"))
                == BaselineDecision(outcome: .rejected, rule: "rejected-packages")
        )
    }
}
