/// A wall-clock date and time with no zone (proleptic Gregorian calendar).
///
/// Recurrences are expanded in wall time; only afterwards is a wall time resolved to an instant in a
/// zone (see ``WallClockResolver``). The arithmetic here is plain civil-calendar arithmetic, so it
/// never reads a clock or a time zone.
public struct LocalDateTime: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The year (1…9999).
    public var year: Int
    /// The month (1…12).
    public var month: Int
    /// The day of the month (1…31).
    public var day: Int
    /// The hour (0…23).
    public var hour: Int
    /// The minute (0…59).
    public var minute: Int
    /// The second (0…59; a leap second 60 is clamped to 59 by the parser).
    public var second: Int

    /// Creates a wall time; the caller guarantees the fields form a real date.
    public init(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0) {
        self.year = year
        self.month = month
        self.day = day
        self.hour = hour
        self.minute = minute
        self.second = second
    }

    /// Creates the wall time `dayNumber` days after 1970-01-01 plus `secondOfDay` seconds.
    public init(dayNumber: Int, secondOfDay: Int = 0) {
        let (y, m, d) = Self.civil(fromDays: dayNumber)
        self.init(
            year: y,
            month: m,
            day: d,
            hour: secondOfDay / 3600,
            minute: secondOfDay / 60 % 60,
            second: secondOfDay % 60
        )
    }

    /// Days since 1970-01-01 (negative before).
    public var dayNumber: Int { Self.days(year: year, month: month, day: day) }

    /// Seconds since midnight.
    public var secondOfDay: Int { hour * 3600 + minute * 60 + second }

    /// Seconds since 1970-01-01T00:00:00 as if this wall time were UTC.
    public var secondsSinceEpochAsUTC: Int { dayNumber * 86_400 + secondOfDay }

    /// Creates the wall time that is `seconds` after 1970-01-01T00:00:00.
    public init(secondsSinceEpochAsUTC seconds: Int) {
        let days = Int((Double(seconds) / 86_400).rounded(.down))
        self.init(dayNumber: days, secondOfDay: seconds - days * 86_400)
    }

    /// Weekday, Monday = 0 … Sunday = 6 (dateutil's and RFC 5545's week, not Foundation's).
    public var weekday: Int { Self.weekday(ofDay: dayNumber) }

    /// Whether the fields name a real date and time.
    public var isValid: Bool {
        (1...9999).contains(year) && (1...12).contains(month)
            && (1...Self.daysInMonth(year: year, month: month)).contains(day) && (0...23).contains(hour)
            && (0...59).contains(minute) && (0...59).contains(second)
    }

    /// This wall time moved by whole days and seconds, in wall-clock arithmetic.
    public func adding(days: Int = 0, seconds: Int = 0) -> LocalDateTime {
        LocalDateTime(secondsSinceEpochAsUTC: secondsSinceEpochAsUTC + days * 86_400 + seconds)
    }

    /// The same day at midnight.
    public var startOfDay: LocalDateTime { LocalDateTime(year: year, month: month, day: day) }

    public static func < (lhs: LocalDateTime, rhs: LocalDateTime) -> Bool {
        (lhs.year, lhs.month, lhs.day, lhs.hour, lhs.minute, lhs.second)
            < (rhs.year, rhs.month, rhs.day, rhs.hour, rhs.minute, rhs.second)
    }

    /// ISO 8601 without zone: `2025-03-09T02:30:00`.
    public var description: String {
        "\(Self.pad(year, 4))-\(Self.pad(month, 2))-\(Self.pad(day, 2))T"
            + "\(Self.pad(hour, 2)):\(Self.pad(minute, 2)):\(Self.pad(second, 2))"
    }

    /// iCalendar basic form: `20250309T023000` (or `20250309` for a date).
    public func icalendarString(dateOnly: Bool = false) -> String {
        let date = "\(Self.pad(year, 4))\(Self.pad(month, 2))\(Self.pad(day, 2))"
        return dateOnly ? date : date + "T\(Self.pad(hour, 2))\(Self.pad(minute, 2))\(Self.pad(second, 2))"
    }

    static func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }

    /// Whether `year` is a Gregorian leap year.
    public static func isLeapYear(_ year: Int) -> Bool {
        (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
    }

    /// Number of days in a month.
    public static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: return isLeapYear(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Number of days in a year.
    public static func daysInYear(_ year: Int) -> Int { isLeapYear(year) ? 366 : 365 }

    /// Weekday (Monday = 0) of a day number.
    public static func weekday(ofDay days: Int) -> Int {
        // 1970-01-01 was a Thursday (3).
        ((days + 3) % 7 + 7) % 7
    }

    /// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
    public static func days(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let monthIndex = month > 2 ? month - 3 : month + 9
        let dayOfYear = (153 * monthIndex + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The civil date of a day number.
    public static func civil(fromDays days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
