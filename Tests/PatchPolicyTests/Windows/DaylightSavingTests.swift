import Foundation
import PatchPolicy
import Testing

/// The DST rule of docs/windows.md: a start in a spring-forward gap moves forward by the gap; an
/// ambiguous start takes the first instant; the end adds a duration's days in wall-clock time
/// (resolved the same way) and its hours, minutes and seconds as exact time (RFC 5545 §3.3.6).
/// Expected instants were checked against python zoneinfo (fold=0).
@Suite struct DaylightSavingTests {
    struct Case: Sendable, CustomStringConvertible {
        var zone: String
        var wall: LocalDateTime
        var utc: String
        var affected: Bool
        var description: String { "\(zone) \(wall)" }
    }

    static func wall(_ y: Int, _ m: Int, _ d: Int, _ h: Int, _ min: Int) -> LocalDateTime {
        LocalDateTime(year: y, month: m, day: d, hour: h, minute: min)
    }

    static let cases: [Case] = [
        // Gaps: moved forward by the gap.
        Case(zone: "America/New_York", wall: wall(2025, 3, 9, 2, 30), utc: "2025-03-09T07:30:00", affected: true),
        Case(zone: "Europe/Berlin", wall: wall(2025, 3, 30, 2, 30), utc: "2025-03-30T01:30:00", affected: true),
        Case(zone: "Australia/Sydney", wall: wall(2025, 10, 5, 2, 30), utc: "2025-10-04T16:30:00", affected: true),
        Case(zone: "America/Santiago", wall: wall(2025, 9, 7, 0, 30), utc: "2025-09-07T04:30:00", affected: true),
        // Overlaps: the first (daylight-time) instant.
        Case(zone: "America/New_York", wall: wall(2025, 11, 2, 1, 30), utc: "2025-11-02T05:30:00", affected: true),
        Case(zone: "Europe/Berlin", wall: wall(2025, 10, 26, 2, 30), utc: "2025-10-26T00:30:00", affected: true),
        Case(zone: "Australia/Sydney", wall: wall(2025, 4, 6, 2, 30), utc: "2025-04-05T15:30:00", affected: true),
        Case(zone: "America/Santiago", wall: wall(2025, 4, 5, 23, 30), utc: "2025-04-06T02:30:00", affected: true),
        // Ordinary times next to the transitions.
        Case(zone: "America/New_York", wall: wall(2025, 3, 9, 1, 59), utc: "2025-03-09T06:59:00", affected: false),
        Case(zone: "America/New_York", wall: wall(2025, 3, 9, 3, 0), utc: "2025-03-09T07:00:00", affected: false),
        Case(zone: "America/Santiago", wall: wall(2025, 9, 6, 23, 30), utc: "2025-09-07T03:30:00", affected: false),
        Case(zone: "Asia/Kolkata", wall: wall(2025, 3, 9, 2, 30), utc: "2025-03-08T21:00:00", affected: false),
    ]

    @Test(arguments: cases)
    func resolution(_ example: Case) throws {
        let resolver = try WallClockResolver(identifier: example.zone)
        let second = resolver.resolveEpochSecond(example.wall)
        #expect(LocalDateTime(secondsSinceEpochAsUTC: second).description == example.utc)
        #expect(resolver.isAffectedByTransition(example.wall) == example.affected)
    }

    static func occurrence(_ ics: String, after: String) throws -> WindowOccurrence {
        let calendar = try MaintenanceCalendar.parse(ics)
        let schedule = MaintenanceSchedule(calendar: calendar, hostTimeZone: TimeZone(identifier: "UTC")!)
        let start = try #require(RFC3339Timestamp.parse(after))
        return try #require(try schedule.nextOccurrences(after: start, count: 1).first).occurrence
    }

    static func daily(_ zone: String, _ start: String, _ duration: String) -> String {
        """
        BEGIN:VCALENDAR
        BEGIN:VEVENT
        DTSTART;TZID=\(zone):\(start)
        DURATION:\(duration)
        RRULE:FREQ=DAILY
        END:VEVENT
        END:VCALENDAR
        """
    }

    @Test func springForwardStartMovesByTheGapAndHoursAreExact() throws {
        let ny = WallClockResolver(timeZone: TimeZone(identifier: "America/New_York")!)
        let occurrence = try Self.occurrence(
            Self.daily("America/New_York", "20250301T023000", "PT2H"),
            after: "2025-03-09T00:00:00Z"
        )
        #expect(ny.rfc3339(occurrence.start) == "2025-03-09T03:30:00-04:00")
        #expect(ny.rfc3339(occurrence.end) == "2025-03-09T05:30:00-04:00")
        #expect(occurrence.wallStart.description == "2025-03-09T02:30:00")
        #expect(occurrence.wallEnd.description == "2025-03-09T05:30:00")
        #expect(occurrence.end.timeIntervalSince(occurrence.start) == 2 * 3600)
    }

    @Test func fallBackStartTakesTheFirstInstantAndHoursAreExact() throws {
        let ny = WallClockResolver(timeZone: TimeZone(identifier: "America/New_York")!)
        let occurrence = try Self.occurrence(
            Self.daily("America/New_York", "20251101T013000", "PT2H"),
            after: "2025-11-02T00:00:00Z"
        )
        #expect(ny.rfc3339(occurrence.start) == "2025-11-02T01:30:00-04:00")
        #expect(ny.rfc3339(occurrence.end) == "2025-11-02T02:30:00-05:00")
        #expect(occurrence.end.timeIntervalSince(occurrence.start) == 2 * 3600)
    }

