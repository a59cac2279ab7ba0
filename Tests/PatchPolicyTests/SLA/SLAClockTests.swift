import Foundation
import PatchPolicy
import SecurityAdvisories
import Testing

/// SLA clocks per framework with injected evaluation times.
@Suite struct SLAClockTests {
    private func date(_ text: String) -> Date { TestData.date(text) }

    @Test func pciCriticalIsDueThirtyDaysAfterPublication() {
        let clock = SLAClock(profile: .pciDSS4)
        let item = SLAItem(severity: .critical, published: date("2026-01-01"), firstDetected: date("2026-01-10"))
        let onTime = clock.evaluate(item, now: date("2026-01-20"))
        #expect(onTime.clockStarted == date("2026-01-01"))
        #expect(onTime.dueDate == date("2026-01-31"))
        #expect(onTime.state == .onTime)
        #expect(onTime.met == nil)
        #expect(clock.evaluate(item, now: date("2026-01-24")).state == .dueSoon)
        #expect(clock.evaluate(item, now: date("2026-01-31")).state == .dueSoon)
        #expect(clock.evaluate(item, now: date("2026-01-31T00:00:01Z")).state == .overdue)
    }

    @Test(arguments: [
        (Severity.critical, "2026-01-31"), (.high, "2026-01-31"), (.medium, "2026-04-01"), (.low, "2026-04-01"),
        (.unknown, "2026-04-01"),
    ])
    func pciDefaults(severity: Severity, due: String) {
        let item = SLAItem(severity: severity, published: date("2026-01-01"), firstDetected: date("2026-01-05"))
        #expect(SLAClock(profile: .pciDSS4).evaluate(item, now: date("2026-01-02")).dueDate == date(due))
    }

    @Test func publicationFallsBackToFirstDetection() {
        let item = SLAItem(severity: .critical, published: nil, firstDetected: date("2026-02-01"))
        #expect(SLAClock(profile: .pciDSS4).evaluate(item, now: date("2026-02-02")).dueDate == date("2026-03-03"))
    }

    @Test func fixedFindingsRecordWhetherTheSLAWasMet() {
        let clock = SLAClock(profile: .pciDSS4)
        var item = SLAItem(severity: .critical, published: date("2026-01-01"), firstDetected: date("2026-01-10"))
        item.fixedAt = date("2026-01-30")
        let met = clock.evaluate(item, now: date("2026-06-01"))
        #expect(met.met == true)
        #expect(met.state == .onTime)
        item.fixedAt = date("2026-02-02")
        let missed = clock.evaluate(item, now: date("2026-06-01"))
        #expect(missed.met == false)
        #expect(missed.state == .overdue)
    }

    @Test func bod2201UsesTheKEVDueDateFromTheCatalogue() throws {
        let entry = try #require(TestData.knownExploited().first { $0.cveID == "CVE-2023-4911" })
        #expect(entry.dueDate == date("2023-12-12"))
        let clock = SLAClock(profile: .cisaBOD2201)
        let kev = SLAItem(
            severity: .high,
            published: date("2023-10-03"),
            firstDetected: date("2023-11-25"),
            knownExploited: true,
            kevDueDate: entry.dueDate
        )
        #expect(clock.evaluate(kev, now: date("2023-11-26")).dueDate == date("2023-12-12"))
        #expect(clock.evaluate(kev, now: date("2023-11-26")).state == .onTime)
        #expect(clock.evaluate(kev, now: date("2023-12-06")).state == .dueSoon)
        #expect(clock.evaluate(kev, now: date("2023-12-13")).state == .overdue)
        let other = SLAItem(severity: .critical, published: date("2023-10-03"), firstDetected: date("2023-10-04"))
        #expect(clock.evaluate(other, now: date("2024-01-01")) == .notCovered)
    }

    @Test func kevDueDateCapsACustomProfile() {
        var profile = SLAProfile(name: "internal", deadlines: [.critical: 30, .high: 60])
        profile.useKEVDueDate = true
        let item = SLAItem(
            severity: .high,
            published: nil,
            firstDetected: date("2026-01-01"),
            knownExploited: true,
            kevDueDate: date("2026-01-22")
        )
        #expect(SLAClock(profile: profile).evaluate(item, now: date("2026-01-02")).dueDate == date("2026-01-22"))
        profile.useKEVDueDate = false
        #expect(SLAClock(profile: profile).evaluate(item, now: date("2026-01-02")).dueDate == date("2026-03-02"))
    }

    @Test(arguments: [
        (Severity.critical, "2026-01-16", "2026-01-25"), (.high, "2026-01-31", "2026-02-09"),
        (.medium, "2026-04-01", "2026-04-10"), (.low, "2026-06-30", "2026-07-09"),
    ])
    func nistAndHIPAADefaults(severity: Severity, nistDue: String, hipaaDue: String) {
        let item = SLAItem(severity: severity, published: date("2026-01-01"), firstDetected: date("2026-01-10"))
        #expect(SLAClock(profile: .nist80053SI2).evaluate(item, now: date("2026-01-11")).dueDate == date(nistDue))
        #expect(SLAClock(profile: .hipaa).evaluate(item, now: date("2026-01-11")).dueDate == date(hipaaDue))
    }

    @Test func tierOverridesAndDueSoonWindow() {
        var profile = SLAProfile.pciDSS4
        profile.tierDeadlines = ["production-databases": [.critical: 7]]
        profile.dueSoonDays = 2
        let clock = SLAClock(profile: profile)
        let database = SLAItem(
            severity: .critical,
            tier: "production-databases",
            published: date("2026-01-01"),
            firstDetected: date("2026-01-01")
        )
        #expect(clock.evaluate(database, now: date("2026-01-02")).dueDate == date("2026-01-08"))
        #expect(clock.evaluate(database, now: date("2026-01-05")).state == .onTime)
        #expect(clock.evaluate(database, now: date("2026-01-06")).state == .dueSoon)
        var laptop = database
        laptop.tier = "development-workstations"
        #expect(clock.evaluate(laptop, now: date("2026-01-02")).dueDate == date("2026-01-31"))
        let uncovered = SLAProfile(name: "critical-only", deadlines: [.critical: 10])
        laptop.severity = .low
        #expect(SLAClock(profile: uncovered).evaluate(laptop, now: date("2026-01-02")).state == .notCovered)
    }
}
