import Foundation
import PatchPolicy
import Testing

@Suite struct CalendarParserTests {
    static let sample = """
        BEGIN:VCALENDAR\r
        VERSION:2.0\r
        PRODID:-//Example Corp//Windows//EN\r
        BEGIN:VTIMEZONE\r
        TZID:Europe/Berlin\r
        BEGIN:STANDARD\r
        DTSTART:19701025T030000\r
        TZOFFSETFROM:+0200\r
        TZOFFSETTO:+0100\r
        END:STANDARD\r
        END:VTIMEZONE\r
        BEGIN:VEVENT\r
        UID:patch-tuesday@example.com\r
        SUMMARY:Patch Tuesday\\, web tier\\; canary first\r
        DTSTART;TZID="Europe/Berlin":20250311T220000\r
        DURATION:PT4H\r
        RRULE:FREQ=MONTHLY;BYDAY=2TU\r
        EXDATE;TZID=Europe/Berlin:20250610T220000,20250708T220000\r
        EXDATE;TZID=Europe/Berlin:20250812T220000\r
        RDATE;TZID=Europe/Berlin:20250320T220000\r
        CATEGORIES:PATCHING,WEB\r
        X-PATCHPILOT-CUTOFF:45\r
        X-PATCHPILOT-OFFSET-DAYS:2\r
        BEGIN:VALARM\r
        ACTION:DISPLAY\r
        TRIGGER:-PT15M\r
        END:VALARM\r
        END:VEVENT\r
        BEGIN:VEVENT\r
        UID:freeze@example.com\r
        SUMMARY:Year-end freeze\r
        CATEGORIES:Freeze\r
        DTSTART;VALUE=DATE:20251215\r
        DTEND;VALUE=DATE:20260105\r
        END:VEVENT\r
        END:VCALENDAR\r

        """