    @Test func windowAcrossTheGapLastsItsExactHours() throws {
        let berlin = WallClockResolver(timeZone: TimeZone(identifier: "Europe/Berlin")!)
        let occurrence = try Self.occurrence(
            Self.daily("Europe/Berlin", "20250329T003000", "PT2H"),
            after: "2025-03-29T23:00:00Z"
        )
        #expect(berlin.rfc3339(occurrence.start) == "2025-03-30T00:30:00+01:00")
        #expect(berlin.rfc3339(occurrence.end) == "2025-03-30T03:30:00+02:00")
    }

    @Test func santiagoMidnightTransition() throws {
        let santiago = WallClockResolver(timeZone: TimeZone(identifier: "America/Santiago")!)
        let occurrence = try Self.occurrence(
            Self.daily("America/Santiago", "20250901T000000", "PT3H"),
            after: "2025-09-07T00:00:00Z"
        )
        #expect(occurrence.wallStart.description == "2025-09-07T00:00:00")
        #expect(santiago.rfc3339(occurrence.start) == "2025-09-07T01:00:00-03:00")
        #expect(santiago.rfc3339(occurrence.end) == "2025-09-07T04:00:00-03:00")
    }

    /// `P1D` is a nominal day (23 hours across spring-forward), `PT24H` exactly 24 hours.
    @Test func daysAreNominalAndHoursExact() throws {
        let ny = WallClockResolver(timeZone: TimeZone(identifier: "America/New_York")!)
        let day = try Self.occurrence(
            Self.daily("America/New_York", "20250301T120000", "P1D"),
            after: "2025-03-08T12:00:00Z"
        )
        #expect(ny.rfc3339(day.start) == "2025-03-08T12:00:00-05:00")
        #expect(ny.rfc3339(day.end) == "2025-03-09T12:00:00-04:00")
        #expect(day.end.timeIntervalSince(day.start) == 23 * 3600)
        let hours = try Self.occurrence(
            Self.daily("America/New_York", "20250301T120000", "PT24H"),
            after: "2025-03-08T12:00:00Z"
        )
        #expect(ny.rfc3339(hours.end) == "2025-03-09T13:00:00-04:00")
        #expect(hours.end.timeIntervalSince(hours.start) == 24 * 3600)
        // A day, then exact hours: the hours count from the nominal day's end.
        let both = try Self.occurrence(
            Self.daily("America/New_York", "20251101T000000", "P1DT2H"),
            after: "2025-11-01T00:00:00Z"
        )
        #expect(ny.rfc3339(both.start) == "2025-11-01T00:00:00-04:00")
        #expect(ny.rfc3339(both.end) == "2025-11-02T01:00:00-05:00")
    }

    /// DTEND gives every occurrence the exact length of the first (RFC 5545 §3.8.5.3): a nightly
    /// 22:00–04:00 window lasts six hours, so on the night the clocks go forward it ends at 05:00.
    @Test func dtendGivesEveryOccurrenceTheSameExactLength() throws {
        let ny = WallClockResolver(timeZone: TimeZone(identifier: "America/New_York")!)
        let calendar = try MaintenanceCalendar.parse(
            """
            BEGIN:VCALENDAR
            BEGIN:VEVENT
            DTSTART;TZID=America/New_York:20250301T220000
            DTEND;TZID=America/New_York:20250302T040000
            RRULE:FREQ=DAILY
            END:VEVENT
            END:VCALENDAR
            """
        )
        let schedule = MaintenanceSchedule(calendar: calendar, hostTimeZone: TimeZone(identifier: "UTC")!)
        let slots = try schedule.nextOccurrences(
            after: try #require(RFC3339Timestamp.parse("2025-03-08T12:00:00Z")),
            count: 2
        )
        #expect(
            slots.map { ny.rfc3339($0.occurrence.end) } == ["2025-03-09T05:00:00-04:00", "2025-03-10T04:00:00-04:00"]
        )
        #expect(slots.allSatisfy { $0.occurrence.end.timeIntervalSince($0.occurrence.start) == 6 * 3600 })
    }

    @Test func sydneyWeeklyAcrossBothTransitions() throws {
        let sydney = WallClockResolver(timeZone: TimeZone(identifier: "Australia/Sydney")!)
        let calendar = try MaintenanceCalendar.parse(
            """
            BEGIN:VCALENDAR
            BEGIN:VEVENT
            DTSTART;TZID=Australia/Sydney:20250330T023000
            DURATION:PT1H
            RRULE:FREQ=WEEKLY;COUNT=3
            END:VEVENT
            END:VCALENDAR
            """
        )
        let schedule = MaintenanceSchedule(calendar: calendar, hostTimeZone: TimeZone(identifier: "UTC")!)
        let slots = try schedule.nextOccurrences(
            after: try #require(RFC3339Timestamp.parse("2025-01-01T00:00:00Z")),
            count: 5
        )
        #expect(
            slots.map { sydney.rfc3339($0.start) } == [
                "2025-03-30T02:30:00+11:00", "2025-04-06T02:30:00+11:00", "2025-04-13T02:30:00+10:00",
            ]
        )
    }

    @Test func rfc3339UsesTheZoneOffset() throws {
        let ny = try WallClockResolver(identifier: "America/New_York")
        #expect(ny.rfc3339(epochSecond: 1_741_744_800) == "2025-03-11T22:00:00-04:00")
        let kolkata = try WallClockResolver(identifier: "Asia/Kolkata")
        #expect(kolkata.rfc3339(epochSecond: 1_741_744_800) == "2025-03-12T07:30:00+05:30")
        let utc = try WallClockResolver(identifier: "UTC")
        #expect(utc.rfc3339(epochSecond: 1_741_744_800) == "2025-03-12T02:00:00+00:00")
    }
}
