import Foundation
import PatchPolicy
import SecurityAdvisories
import Testing

/// Exceptions pause SLA clocks for their scope.
@Suite struct SLAPauseTests {
    private func date(_ text: String) -> Date { TestData.date(text) }
    private func interval(_ start: String, _ end: String) -> DateInterval {
        DateInterval(start: date(start), end: date(end))
    }

    private let clock = SLAClock(profile: .pciDSS4)
    private let item = SLAItem(
        severity: .critical,
        published: TestData.date("2026-01-01"),
        firstDetected: TestData.date("2026-01-02")
    )

    @Test func pausedTimeIsAddedToTheDeadline() {
        let pauses = [interval("2026-01-10", "2026-01-20")]
        let during = clock.evaluate(item, pauses: pauses, now: date("2026-01-15"))
        #expect(during.state == .excepted)
        #expect(during.dueDate == date("2026-02-10"))
        #expect(during.pausedSeconds == 10 * 86_400)
        let after = clock.evaluate(item, pauses: pauses, now: date("2026-02-05"))
        #expect(after.state == .dueSoon)
        #expect(clock.evaluate(item, pauses: pauses, now: date("2026-02-11")).state == .overdue)
    }

    @Test func overlappingPausesCountOnce() {
        let pauses = [interval("2026-01-15", "2026-01-25"), interval("2026-01-10", "2026-01-20")]
        #expect(clock.evaluate(item, pauses: pauses, now: date("2026-01-05")).dueDate == date("2026-02-15"))
    }

    @Test func pausesOutsideTheRunningClockDoNotCount() {
        let before = [interval("2025-12-20", "2026-01-05")]
        #expect(clock.evaluate(item, pauses: before, now: date("2026-01-06")).dueDate == date("2026-02-04"))
        let afterDue = [interval("2026-02-05", "2026-02-10")]
        let late = clock.evaluate(item, pauses: afterDue, now: date("2026-02-07"))
        #expect(late.dueDate == date("2026-01-31"))
        #expect(late.state == .excepted)
        #expect(clock.evaluate(item, pauses: afterDue, now: date("2026-02-12")).state == .overdue)
    }

    @Test func aFixEndsThePause() {
        var fixed = item
        fixed.fixedAt = date("2026-01-12")
        let status = clock.evaluate(fixed, pauses: [interval("2026-01-10", "2026-01-20")], now: date("2026-03-01"))
        #expect(status.dueDate == date("2026-02-02"))
        #expect(status.met == true)
    }

    @Test func exceptionsPauseOnlyTheirScope() {
        let exception = PolicyException(
            id: "EXC-1",
            scope: PolicyScope(hosts: .group("pci-databases"), subject: .package("postgresql-15")),
            reason: "vendor certification pending",
            compensatingControl: "network isolation",
            owner: "alice",
            approver: "bob",
            starts: date("2026-01-10"),
            expires: date("2026-01-20")
        )
        let register = ExceptionRegister(exceptions: [exception])
        let covered = register.pauses(
            hostID: "db1",
            groups: ["pci-databases"],
            packages: ["postgresql-15", "postgresql-15"],
            advisories: ["DSA-1"]
        )
        #expect(covered == [exception.interval])
        #expect(clock.evaluate(item, pauses: covered, now: date("2026-01-25")).dueDate == date("2026-02-10"))
        let otherPackage = register.pauses(
            hostID: "db1",
            groups: ["pci-databases"],
            packages: ["openssl"],
            advisories: []
        )
        #expect(otherPackage.isEmpty)
        let otherHost = register.pauses(hostID: "web1", groups: ["web"], packages: ["postgresql-15"], advisories: [])
        #expect(otherHost.isEmpty)
    }

    @Test func policyExceptionsPauseFindingsOfTheirGroup() throws {
        let policy = try PolicyDocument.load(files: PolicyFixtures.directory("valid"))
        let profile = try #require(policy.slaProfile(named: "pci-dss-4.0"))
        let clock = SLAClock(profile: profile)
        let finding = SLAItem(
            severity: .critical,
            tier: "production-databases",
            published: date("2026-02-20"),
            firstDetected: date("2026-02-21")
        )
        let paused = clock.evaluate(
            finding,
            hostID: "db1",
            groups: ["pci-databases"],
            packages: ["postgresql-15"],
            advisories: ["DSA-1"],
            register: policy.register,
            now: date("2026-03-05")
        )
        // 14 days for critical on production databases; the exception from 03-01 covers the rest.
        #expect(paused.state == .excepted)
        #expect(paused.dueDate == date("2026-04-05"))
        let running = clock.evaluate(
            finding,
            hostID: "db1",
            groups: ["pci-databases"],
            packages: ["openssl"],
            advisories: ["DSA-2"],
            register: policy.register,
            now: date("2026-03-05")
        )
        #expect(running.state == .dueSoon)
        #expect(running.dueDate == date("2026-03-06"))
    }

    @Test func clockStartsAtFirstDetectionWhenConfigured() {
        var profile = SLAProfile.pciDSS4
        profile.clockStart = .firstDetection
        let status = SLAClock(profile: profile).evaluate(
            item,
            pauses: [interval("2026-01-01", "2026-01-03")],
            now: date("2026-01-05")
        )
        #expect(status.clockStarted == date("2026-01-02"))
        #expect(status.dueDate == date("2026-02-02"))
    }
}
