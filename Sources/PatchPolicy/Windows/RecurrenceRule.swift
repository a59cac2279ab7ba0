/// An RFC 5545 `RRULE` value (section 3.3.10).
///
/// Supported: FREQ YEARLY/MONTHLY/WEEKLY/DAILY, INTERVAL, COUNT, UNTIL, BYDAY (with ordinals in
/// MONTHLY/YEARLY), BYMONTHDAY (negatives too), BYMONTH, BYYEARDAY, BYHOUR, BYMINUTE, BYSECOND,
/// BYSETPOS, WKST. FREQ HOURLY/MINUTELY/SECONDLY and BYWEEKNO are rejected as unsupported.
public struct RecurrenceRule: Sendable, Hashable, CustomStringConvertible {
    /// The FREQ part.
    public enum Frequency: String, Sendable, Hashable, CaseIterable {
        case yearly = "YEARLY"
        case monthly = "MONTHLY"
        case weekly = "WEEKLY"
        case daily = "DAILY"
    }

    /// One BYDAY entry: a weekday (Monday = 0) with an optional ordinal (`2TU`, `-1SU`).
    public struct WeekdayEntry: Sendable, Hashable {
        /// Monday = 0 … Sunday = 6.
        public var weekday: Int
        /// The ordinal (±1…±53), nil for every such weekday.
        public var ordinal: Int?
        /// Creates an entry.
        public init(weekday: Int, ordinal: Int? = nil) {
            self.weekday = weekday
            self.ordinal = ordinal
        }
    }

    /// FREQ.
    public var frequency: Frequency
    /// INTERVAL (≥ 1).
    public var interval = 1
    /// COUNT.
    public var count: Int?
    /// UNTIL as a wall time in the event's zone (a UTC UNTIL is converted by the caller).
    public var until: LocalDateTime?
    /// Whether UNTIL was written in UTC (`Z`).
    public var untilIsUTC = false
    /// Whether UNTIL was a DATE.
    public var untilIsDate = false
    /// BYDAY.
    public var byDay: [WeekdayEntry] = []
    /// BYMONTHDAY (±1…±31).
    public var byMonthDay: [Int] = []
    /// BYMONTH (1…12).
    public var byMonth: [Int] = []
    /// BYYEARDAY (±1…±366).
    public var byYearDay: [Int] = []
    /// BYHOUR.
    public var byHour: [Int] = []
    /// BYMINUTE.
    public var byMinute: [Int] = []
    /// BYSECOND.
    public var bySecond: [Int] = []
    /// BYSETPOS (±1…±366).
    public var bySetPos: [Int] = []
    /// WKST, Monday = 0 (the default).
    public var weekStart = 0

    /// Creates a rule with only a frequency.
    public init(frequency: Frequency) { self.frequency = frequency }