    @Test func readsEventsPropertiesAndParameters() throws {
        let calendar = try MaintenanceCalendar.parse(Self.sample)
        #expect(calendar.productID == "-//Example Corp//Windows//EN")
        #expect(calendar.events.count == 2)
        let window = calendar.events[0]
        #expect(window.uid == "patch-tuesday@example.com")
        #expect(window.summary == "Patch Tuesday, web tier; canary first")
        #expect(
            window.start
                == CalendarDateTime(
                    LocalDateTime(year: 2025, month: 3, day: 11, hour: 22),
                    anchor: .zone("Europe/Berlin")
                )
        )
        #expect(window.duration?.totalSeconds == 4 * 3600)
        #expect(window.recurrence?.byDay == [.init(weekday: 1, ordinal: 2)])
        #expect(window.exceptionDates.count == 3)
        #expect(window.recurrenceDates.map(\.time.day) == [20])
        #expect(window.categories == ["PATCHING", "WEB"])
        #expect(window.kind == .window)
        #expect(window.cutoffMinutes == 45)
        #expect(window.offsetDays == 2)
        #expect(window.line == 12)
        let freeze = calendar.events[1]
        #expect(freeze.kind == .freeze)
        #expect(freeze.start.anchor == .date)
        #expect(freeze.occurrenceLength(host: "UTC") == OccurrenceLength(nominalDays: 21))
    }

    @Test func unfoldsContinuationLinesWithSpacesAndTabs() throws {
        let text =
            "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nSUMMARY:Nightly main\r\n tenance win\r\n\tdow\r\nDTST\r\n ART:20250101T010000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
        let event = try #require(try MaintenanceCalendar.parse(text).events.first)
        #expect(event.summary == "Nightly maintenance window")
        #expect(event.start.anchor == .utc)
    }

    @Test func acceptsBareLineFeeds() throws {
        let text =
            "BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:20250101T010000\nDTEND:20250101T030000\nEND:VEVENT\nEND:VCALENDAR"
        let event = try #require(try MaintenanceCalendar.parse(text).events.first)
        #expect(event.start.anchor == .floating)
        #expect(event.occurrenceLength(host: "UTC") == OccurrenceLength(exactSeconds: 7200))
    }

    @Test func freezeKindFromXProperty() throws {
        let text = """
            BEGIN:VCALENDAR
            BEGIN:VEVENT
            DTSTART:20250101T000000Z
            DURATION:P1W
            X-PATCHPILOT-KIND:FREEZE
            END:VEVENT
            END:VCALENDAR
            """
        let event = try #require(try MaintenanceCalendar.parse(text).events.first)
        #expect(event.kind == .freeze)
        #expect(event.duration?.description == "P1W")
    }

    @Test func durations() {
        #expect(CalendarDuration.parse("PT2H30M")?.totalSeconds == 9000)
        #expect(CalendarDuration.parse("P1DT12H")?.totalSeconds == 129_600)
        #expect(CalendarDuration.parse("-PT15M")?.totalSeconds == -900)
        #expect(CalendarDuration.parse("P2W")?.totalSeconds == 14 * 86_400)
        for bad in ["", "P", "PT", "2H", "PT2", "P1H", "PT1D", "P1W2D", "PT1M1H", "P1DT", "PTH"] {
            #expect(CalendarDuration.parse(bad) == nil, "\(bad)")
        }
    }

    struct Malformed: Sendable, CustomStringConvertible {
        var name: String
        var body: String
        var line: Int
        var field: String?
        var code: PatchPolicyError.Code
        var description: String { name }
    }

    /// Each body sits in a VEVENT whose BEGIN is line 2; the first body line is line 3.
    static let malformed: [Malformed] = [
        Malformed(name: "no DTSTART", body: "SUMMARY:x", line: 2, field: "DTSTART", code: .invalidCalendar),
        Malformed(name: "bad date", body: "DTSTART:20250230T100000", line: 3, field: "DTSTART", code: .invalidCalendar),
        Malformed(name: "bad time", body: "DTSTART:20250101T250000", line: 3, field: "DTSTART", code: .invalidCalendar),
        Malformed(
            name: "unknown zone",
            body: "DTSTART;TZID=Mars/Olympus:20250101T100000",
            line: 3,
            field: "DTSTART.TZID",
            code: .invalidTimeZone
        ),
        Malformed(
            name: "UTC with TZID",
            body: "DTSTART;TZID=Europe/Berlin:20250101T100000Z",
            line: 3,
            field: "DTSTART",
            code: .invalidCalendar
        ),
        Malformed(
            name: "bad BYDAY",
            body: "DTSTART:20250101T100000\nRRULE:FREQ=MONTHLY;BYDAY=2XX",
            line: 4,
            field: "RRULE.BYDAY",
            code: .invalidRecurrence
        ),
        Malformed(
            name: "BYDAY ordinal 0",
            body: "DTSTART:20250101T100000\nRRULE:FREQ=MONTHLY;BYDAY=0MO",
            line: 4,
            field: "RRULE.BYDAY",
            code: .invalidRecurrence
        ),
        Malformed(
            name: "missing FREQ",
            body: "DTSTART:20250101T100000\nRRULE:COUNT=3",
            line: 4,
            field: "RRULE.FREQ",
            code: .invalidRecurrence
        ),
        Malformed(
            name: "BYMONTHDAY 32",
            body: "DTSTART:20250101T100000\nRRULE:FREQ=MONTHLY;BYMONTHDAY=32",
            line: 4,
            field: "RRULE.BYMONTHDAY",
            code: .invalidRecurrence
        ),
        Malformed(
            name: "INTERVAL 0",
            body: "DTSTART:20250101T100000\nRRULE:FREQ=DAILY;INTERVAL=0",
            line: 4,
            field: "RRULE.INTERVAL",
            code: .invalidRecurrence
        ),
        Malformed(
            name: "COUNT and UNTIL",
            body: "DTSTART:20250101T100000\nRRULE:FREQ=DAILY;COUNT=2;UNTIL=20250201T000000",
            line: 4,
            field: "RRULE.COUNT",
            code: .invalidRecurrence
        ),
        Malformed(
            name: "bad UNTIL",
            body: "DTSTART:20250101T100000\nRRULE:FREQ=DAILY;UNTIL=tomorrow",
            line: 4,
            field: "RRULE.UNTIL",
            code: .invalidRecurrence
        ),
        Malformed(
            name: "unknown rule part",
            body: "DTSTART:20250101T100000\nRRULE:FREQ=DAILY;BYFOO=1",
            line: 4,
            field: "RRULE.BYFOO",
            code: .invalidRecurrence
        ),
        Malformed(
            name: "HOURLY unsupported",
            body: "DTSTART:20250101T100000\nRRULE:FREQ=HOURLY",
            line: 4,
            field: "RRULE.FREQ",
            code: .invalidRecurrence
        ),
        Malformed(
            name: "bad duration",
            body: "DTSTART:20250101T100000\nDURATION:2 hours",
            line: 4,
            field: "DURATION",
            code: .invalidCalendar
        ),
        Malformed(
            name: "DTEND and DURATION",
            body: "DTSTART:20250101T100000\nDTEND:20250101T110000\nDURATION:PT1H",
            line: 2,
            field: "DTEND",
            code: .invalidCalendar
        ),
        Malformed(
            name: "DTEND before DTSTART",
            body: "DTSTART:20250101T100000\nDTEND:20250101T090000",
            line: 2,
            field: "DTEND",
            code: .invalidCalendar
        ),
        Malformed(
            name: "duplicate DTSTART",
            body: "DTSTART:20250101T100000\nDTSTART:20250102T100000",
            line: 4,
            field: "DTSTART",
            code: .invalidCalendar
        ),
        Malformed(
            name: "EXDATE list item",
            body: "DTSTART:20250101T100000\nEXDATE:20250102T100000,2025",
            line: 4,
            field: "EXDATE",
            code: .invalidCalendar
        ),
        Malformed(
            name: "bad cutoff",
            body: "DTSTART:20250101T100000\nX-PATCHPILOT-CUTOFF:-5",
            line: 4,
            field: "X-PATCHPILOT-CUTOFF",
            code: .invalidCalendar
        ),
        Malformed(
            name: "missing colon",
            body: "DTSTART;TZID=Europe/Berlin",
            line: 3,
            field: "DTSTART",
            code: .invalidCalendar
        ),
        Malformed(
            name: "unterminated quote",
            body: "DTSTART;TZID=\"Europe/Berlin:20250101T100000",
            line: 3,
            field: "DTSTART.TZID",
            code: .invalidCalendar
        ),
        Malformed(
            name: "DATE without VALUE=DATE",
            body: "DTSTART:20250101",
            line: 3,
            field: "DTSTART",
            code: .invalidCalendar
        ),
    ]

    @Test(arguments: malformed)
    func malformedInputNamesLineAndProperty(_ example: Malformed) {
        let text = "BEGIN:VCALENDAR\nBEGIN:VEVENT\n\(example.body)\nEND:VEVENT\nEND:VCALENDAR\n"
        do {
            _ = try MaintenanceCalendar.parse(text, source: "bad.ics")
            Issue.record("\(example.name): parsed without error")
        } catch {
            #expect(error.code == example.code)
            #expect(error.line == example.line)
            #expect(error.field == example.field)
            #expect(error.source == "bad.ics")
            #expect(!error.message.isEmpty)
        }
    }

    @Test(arguments: [
        ("", 1, nil as String?),
        ("SUMMARY:x\n", 1, "SUMMARY"),
        ("BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:20250101T100000Z\nEND:VCALENDAR\n", 4, "END"),
        ("BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:20250101T100000Z\nEND:VEVENT\n", 1, "BEGIN"),
        (" folded first\n", 1, nil),
        ("BEGIN:VCALENDAR\n:novalue\nEND:VCALENDAR\n", 2, nil),
        ("BEGIN:VEVENT\nEND:VEVENT\n", 1, "BEGIN"),
        ("BEGIN:VCALENDAR\nBEGIN:VTODO\nBEGIN:VEVENT\nEND:VEVENT\nEND:VTODO\nEND:VCALENDAR\n", 3, "BEGIN"),
    ])
    func structuralErrors(_ text: String, _ line: Int, _ field: String?) {
        #expect(throws: PatchPolicyError.self) { try MaintenanceCalendar.parse(text) }
        do {
            _ = try MaintenanceCalendar.parse(text)
        } catch {
            #expect(error.line == line)
            #expect(error.field == field)
            #expect(error.code == .invalidCalendar)
        }
    }

    @Test func errorDescriptionIsReadable() {
        let text =
            "BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:20250101T100000\nRRULE:FREQ=MONTHLY;BYDAY=9TUX\nEND:VEVENT\nEND:VCALENDAR"
        do {
            _ = try MaintenanceCalendar.parse(text, source: "windows.ics")
        } catch {
            #expect(error.description.hasPrefix("windows.ics:4: RRULE.BYDAY: "))
        }
    }

    @Test func rfc3339Timestamps() {
        #expect(RFC3339Timestamp.parse("2025-03-11T22:00:00-04:00")?.timeIntervalSince1970 == 1_741_744_800)
        #expect(RFC3339Timestamp.parse("2025-03-12T02:00:00Z")?.timeIntervalSince1970 == 1_741_744_800)
        #expect(RFC3339Timestamp.parse("2025-03-12T02:00:00.250Z")?.timeIntervalSince1970 == 1_741_744_800)
        for bad in ["2025-03-12", "2025-03-12T02:00:00", "2025-02-30T00:00:00Z", "2025-03-12T02:00:00+5"] {
            #expect(RFC3339Timestamp.parse(bad) == nil)
        }
    }
}
