import Foundation
import PatchPolicy
import Testing

@Suite struct MaintenanceScheduleTests {
    static let utc = TimeZone(identifier: "UTC")!
    static let newYork = WallClockResolver(timeZone: TimeZone(identifier: "America/New_York")!)

    static func date(_ text: String) throws -> Date { try #require(RFC3339Timestamp.parse(text)) }

    static func schedule(_ events: String, host: TimeZone = utc) throws -> MaintenanceSchedule {
        MaintenanceSchedule(
            calendar: try MaintenanceCalendar.parse("BEGIN:VCALENDAR\n\(events)\nEND:VCALENDAR\n"),
            hostTimeZone: host
        )
    }

    static let patchTuesday = """
        BEGIN:VEVENT
        SUMMARY:Patch Tuesday
        DTSTART;TZID=America/New_York:20250114T220000
        DURATION:PT4H
        RRULE:FREQ=MONTHLY;BYDAY=2TU
        X-PATCHPILOT-CUTOFF:60
        END:VEVENT
        """

    @Test func nextOccurrencesStartAtOrAfter() throws {
        let schedule = try Self.schedule(Self.patchTuesday)
        let slots = try schedule.nextOccurrences(after: try Self.date("2025-03-11T22:00:00-04:00"), count: 3)
        #expect(
            slots.map { Self.newYork.rfc3339($0.start) } == [
                "2025-03-11T22:00:00-04:00", "2025-04-08T22:00:00-04:00", "2025-05-13T22:00:00-04:00",
            ]
        )
        #expect(slots[0].windowName == "Patch Tuesday")
        #expect(slots[0].usableEnd == slots[0].end.addingTimeInterval(-3600))
        let later = try schedule.nextOccurrences(after: try Self.date("2025-03-11T22:00:01-04:00"), count: 1)
        #expect(later.map { Self.newYork.rfc3339($0.start) } == ["2025-04-08T22:00:00-04:00"])
    }