    static let weekdayNames = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]

    /// Parses an RRULE value. `source` and `line` go into errors; fields are named `RRULE.PART`.
    public static func parse(
        _ text: String,
        source: String = "RRULE",
        line: Int? = nil
    ) throws(PatchPolicyError)
        -> RecurrenceRule
    {
        func fail(_ part: String, _ message: String) -> PatchPolicyError {
            PatchPolicyError(
                code: .invalidRecurrence,
                source: source,
                line: line,
                field: "RRULE\(part.isEmpty ? "" : ".")\(part)",
                message: message
            )
        }
        var parts: [String: String] = [:]
        var order: [String] = []
        for piece in text.split(separator: ";", omittingEmptySubsequences: false) {
            let pair = piece.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard pair.count == 2, !pair[0].isEmpty else {
                throw fail("", "expected NAME=VALUE parts separated by ';', got '\(piece)'")
            }
            let name = pair[0].uppercased()
            guard parts[name] == nil else { throw fail(name, "appears twice") }
            parts[name] = String(pair[1])
            order.append(name)
        }
        guard let freqText = parts["FREQ"] else { throw fail("FREQ", "is required") }
        guard let frequency = Frequency(rawValue: freqText.uppercased()) else {
            if ["HOURLY", "MINUTELY", "SECONDLY"].contains(freqText.uppercased()) {
                throw fail("FREQ", "\(freqText.uppercased()) is not supported (use DAILY with BYHOUR)")
            }
            throw fail("FREQ", "expected YEARLY, MONTHLY, WEEKLY or DAILY, got '\(freqText)'")
        }
        var rule = RecurrenceRule(frequency: frequency)

        func integers(
            _ name: String,
            _ range: ClosedRange<Int>,
            allowZero: Bool = true
        ) throws(PatchPolicyError)
            -> [Int]
        {
            guard let value = parts[name] else { return [] }
            var result: [Int] = []
            for item in value.split(separator: ",", omittingEmptySubsequences: false) {
                guard let number = Int(item), range.contains(number), allowZero || number != 0 else {
                    throw fail(name, "expected integers in \(range)\(allowZero ? "" : " except 0"), got '\(item)'")
                }
                result.append(number)
            }
            return result
        }

        for name in order {
            let value = parts[name] ?? ""
            switch name {
            case "FREQ": break
            case "INTERVAL":
                guard let number = Int(value), number >= 1, number <= 10_000 else {
                    throw fail(name, "expected a positive integer, got '\(value)'")
                }
                rule.interval = number
            case "COUNT":
                guard let number = Int(value), number >= 1 else {
                    throw fail(name, "expected a positive integer, got '\(value)'")
                }
                rule.count = number
            case "UNTIL":
                guard let parsed = CalendarDateTime.parseValue(value) else {
                    throw fail(name, "expected a DATE or DATE-TIME such as 20251231T235959Z, got '\(value)'")
                }
                rule.until = parsed.time
                rule.untilIsUTC = parsed.isUTC
                rule.untilIsDate = parsed.isDate
            case "BYDAY": rule.byDay = try parseByDay(value, fail: fail)
            case "BYMONTHDAY": rule.byMonthDay = try integers(name, -31...31, allowZero: false)
            case "BYMONTH": rule.byMonth = try integers(name, 1...12)
            case "BYYEARDAY": rule.byYearDay = try integers(name, -366...366, allowZero: false)
            case "BYHOUR": rule.byHour = try integers(name, 0...23)
            case "BYMINUTE": rule.byMinute = try integers(name, 0...59)
            case "BYSECOND": rule.bySecond = try integers(name, 0...59)
            case "BYSETPOS": rule.bySetPos = try integers(name, -366...366, allowZero: false)
            case "WKST":
                guard let day = weekdayNames.firstIndex(of: value.uppercased()) else {
                    throw fail(name, "expected MO, TU, WE, TH, FR, SA or SU, got '\(value)'")
                }
                rule.weekStart = day
            case "BYWEEKNO": throw fail(name, "is not supported")
            default:
                if !name.hasPrefix("X-") { throw fail(name, "unknown rule part") }
            }
        }
        if rule.count != nil && rule.until != nil { throw fail("COUNT", "COUNT and UNTIL must not both be given") }
        return rule
    }

    private static func parseByDay(
        _ value: String,
        fail: (String, String) -> PatchPolicyError
    ) throws(PatchPolicyError) -> [WeekdayEntry] {
        var result: [WeekdayEntry] = []
        for item in value.split(separator: ",", omittingEmptySubsequences: false) {
            let text = item.uppercased()
            guard text.count >= 2, let day = weekdayNames.firstIndex(of: String(text.suffix(2))) else {
                throw fail("BYDAY", "expected entries such as MO, 2TU or -1SU, got '\(item)'")
            }
            let prefix = text.dropLast(2)
            if prefix.isEmpty {
                result.append(WeekdayEntry(weekday: day))
                continue
            }
            guard let ordinal = Int(prefix), ordinal != 0, (-53...53).contains(ordinal),
                prefix.last?.isNumber == true
            else {
                throw fail("BYDAY", "ordinal must be ±1…±53, got '\(item)'")
            }
            result.append(WeekdayEntry(weekday: day, ordinal: ordinal))
        }
        return result
    }

    /// The RRULE value text, in a canonical part order.
    public var description: String {
        var parts = ["FREQ=\(frequency.rawValue)"]
        if interval != 1 { parts.append("INTERVAL=\(interval)") }
        if let count { parts.append("COUNT=\(count)") }
        if let until {
            parts.append(
                "UNTIL=\(until.icalendarString(dateOnly: untilIsDate))\(untilIsUTC && !untilIsDate ? "Z" : "")"
            )
        }
        func list(_ name: String, _ values: [Int]) {
            if !values.isEmpty { parts.append("\(name)=\(values.map(String.init).joined(separator: ","))") }
        }
        list("BYMONTH", byMonth)
        list("BYYEARDAY", byYearDay)
        list("BYMONTHDAY", byMonthDay)
        if !byDay.isEmpty {
            let days = byDay.map { "\($0.ordinal.map(String.init) ?? "")\(Self.weekdayNames[$0.weekday])" }
            parts.append("BYDAY=\(days.joined(separator: ","))")
        }
        list("BYHOUR", byHour)
        list("BYMINUTE", byMinute)
        list("BYSECOND", bySecond)
        list("BYSETPOS", bySetPos)
        if weekStart != 0 { parts.append("WKST=\(Self.weekdayNames[weekStart])") }
        return parts.joined(separator: ";")
    }
}
