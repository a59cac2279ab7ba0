import Foundation
import PatchPolicy
import Testing

/// The examples of RFC 5545 section 3.8.5.3 (DTSTART in America/New_York), with the dates the RFC
/// lists. Where the RFC's DTSTART does not match the rule, dateutil (our oracle) leaves it out; the
/// RFC's lists agree for every example here.
@Suite struct RecurrenceRFCExamplesTests {
    struct Example: Sendable, CustomStringConvertible {
        var name: String
        var start: String
        var rule: String
        var limit: Int
        var expected: [String]
        var description: String { name }
    }

    static func days(_ prefix: String, _ days: [Int]) -> [String] {
        days.map { prefix + ($0 < 10 ? "0\($0)" : "\($0)") }
    }

    static let examples: [Example] = [
        Example(
            name: "daily for 10 occurrences",
            start: "19970902T090000",
            rule: "FREQ=DAILY;COUNT=10",
            limit: 100,
            expected: days("199709", Array(2...11))
        ),
        Example(
            name: "every 10 days, 5 occurrences",
            start: "19970902T090000",
            rule: "FREQ=DAILY;INTERVAL=10;COUNT=5",
            limit: 100,
            expected: ["19970902", "19970912", "19970922", "19971002", "19971012"]
        ),
        Example(
            name: "every other day",
            start: "19970902T090000",
            rule: "FREQ=DAILY;INTERVAL=2",
            limit: 4,
            expected: ["19970902", "19970904", "19970906", "19970908"]
        ),
        Example(
            name: "weekly for 10 occurrences",
            start: "19970902T090000",
            rule: "FREQ=WEEKLY;COUNT=10",
            limit: 100,
            expected: days("199709", [2, 9, 16, 23, 30]) + days("199710", [7, 14, 21, 28]) + ["19971104"]
        ),
        Example(
            name: "every other week",
            start: "19970902T090000",
            rule: "FREQ=WEEKLY;INTERVAL=2;WKST=SU",
            limit: 11,
            expected: days("199709", [2, 16, 30]) + days("199710", [14, 28]) + days("199711", [11, 25])
                + days("199712", [9, 23]) + days("199801", [6, 20])
        ),
        Example(
            name: "Tuesday and Thursday for five weeks (UNTIL)",
            start: "19970902T090000",
            rule: "FREQ=WEEKLY;UNTIL=19971007T000000Z;WKST=SU;BYDAY=TU,TH",
            limit: 100,
            expected: days("199709", [2, 4, 9, 11, 16, 18, 23, 25, 30]) + ["19971002"]
        ),
        Example(
            name: "Tuesday and Thursday for five weeks (COUNT)",
            start: "19970902T090000",
            rule: "FREQ=WEEKLY;COUNT=10;WKST=SU;BYDAY=TU,TH",
            limit: 100,
            expected: days("199709", [2, 4, 9, 11, 16, 18, 23, 25, 30]) + ["19971002"]
        ),
        Example(
            name: "every other week on MO, WE, FR until Dec 24",
            start: "19970901T090000",
            rule: "FREQ=WEEKLY;INTERVAL=2;UNTIL=19971224T000000Z;WKST=SU;BYDAY=MO,WE,FR",
            limit: 100,
            expected: days("199709", [1, 3, 5, 15, 17, 19, 29]) + days("199710", [1, 3, 13, 15, 17, 27, 29, 31])
                + days("199711", [10, 12, 14, 24, 26, 28]) + days("199712", [8, 10, 12, 22])
        ),
        Example(
            name: "every other week on TU and TH, 8 occurrences",
            start: "19970902T090000",
            rule: "FREQ=WEEKLY;INTERVAL=2;COUNT=8;WKST=SU;BYDAY=TU,TH",
            limit: 100,
            expected: days("199709", [2, 4, 16, 18, 30]) + days("199710", [2, 14, 16])
        ),
        Example(
            name: "first Friday for 10 occurrences",
            start: "19970905T090000",
            rule: "FREQ=MONTHLY;COUNT=10;BYDAY=1FR",
            limit: 100,
            expected: [
                "19970905", "19971003", "19971107", "19971205", "19980102", "19980206", "19980306", "19980403",
                "19980501", "19980605",
            ]
        ),
        Example(
            name: "every other month, first and last Sunday",
            start: "19970907T090000",
            rule: "FREQ=MONTHLY;INTERVAL=2;COUNT=10;BYDAY=1SU,-1SU",
            limit: 100,
            expected: days("199709", [7, 28]) + days("199711", [2, 30]) + days("199801", [4, 25])
                + days("199803", [1, 29]) + days("199805", [3, 31])
        ),
        Example(
            name: "second-to-last Monday for 6 months",
            start: "19970922T090000",
            rule: "FREQ=MONTHLY;COUNT=6;BYDAY=-2MO",
            limit: 100,
            expected: ["19970922", "19971020", "19971117", "19971222", "19980119", "19980216"]
        ),
        Example(
            name: "third-to-last day of the month",
            start: "19970928T090000",
            rule: "FREQ=MONTHLY;BYMONTHDAY=-3",
            limit: 6,
            expected: ["19970928", "19971029", "19971128", "19971229", "19980129", "19980226"]
        ),
        Example(
            name: "2nd and 15th for 10 occurrences",
            start: "19970902T090000",
            rule: "FREQ=MONTHLY;COUNT=10;BYMONTHDAY=2,15",
            limit: 100,
            expected: days("199709", [2, 15]) + days("199710", [2, 15]) + days("199711", [2, 15])
                + days("199712", [2, 15]) + days("199801", [2, 15])
        ),
        Example(
            name: "first and last day for 10 occurrences",
            start: "19970930T090000",
            rule: "FREQ=MONTHLY;COUNT=10;BYMONTHDAY=1,-1",
            limit: 100,
            expected: [
                "19970930", "19971001", "19971031", "19971101", "19971130", "19971201", "19971231", "19980101",
                "19980131", "19980201",
            ]
        ),
        Example(
            name: "every 18 months, 10th to 15th",
            start: "19970910T090000",
            rule: "FREQ=MONTHLY;INTERVAL=18;COUNT=10;BYMONTHDAY=10,11,12,13,14,15",
            limit: 100,
            expected: days("199709", Array(10...15)) + days("199903", Array(10...13))
        ),
        Example(
            name: "every Tuesday, every other month",
            start: "19970902T090000",
            rule: "FREQ=MONTHLY;INTERVAL=2;BYDAY=TU",
            limit: 18,
            expected: days("199709", [2, 9, 16, 23, 30]) + days("199711", [4, 11, 18, 25])
                + days("199801", [6, 13, 20, 27]) + days("199803", [3, 10, 17, 24, 31])
        ),
        Example(
            name: "June and July for 10 occurrences",
            start: "19970610T090000",
            rule: "FREQ=YEARLY;COUNT=10;BYMONTH=6,7",
            limit: 100,
            expected: (1997...2001).flatMap { ["\($0)0610", "\($0)0710"] }
        ),
        Example(
            name: "every other year in January to March",
            start: "19970310T090000",
            rule: "FREQ=YEARLY;INTERVAL=2;COUNT=10;BYMONTH=1,2,3",
            limit: 100,
            expected: ["19970310"] + [1999, 2001, 2003].flatMap { ["\($0)0110", "\($0)0210", "\($0)0310"] }
        ),
        Example(
            name: "every third year on days 1, 100, 200",
            start: "19970101T090000",
            rule: "FREQ=YEARLY;INTERVAL=3;COUNT=10;BYYEARDAY=1,100,200",
            limit: 100,
            expected: [
                "19970101", "19970410", "19970719", "20000101", "20000409", "20000718", "20030101", "20030410",
                "20030719", "20060101",
            ]
        ),
        Example(
            name: "every 20th Monday of the year",
            start: "19970519T090000",
            rule: "FREQ=YEARLY;BYDAY=20MO",
            limit: 3,
            expected: ["19970519", "19980518", "19990517"]
        ),
        Example(
            name: "every Thursday in March",
            start: "19970313T090000",
            rule: "FREQ=YEARLY;BYMONTH=3;BYDAY=TH",
            limit: 11,
            expected: days("199703", [13, 20, 27]) + days("199803", [5, 12, 19, 26]) + days("199903", [4, 11, 18, 25])
        ),
        Example(
            name: "Thursdays in June to August",
            start: "19970605T090000",
            rule: "FREQ=YEARLY;BYDAY=TH;BYMONTH=6,7,8",
            limit: 13,
            expected: days("199706", [5, 12, 19, 26]) + days("199707", [3, 10, 17, 24, 31])
                + days("199708", [7, 14, 21, 28])
        ),
        Example(
            name: "every Friday the 13th (DTSTART does not match)",
            start: "19970902T090000",
            rule: "FREQ=MONTHLY;BYDAY=FR;BYMONTHDAY=13",
            limit: 5,
            expected: ["19980213", "19980313", "19981113", "19990813", "20001013"]
        ),
        Example(
            name: "first Saturday after the first Sunday",
            start: "19970913T090000",
            rule: "FREQ=MONTHLY;BYDAY=SA;BYMONTHDAY=7,8,9,10,11,12,13",
            limit: 10,
            expected: [
                "19970913", "19971011", "19971108", "19971213", "19980110", "19980207", "19980307", "19980411",
                "19980509", "19980613",
            ]
        ),
        Example(
            name: "US presidential election day",
            start: "19961105T090000",
            rule: "FREQ=YEARLY;INTERVAL=4;BYMONTH=11;BYDAY=TU;BYMONTHDAY=2,3,4,5,6,7,8",
            limit: 3,
            expected: ["19961105", "20001107", "20041102"]
        ),
        Example(
            name: "third instance of TU, WE or TH",
            start: "19970904T090000",
            rule: "FREQ=MONTHLY;COUNT=3;BYDAY=TU,WE,TH;BYSETPOS=3",
            limit: 100,
            expected: ["19970904", "19971007", "19971106"]
        ),
        Example(
            name: "second-to-last weekday",
            start: "19970929T090000",
            rule: "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-2",
            limit: 7,
            expected: ["19970929", "19971030", "19971127", "19971230", "19980129", "19980226", "19980330"]
        ),
        Example(
            name: "WKST=MO changes the weeks",
            start: "19970805T090000",
            rule: "FREQ=WEEKLY;INTERVAL=2;COUNT=4;BYDAY=TU,SU;WKST=MO",
            limit: 100,
            expected: ["19970805", "19970810", "19970819", "19970824"]
        ),
        Example(
            name: "WKST=SU changes the weeks",
            start: "19970805T090000",
            rule: "FREQ=WEEKLY;INTERVAL=2;COUNT=4;BYDAY=TU,SU;WKST=SU",
            limit: 100,
            expected: ["19970805", "19970817", "19970819", "19970831"]
        ),
        Example(
            name: "invalid dates are skipped (Feb 30)",
            start: "20070115T090000",
            rule: "FREQ=MONTHLY;BYMONTHDAY=15,30;COUNT=5",
            limit: 100,
            expected: ["20070115", "20070130", "20070215", "20070315", "20070330"]
        ),
    ]

