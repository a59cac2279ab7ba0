import Foundation
import PatchPolicy
import Testing

@Suite struct CalendarExportTests {
    /// Line numbers differ after export; everything else must survive.
    static func withoutLines(_ calendar: MaintenanceCalendar) -> MaintenanceCalendar {
        var copy = calendar
        for index in copy.events.indices { copy.events[index].line = 0 }
        return copy
    }

    @Test func roundTripKeepsEveryProperty() throws {
        let original = try MaintenanceCalendar.parse(CalendarParserTests.sample)
        let exported = original.icalendarText
        let reparsed = try MaintenanceCalendar.parse(exported, source: "exported.ics")
        #expect(Self.withoutLines(reparsed) == Self.withoutLines(original))
        #expect(reparsed.icalendarText == exported)
    }

    /// Found by the ics fuzz target: a CATEGORIES value with a bare CR and NUL was read, but its
    /// export did not parse back to the same events. Control characters are now refused on input,
    /// naming the line and column.
    @Test func controlCharactersInValuesAreRefusedOnInput() throws {
        for bad in ["fr\r\u{0}eeze", "a\u{1}b", "x\u{7F}"] {
            let text =
                "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:20250101T000000\r\nDURATION:PT1H\r\n"
                + "CATEGORIES:\(bad)\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
            #expect(throws: PatchPolicyError.self) { _ = try MaintenanceCalendar.parse(text, source: "bad.ics") }
        }
        let tab =
            "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:20250101T000000\r\nDURATION:PT1H\r\n"
            + "SUMMARY:a\tb\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
        #expect(try MaintenanceCalendar.parse(tab, source: "tab.ics").events.first?.summary == "a\tb")
    }

    @Test func exportFoldsLongLinesAndUsesCRLF() throws {
        var event = CalendarEvent(
            start: CalendarDateTime(LocalDateTime(year: 2025, month: 1, day: 1, hour: 2), anchor: .floating),
            duration: CalendarDuration(seconds: 3600)
        )
        event.summary = String(repeating: "Wartungsfenster für Datenbankserver, ", count: 5)
        let calendar = MaintenanceCalendar(events: [event])
        let text = calendar.icalendarText
        for line in text.components(separatedBy: "\r\n") { #expect(line.utf8.count <= 75) }
        #expect(!text.replacingOccurrences(of: "\r\n", with: "").contains("\n"))
        let reparsed = try MaintenanceCalendar.parse(text)
        #expect(reparsed.events.first?.summary == event.summary)
    }

    @Test func roundTripOfUTCUntilOnZonedRule() throws {
        let text = """
            BEGIN:VCALENDAR
            BEGIN:VEVENT
            DTSTART;TZID=America/New_York:20250105T013000
            DTEND;TZID=America/New_York:20250105T033000
            RRULE:FREQ=WEEKLY;UNTIL=20251231T235959Z;BYDAY=SU;WKST=SU
            X-PATCHPILOT-KIND:freeze
            END:VEVENT
            END:VCALENDAR
            """
        let original = try MaintenanceCalendar.parse(text)
        let exported = original.icalendarText
        #expect(exported.contains("RRULE:FREQ=WEEKLY;UNTIL=20251231T235959Z;BYDAY=SU;WKST=SU"))
        #expect(exported.contains("X-PATCHPILOT-KIND:freeze"))
        #expect(Self.withoutLines(try MaintenanceCalendar.parse(exported)).events == Self.withoutLines(original).events)
    }

    @Test(arguments: [
        "FREQ=MONTHLY;BYDAY=2TU", "FREQ=YEARLY;INTERVAL=2;COUNT=10;BYMONTH=1,2,3",
        "FREQ=MONTHLY;BYMONTHDAY=-1,-3;BYHOUR=22;BYMINUTE=0,30", "FREQ=WEEKLY;BYDAY=MO,WE,FR;BYSETPOS=-1;WKST=SU",
        "FREQ=DAILY;UNTIL=20251231T000000", "FREQ=YEARLY;BYYEARDAY=1,-1",
    ])
    func ruleTextRoundTrips(_ text: String) throws {
        let rule = try RecurrenceRule.parse(text)
        #expect(rule.description == text)
        #expect(try RecurrenceRule.parse(rule.description) == rule)
    }
}