    @Test func theOpenOccurrenceComesFirstWhenAskedFor() throws {
        let schedule = try Self.schedule(Self.patchTuesday)
        let during = try Self.date("2025-03-12T01:00:00-04:00")
        let open = try schedule.nextOccurrences(after: during, count: 2, includeOpen: true)
        #expect(
            open.map { Self.newYork.rfc3339($0.start) } == ["2025-03-11T22:00:00-04:00", "2025-04-08T22:00:00-04:00"]
        )
        let notOpen = try schedule.nextOccurrences(after: during, count: 1)
        #expect(notOpen.map { Self.newYork.rfc3339($0.start) } == ["2025-04-08T22:00:00-04:00"])
        // At its end the occurrence is no longer open.
        let atEnd = try schedule.nextOccurrences(
            after: try Self.date("2025-03-12T02:00:00-04:00"),
            count: 1,
            includeOpen: true
        )
        #expect(atEnd.map { Self.newYork.rfc3339($0.start) } == ["2025-04-08T22:00:00-04:00"])
    }

    /// A window that recurs every hour but is too short for the change: the search gives up
    /// after `maxOccurrences` occurrences instead of walking ten years of hours; a cap that is
    /// large enough still finds a fit that exists.
    @Test func searchesAreBoundedByOccurrences() throws {
        var schedule = try Self.schedule(
            """
            BEGIN:VEVENT
            SUMMARY:Every hour
            DTSTART:20250101T000000Z
            DURATION:PT30M
            RRULE:FREQ=DAILY;BYHOUR=0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23
            END:VEVENT
            BEGIN:VEVENT
            SUMMARY:Yearly
            DTSTART:20250301T000000Z
            DURATION:PT4H
            RRULE:FREQ=YEARLY
            END:VEVENT
            """
        )
        let after = try Self.date("2025-01-01T00:00:00Z")
        schedule.maxOccurrences = 1000
        #expect(try schedule.nextFit(after: after, duration: 3600) == nil)
        #expect(try schedule.nextOccurrences(after: after, count: 5000).count == 1000)
        // 1,416 hourly occurrences come before the yearly window's first one.
        schedule.maxOccurrences = 100_000
        let fit = try #require(try schedule.nextFit(after: after, duration: 3600))
        #expect(fit.slot.windowName == "Yearly")
        #expect(fit.changeStart == (try Self.date("2025-03-01T00:00:00Z")))
    }

    @Test func patchTuesdayPlusOffsetDays() throws {
        let schedule = try Self.schedule(
            Self.patchTuesday.replacingOccurrences(of: "END:VEVENT", with: "X-PATCHPILOT-OFFSET-DAYS:2\nEND:VEVENT")
        )
        let slots = try schedule.nextOccurrences(after: try Self.date("2025-01-01T00:00:00Z"), count: 3)
        // Second Tuesdays 14 Jan, 11 Feb, 11 Mar 2025, plus two days.
        #expect(
            slots.map { Self.newYork.rfc3339($0.start) } == [
                "2025-01-16T22:00:00-05:00", "2025-02-13T22:00:00-05:00", "2025-03-13T22:00:00-04:00",
            ]
        )
    }

    @Test func freezesWinOverWindows() throws {
        let schedule = try Self.schedule(
            Self.patchTuesday + """

                BEGIN:VEVENT
                SUMMARY:Quarter close
                CATEGORIES:FREEZE
                DTSTART;TZID=America/New_York:20250401T000000
                DTEND;TZID=America/New_York:20250409T000000
                END:VEVENT
                BEGIN:VEVENT
                SUMMARY:Holidays
                X-PATCHPILOT-KIND:freeze
                DTSTART;VALUE=DATE:20250513
                END:VEVENT
                """
        )
        #expect(schedule.freezes.map(\.name) == ["Quarter close", "Holidays"])
        let slots = try schedule.nextOccurrences(after: try Self.date("2025-03-12T12:00:00Z"), count: 2)
        // April 8 22:00 to April 9 02:00 overlaps the quarter-close freeze. May 13 22:00 EDT is
        // May 14 02:00 UTC; the all-day freeze of May 13 is read in the host's zone (UTC) and ends
        // at May 14 00:00 UTC, so that window is usable.
        #expect(
            slots.map { Self.newYork.rfc3339($0.start) } == ["2025-05-13T22:00:00-04:00", "2025-06-10T22:00:00-04:00"]
        )
        let hostInNewYork = try Self.schedule(
            schedule.windows.isEmpty
                ? ""
                : Self.patchTuesday + """

                    BEGIN:VEVENT
                    X-PATCHPILOT-KIND:freeze
                    DTSTART;VALUE=DATE:20250513
                    END:VEVENT
                    """,
            host: TimeZone(identifier: "America/New_York")!
        )
        let nySlots = try hostInNewYork.nextOccurrences(after: try Self.date("2025-05-01T00:00:00Z"), count: 1)
        #expect(nySlots.map { Self.newYork.rfc3339($0.start) } == ["2025-06-10T22:00:00-04:00"])
    }

    @Test func longFreezeStartedBeforeTheSearch() throws {
        let schedule = try Self.schedule(
            """
            BEGIN:VEVENT
            DTSTART:20250101T020000Z
            DURATION:PT1H
            RRULE:FREQ=DAILY
            END:VEVENT
            BEGIN:VEVENT
            X-PATCHPILOT-KIND:freeze
            DTSTART:20241201T000000Z
            DTEND:20250120T000000Z
            END:VEVENT
            """
        )
        let slots = try schedule.nextOccurrences(after: try Self.date("2025-01-10T00:00:00Z"), count: 1)
        #expect(slots.first?.start == (try Self.date("2025-01-20T02:00:00Z")))
    }

    @Test func nextFitHonoursDurationAndCutoff() throws {
        let schedule = try Self.schedule(
            """
            BEGIN:VEVENT
            SUMMARY:Short
            DTSTART:20250101T010000Z
            DURATION:PT2H
            RRULE:FREQ=WEEKLY;BYDAY=MO,WE
            X-PATCHPILOT-CUTOFF:30
            END:VEVENT
            BEGIN:VEVENT
            SUMMARY:Long
            DTSTART:20250104T000000Z
            DURATION:PT6H
            RRULE:FREQ=WEEKLY;BYDAY=SA
            END:VEVENT
            """
        )
        let after = try Self.date("2025-01-05T12:00:00Z")
        // 90 minutes fit Monday's 2-hour window minus the 30-minute cutoff exactly.
        let fits = try #require(try schedule.nextFit(after: after, duration: 90 * 60))
        #expect(fits.slot.windowName == "Short")
        #expect(fits.changeStart == (try Self.date("2025-01-06T01:00:00Z")))
        #expect(fits.changeEnd == fits.slot.usableEnd)
        // 91 minutes no longer fit the short windows: Saturday's long window is next.
        let long = try #require(try schedule.nextFit(after: after, duration: 91 * 60))
        #expect(long.slot.windowName == "Long")
        #expect(long.changeStart == (try Self.date("2025-01-11T00:00:00Z")))
        // Nothing fits seven hours.
        #expect(try schedule.nextFit(after: after, duration: 7 * 3600) == nil)
    }

    @Test func nextFitUsesAnAlreadyOpenWindowFromAfter() throws {
        let schedule = try Self.schedule(
            """
            BEGIN:VEVENT
            DTSTART:20250101T000000Z
            DURATION:PT4H
            RRULE:FREQ=DAILY
            END:VEVENT
            """
        )
        let fit = try #require(try schedule.nextFit(after: try Self.date("2025-01-03T01:00:00Z"), duration: 3 * 3600))
        #expect(fit.changeStart == (try Self.date("2025-01-03T01:00:00Z")))
        let tooLate = try #require(
            try schedule.nextFit(after: try Self.date("2025-01-03T01:00:01Z"), duration: 3 * 3600)
        )
        #expect(tooLate.changeStart == (try Self.date("2025-01-04T00:00:00Z")))
    }

    @Test func floatingTimesUseTheHostZone() throws {
        let events = """
            BEGIN:VEVENT
            DTSTART:20250301T020000
            DURATION:PT2H
            RRULE:FREQ=DAILY
            END:VEVENT
            """
        let after = try Self.date("2025-03-09T00:00:00Z")
        let berlin = try Self.schedule(events, host: TimeZone(identifier: "Europe/Berlin")!)
        let newYork = try Self.schedule(events, host: TimeZone(identifier: "America/New_York")!)
        #expect(
            try berlin.nextOccurrences(after: after, count: 1).first?.start == (try Self.date("2025-03-09T01:00:00Z"))
        )
        // 02:00 on 9 March does not exist in New York: moved forward to 03:00 EDT.
        #expect(
            try newYork.nextOccurrences(after: after, count: 1).first?.start == (try Self.date("2025-03-09T07:00:00Z"))
        )
    }

    @Test func exdateAndRdate() throws {
        let schedule = try Self.schedule(
            """
            BEGIN:VEVENT
            DTSTART;TZID=Europe/Berlin:20250106T230000
            DURATION:PT1H
            RRULE:FREQ=WEEKLY;COUNT=4
            EXDATE;TZID=Europe/Berlin:20250113T230000,20250120T230000
            EXDATE:20250127T220000Z
            RDATE;TZID=Europe/Berlin:20250108T230000
            RDATE:20250201T120000Z
            END:VEVENT
            """
        )
        let slots = try schedule.nextOccurrences(after: try Self.date("2025-01-01T00:00:00Z"), count: 10)
        #expect(
            slots.map(\.start) == [
                try Self.date("2025-01-06T22:00:00Z"), try Self.date("2025-01-08T22:00:00Z"),
                try Self.date("2025-02-01T12:00:00Z"),
            ]
        )
    }

    @Test func mergesSeveralWindowsInStartOrder() throws {
        let schedule = try Self.schedule(
            """
            BEGIN:VEVENT
            SUMMARY:A
            DTSTART:20250101T030000Z
            RRULE:FREQ=DAILY;INTERVAL=2
            END:VEVENT
            BEGIN:VEVENT
            SUMMARY:B
            DTSTART:20250102T010000Z
            RRULE:FREQ=DAILY;INTERVAL=2
            END:VEVENT
            """
        )
        let slots = try schedule.nextOccurrences(after: try Self.date("2025-01-01T00:00:00Z"), count: 4)
        #expect(slots.map(\.windowName) == ["A", "B", "A", "B"])
    }

    @Test func ruleThatNeverMatchesEndsAtTheHorizon() throws {
        var schedule = try Self.schedule(
            """
            BEGIN:VEVENT
            DTSTART:20250101T030000Z
            RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30
            END:VEVENT
            """
        )
        schedule.horizonDays = 400
        #expect(try schedule.nextOccurrences(after: try Self.date("2025-01-01T00:00:00Z"), count: 1).isEmpty)
    }
}