    static func expand(start: String, rule: String, limit: Int) throws -> [LocalDateTime] {
        let text = """
            BEGIN:VCALENDAR
            BEGIN:VEVENT
            DTSTART;TZID=America/New_York:\(start)
            RRULE:\(rule)
            END:VEVENT
            END:VCALENDAR
            """
        let event = try #require(try MaintenanceCalendar.parse(text).events.first)
        let recurrence = try #require(event.recurrence)
        return Array(RecurrenceExpansion(rule: recurrence, start: event.start.time).prefix(limit))
    }

    @Test(arguments: examples)
    func rfcExample(_ example: Example) throws {
        let occurrences = try Self.expand(start: example.start, rule: example.rule, limit: example.limit)
        #expect(occurrences.map { $0.icalendarString(dateOnly: true) } == example.expected)
        #expect(occurrences.allSatisfy { $0.hour == 9 && $0.minute == 0 })
    }

    @Test func dailyUntilDecember24HasTheRFCsCount() throws {
        let occurrences = try Self.expand(
            start: "19970902T090000",
            rule: "FREQ=DAILY;UNTIL=19971224T000000Z",
            limit: 1000
        )
        #expect(occurrences.count == 113)
        #expect(occurrences.last?.icalendarString(dateOnly: true) == "19971223")
    }

