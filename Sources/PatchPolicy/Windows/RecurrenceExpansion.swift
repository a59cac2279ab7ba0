/// Expands an ``RecurrenceRule`` from a DTSTART into wall-clock occurrences.
///
/// The semantics are those of python-dateutil's `rrule` (the project's oracle, checked by
/// `scripts/oracles/rrule.sh`): each period (year, month, week, day) yields the days that pass every
/// BYxxx filter, times from BYHOUR × BYMINUTE × BYSECOND, then BYSETPOS picks within the period;
/// invalid dates (Feb 30) simply do not exist; DTSTART counts only when it matches the rule; COUNT
/// counts what is produced at or after DTSTART; UNTIL is inclusive. Iteration ends at year 9999 or
/// when a period starts after the optional `horizon`.
public struct RecurrenceExpansion: Sequence, IteratorProtocol, Sendable {
    private let start: LocalDateTime
    private let rule: RecurrenceRule
    private let horizon: LocalDateTime?
    private let byMonth: Set<Int>
    private let byMonthDayPositive: Set<Int>
    private let byMonthDayNegative: Set<Int>
    private let byWeekday: Set<Int>
    private let byOrdinalWeekday: [(weekday: Int, ordinal: Int)]
    private let byYearDay: Set<Int>
    private let timeSet: [Int]

    private var year: Int
    private var month: Int
    private var periodStart: Int
    private var remaining: Int?
    private var pending: [LocalDateTime] = []
    private var pendingIndex = 0
    private var finished = false

    /// Creates the expansion of `rule` anchored at `start`.
    public init(rule: RecurrenceRule, start: LocalDateTime, horizon: LocalDateTime? = nil) {
        self.start = start
        self.rule = rule
        self.horizon = horizon
        var months = Set(rule.byMonth)
        var monthDays = rule.byMonthDay
        var weekdays = Set<Int>()
        var ordinals: [(weekday: Int, ordinal: Int)] = []
        for entry in rule.byDay {
            if let ordinal = entry.ordinal, rule.frequency == .yearly || rule.frequency == .monthly {
                if !ordinals.contains(where: { $0.weekday == entry.weekday && $0.ordinal == ordinal }) {
                    ordinals.append((entry.weekday, ordinal))
                }
            } else {
                weekdays.insert(entry.weekday)
            }
        }
        // dateutil's defaults: with no BYDAY/BYMONTHDAY/BYYEARDAY the rule repeats DTSTART's position.
        if rule.byDay.isEmpty && rule.byMonthDay.isEmpty && rule.byYearDay.isEmpty {
            switch rule.frequency {
            case .yearly:
                if months.isEmpty { months = [start.month] }
                monthDays = [start.day]
            case .monthly: monthDays = [start.day]
            case .weekly: weekdays = [start.weekday]
            case .daily: break
            }
        }
        byMonth = months
        byMonthDayPositive = Set(monthDays.filter { $0 > 0 })
        byMonthDayNegative = Set(monthDays.filter { $0 < 0 })
        byWeekday = weekdays
        byOrdinalWeekday = ordinals
        byYearDay = Set(rule.byYearDay)
        let hours = rule.byHour.isEmpty ? [start.hour] : Array(Set(rule.byHour))
        let minutes = rule.byMinute.isEmpty ? [start.minute] : Array(Set(rule.byMinute))
        let seconds = rule.bySecond.isEmpty ? [start.second] : Array(Set(rule.bySecond))
        var times: [Int] = []
        for h in hours { for m in minutes { for s in seconds { times.append(h * 3600 + m * 60 + s) } } }
        timeSet = times.sorted()
        year = start.year
        month = start.month
        periodStart = start.dayNumber
        remaining = rule.count
    }

    /// The next occurrence, or nil when the rule is exhausted.
    public mutating func next() -> LocalDateTime? {
        while pendingIndex >= pending.count {
            if finished { return nil }
            fillNextPeriod()
        }
        defer { pendingIndex += 1 }
        return pending[pendingIndex]
    }

    /// Computes one period's occurrences into `pending`, then advances the period.
    private mutating func fillNextPeriod() {
        pending.removeAll(keepingCapacity: true)
        pendingIndex = 0
        guard year <= 9999 else {
            finished = true
            return
        }
        let ordinalDays = byOrdinalWeekday.isEmpty ? [] : ordinalWeekdayDays()
        var days: [Int] = []
        var date = LocalDateTime(dayNumber: 0)
        var expectedDay = Int.min
        for day in periodDays() {
            // Walk the calendar fields forward instead of converting every day number.
            if day != expectedDay { date = LocalDateTime(dayNumber: day) }
            expectedDay = day + 1
            if isSelected(day, date, ordinalDays) { days.append(day) }
            date.day += 1
            if date.day > LocalDateTime.daysInMonth(year: date.year, month: date.month) {
                date.day = 1
                date.month += 1
                if date.month > 12 {
                    date.month = 1
                    date.year += 1
                }
            }
        }
        var candidates: [LocalDateTime] = []
        if !rule.bySetPos.isEmpty && !timeSet.isEmpty {
            for position in rule.bySetPos {
                let (dayPosition, timePosition) = Self.floorDivMod(
                    position < 0 ? position : position - 1,
                    timeSet.count
                )
                let dayIndex = dayPosition < 0 ? days.count + dayPosition : dayPosition
                guard dayIndex >= 0, dayIndex < days.count else { continue }
                let value = LocalDateTime(dayNumber: days[dayIndex], secondOfDay: timeSet[timePosition])
                if !candidates.contains(value) { candidates.append(value) }
            }
            candidates.sort()
        } else {
            for day in days {
                for time in timeSet { candidates.append(LocalDateTime(dayNumber: day, secondOfDay: time)) }
            }
        }
        for candidate in candidates {
            if let until = rule.until, candidate > until {
                finished = true
                return
            }
            guard candidate >= start else { continue }
            if let count = remaining {
                if count <= 0 {
                    finished = true
                    return
                }
                remaining = count - 1
            }
            pending.append(candidate)
        }
        advance()
        if let horizon, LocalDateTime(dayNumber: periodStart) > horizon { finished = true }
    }

