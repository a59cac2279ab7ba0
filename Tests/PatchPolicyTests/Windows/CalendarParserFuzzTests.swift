import Foundation
import PatchPolicy
import Testing

/// Seeded random mutations of valid calendars: parsing must return a calendar or throw a
/// `PatchPolicyError`, never crash or hang; a tenth of the accepted ones are also expanded.
@Suite struct CalendarParserFuzzTests {
    /// SplitMix64: a small seeded generator, so a failure is reproducible from the seed.
    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let seeds = [
        CalendarParserTests.sample,
        """
        BEGIN:VCALENDAR
        BEGIN:VEVENT
        DTSTART;TZID=America/New_York:20250114T220000
        DTEND;TZID=America/New_York:20250115T020000
        RRULE:FREQ=MONTHLY;BYDAY=2TU,-1SU;BYSETPOS=1,-1;UNTIL=20261231T235959Z;WKST=SU
        EXDATE;VALUE=DATE:20250311
        X-PATCHPILOT-OFFSET-DAYS:-3
        END:VEVENT
        END:VCALENDAR
        """,
        """
        BEGIN:VCALENDAR
        BEGIN:VEVENT
        DTSTART:20250101T000000
        DURATION:P1DT2H30M
        RRULE:FREQ=YEARLY;BYMONTH=2,3;BYMONTHDAY=-1,29,30;BYHOUR=1,2;BYMINUTE=30;BYYEARDAY=60,-306;COUNT=5
        CATEGORIES:freeze,"quoted"
        END:VEVENT
        END:VCALENDAR
        """,
    ]

    static let fragments = [
        ":", ";", ",", "=", "\"", "\\", " ", "\r\n", "\n", "\n ", "-", "+", "0", "9", "99", "T", "Z", "P", "W",
        "BEGIN:VEVENT\n", "END:VEVENT\n", "END:VCALENDAR\n", "TZID=", "VALUE=DATE", "FREQ=", "BYDAY=", "53MO",
        "-0", "BYSETPOS=", "COUNT=", "UNTIL=", "INTERVAL=", "é", "\u{0}", "RRULE:FREQ=WEEKLY;BYDAY=", "DTSTART:",
    ]

    static func mutate(_ text: String, using random: inout SplitMix) -> String {
        var chars = Array(text)
        for _ in 0..<Int.random(in: 1...4, using: &random) {
            let position = chars.isEmpty ? 0 : Int.random(in: 0..<chars.count, using: &random)
            switch Int.random(in: 0..<6, using: &random) {
            case 0 where !chars.isEmpty:
                chars.remove(at: position)
            case 1:
                chars.insert(contentsOf: fragments.randomElement(using: &random)!, at: position)
            case 2 where !chars.isEmpty:
                if chars[position].isNumber {
                    chars[position] = Character(String(Int.random(in: 0...9, using: &random)))
                }
            case 3:
                chars = Array(chars.prefix(position))
            case 4 where !chars.isEmpty:
                let end = min(chars.count, position + Int.random(in: 1...40, using: &random))
                chars.insert(contentsOf: chars[position..<end], at: Int.random(in: 0...chars.count, using: &random))
            default:
                if !chars.isEmpty { chars[position] = fragments.randomElement(using: &random)!.first ?? Character("x") }
            }
        }
        return String(chars)
    }

    @Test func mutatedCalendarsNeverCrash() throws {
        var random = SplitMix(state: 20_250_311)
        let clock = ContinuousClock()
        let started = clock.now
        var accepted = 0
        var rejected = 0
        let after = Date(timeIntervalSince1970: 1_735_689_600)
        for iteration in 0..<20_000 {
            let text = Self.mutate(Self.seeds[iteration % Self.seeds.count], using: &random)
            do {
                let calendar = try MaintenanceCalendar.parse(text, source: "fuzz.ics")
                accepted += 1
                if iteration % 10 == 0 {
                    var schedule = MaintenanceSchedule(calendar: calendar, hostTimeZone: TimeZone(identifier: "UTC")!)
                    schedule.horizonDays = 200
                    _ = try? schedule.nextOccurrences(after: after, count: 3)
                    _ = try? schedule.nextFit(after: after, duration: 3600)
                    _ = try? MaintenanceCalendar.parse(calendar.icalendarText)
                }
            } catch {
                rejected += 1
                #expect(error.line.map { $0 >= 1 } ?? true)
            }
        }
        #expect(accepted + rejected == 20_000)
        #expect(accepted > 500 && rejected > 500)
        #expect(clock.now - started < .seconds(120))
    }
}