    @Test func everyDayInJanuaryForThreeYearsBothWays() throws {
        let yearly = try Self.expand(
            start: "19980101T090000",
            rule: "FREQ=YEARLY;UNTIL=20000131T140000Z;BYMONTH=1;BYDAY=SU,MO,TU,WE,TH,FR,SA",
            limit: 1000
        )
        let daily = try Self.expand(
            start: "19980101T090000",
            rule: "FREQ=DAILY;UNTIL=20000131T140000Z;BYMONTH=1",
            limit: 1000
        )
        #expect(yearly.count == 93)
        #expect(yearly == daily)
        #expect(yearly.last?.icalendarString(dateOnly: true) == "20000131")
    }

    @Test func byHourAndByMinuteMultiplyTimes() throws {
        let occurrences = try Self.expand(
            start: "19970902T090000",
            rule: "FREQ=DAILY;BYHOUR=9,10,11,12,13,14,15,16;BYMINUTE=0,20,40",
            limit: 25
        )
        #expect(occurrences.first?.description == "1997-09-02T09:00:00")
        #expect(occurrences[23].description == "1997-09-02T16:40:00")
        #expect(occurrences[24].description == "1997-09-03T09:00:00")
    }

    @Test func lastWorkdayOfMonthPatchWindow() throws {
        let occurrences = try Self.expand(
            start: "20250101T200000",
            rule: "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1;COUNT=3",
            limit: 10
        )
        #expect(occurrences.map { $0.icalendarString(dateOnly: true) } == ["20250131", "20250228", "20250331"])
    }
}