    private static func floorDivMod(_ a: Int, _ b: Int) -> (Int, Int) {
        let q = Int((Double(a) / Double(b)).rounded(.down))
        return (q, a - q * b)
    }

    /// The candidate day numbers of the current period, before filtering.
    private func periodDays() -> [Int] {
        switch rule.frequency {
        case .yearly:
            let first = LocalDateTime.days(year: year, month: 1, day: 1)
            return Array(first..<first + LocalDateTime.daysInYear(year))
        case .monthly:
            let first = LocalDateTime.days(year: year, month: month, day: 1)
            return Array(first..<first + LocalDateTime.daysInMonth(year: year, month: month))
        case .weekly:
            var result = [periodStart]
            var day = periodStart + 1
            while result.count < 7 && LocalDateTime.weekday(ofDay: day) != rule.weekStart {
                result.append(day)
                day += 1
            }
            return result
        case .daily:
            return [periodStart]
        }
    }

    /// dateutil's day filter for one day (`date` is its calendar form) of the current period.
    private func isSelected(_ day: Int, _ date: LocalDateTime, _ ordinalDays: Set<Int>) -> Bool {
        if !byMonth.isEmpty && !byMonth.contains(date.month) { return false }
        if !byWeekday.isEmpty && !byWeekday.contains(LocalDateTime.weekday(ofDay: day)) { return false }
        if !byOrdinalWeekday.isEmpty && !ordinalDays.contains(day) { return false }
        if !byMonthDayPositive.isEmpty || !byMonthDayNegative.isEmpty {
            let negative = date.day - LocalDateTime.daysInMonth(year: date.year, month: date.month) - 1
            if !byMonthDayPositive.contains(date.day) && !byMonthDayNegative.contains(negative) { return false }
        }
        if !byYearDay.isEmpty {
            let index = day - LocalDateTime.days(year: year, month: 1, day: 1)
            let yearLength = LocalDateTime.daysInYear(year)
            if index < yearLength {
                if !byYearDay.contains(index + 1) && !byYearDay.contains(index - yearLength) { return false }
            } else {
                let nextLength = LocalDateTime.daysInYear(year + 1)
                let inNext = index - yearLength
                if !byYearDay.contains(inNext + 1) && !byYearDay.contains(inNext - nextLength) { return false }
            }
        }
        return true
    }

    /// The days that are the nth weekday of their range: the month (MONTHLY, or YEARLY with BYMONTH)
    /// or the whole year (YEARLY without BYMONTH), as dateutil's `nwdaymask`.
    private func ordinalWeekdayDays() -> Set<Int> {
        var ranges: [(first: Int, last: Int)] = []
        if rule.frequency == .yearly && byMonth.isEmpty {
            let first = LocalDateTime.days(year: year, month: 1, day: 1)
            ranges = [(first, first + LocalDateTime.daysInYear(year) - 1)]
        } else {
            let months = rule.frequency == .yearly ? Array(byMonth) : [month]
            for m in months {
                let first = LocalDateTime.days(year: year, month: m, day: 1)
                ranges.append((first, first + LocalDateTime.daysInMonth(year: year, month: m) - 1))
            }
        }
        var result = Set<Int>()
        for range in ranges {
            for entry in byOrdinalWeekday {
                var target: Int
                if entry.ordinal < 0 {
                    target = range.last + (entry.ordinal + 1) * 7
                    target -= ((LocalDateTime.weekday(ofDay: target) - entry.weekday) % 7 + 7) % 7
                } else {
                    target = range.first + (entry.ordinal - 1) * 7
                    target += ((7 - LocalDateTime.weekday(ofDay: target) + entry.weekday) % 7 + 7) % 7
                }
                if range.first <= target && target <= range.last { result.insert(target) }
            }
        }
        return result
    }

    /// Moves to the next period, as dateutil does.
    private mutating func advance() {
        switch rule.frequency {
        case .yearly:
            year += rule.interval
        case .monthly:
            let total = (year * 12 + month - 1) + rule.interval
            year = total / 12
            month = total % 12 + 1
        case .weekly:
            let weekday = LocalDateTime.weekday(ofDay: periodStart)
            if rule.weekStart > weekday {
                periodStart += -(weekday + 1 + (6 - rule.weekStart)) + rule.interval * 7
            } else {
                periodStart += -(weekday - rule.weekStart) + rule.interval * 7
            }
            setYearMonth()
            return
        case .daily:
            periodStart += rule.interval
            setYearMonth()
            return
        }
        if year <= 9999 { periodStart = LocalDateTime.days(year: year, month: month, day: 1) }
    }

    private mutating func setYearMonth() {
        let date = LocalDateTime(dayNumber: periodStart)
        year = date.year
        month = date.month
    }
}
