/// Builds a ``CalendarEvent`` from the content lines of one VEVENT.
enum EventReader {
    static func read(_ lines: [ContentLine], beginLine: Int, source: String) throws(PatchPolicyError) -> CalendarEvent {
        var start: CalendarDateTime?
        var end: CalendarDateTime?
        var duration: CalendarDuration?
        var rule: RecurrenceRule?
        var ruleLine = beginLine
        var exdates: [CalendarDateTime] = []
        var rdates: [CalendarDateTime] = []
        var categories: [String] = []
        var uid: String?
        var summary: String?
        var kind: CalendarEvent.Kind?
        var cutoff: Int?
        var offsetDays = 0
        var seen = Set<String>()
        let singletons: Set<String> = [
            "DTSTART", "DTEND", "DURATION", "RRULE", "UID", "SUMMARY", "X-PATCHPILOT-KIND", "X-PATCHPILOT-CUTOFF",
            "X-PATCHPILOT-OFFSET-DAYS",
        ]
        for line in lines {
            func fail(_ message: String, code: PatchPolicyError.Code = .invalidCalendar) -> PatchPolicyError {
                PatchPolicyError(code: code, source: source, line: line.line, field: line.name, message: message)
            }
            if singletons.contains(line.name) {
                guard !seen.contains(line.name) else { throw fail("appears more than once in this VEVENT") }
                seen.insert(line.name)
            }
            switch line.name {
            case "DTSTART": start = try dateTimes(line, source: source, allowList: false)[0]
            case "DTEND": end = try dateTimes(line, source: source, allowList: false)[0]
            case "DURATION":
                guard let parsed = CalendarDuration.parse(line.value) else {
                    throw fail("expected an RFC 5545 duration such as PT2H or P1DT4H, got '\(line.value)'")
                }
                guard !parsed.isNegative else { throw fail("a window cannot have a negative duration") }
                duration = parsed
            case "RRULE":
                rule = try RecurrenceRule.parse(line.value, source: source, line: line.line)
                ruleLine = line.line
            case "EXDATE": exdates += try dateTimes(line, source: source, allowList: true)
            case "RDATE":
                if let value = line.parameter("VALUE"), value.uppercased() == "PERIOD" {
                    throw fail("RDATE;VALUE=PERIOD is not supported (give DATE-TIME values)")
                }
                rdates += try dateTimes(line, source: source, allowList: true)
            case "UID": uid = TextValue.unescape(line.value)
            case "SUMMARY": summary = TextValue.unescape(line.value)
            case "CATEGORIES":
                let values = TextValue.splitList(line.value).map { $0.trimmingSpaces() }
                categories += values
                if values.contains(where: { $0.uppercased() == "FREEZE" }) && kind == nil { kind = .freeze }
            case "X-PATCHPILOT-KIND":
                guard let parsed = CalendarEvent.Kind(rawValue: line.value.lowercased()) else {
                    throw fail("expected 'window' or 'freeze', got '\(line.value)'")
                }
                kind = parsed
            case "X-PATCHPILOT-CUTOFF":
                guard let minutes = Int(line.value), minutes >= 0, minutes <= 100_000 else {
                    throw fail("expected a whole number of minutes (0 or more), got '\(line.value)'")
                }
                cutoff = minutes
            case "X-PATCHPILOT-OFFSET-DAYS":
                guard let days = Int(line.value), abs(days) <= 366 else {
                    throw fail("expected a whole number of days (-366…366), got '\(line.value)'")
                }
                offsetDays = days
            default: break
            }
        }
        func fail(_ field: String, _ message: String) -> PatchPolicyError {
            PatchPolicyError(code: .invalidCalendar, source: source, line: beginLine, field: field, message: message)
        }
        guard let start else { throw fail("DTSTART", "VEVENT has no DTSTART") }
        if end != nil && duration != nil { throw fail("DTEND", "give DTEND or DURATION, not both") }
        if let end {
            if end.isDate != start.isDate { throw fail("DTEND", "DTEND must be a DATE exactly when DTSTART is") }
            if end.anchor == start.anchor && end.time < start.time { throw fail("DTEND", "DTEND is before DTSTART") }
        }
        if start.isDate, let duration, duration.seconds != 0 {
            throw fail("DURATION", "an all-day DTSTART needs a duration in days or weeks")
        }
        if var checked = rule, let until = checked.until {
            if start.isDate != checked.untilIsDate && start.isDate {
                throw PatchPolicyError(
                    code: .invalidRecurrence,
                    source: source,
                    line: ruleLine,
                    field: "RRULE.UNTIL",
                    message: "UNTIL must be a DATE when DTSTART is a DATE"
                )
            }
            if checked.untilIsUTC, case .zone(let zone) = start.anchor {
                // UNTIL in UTC bounds a zoned rule: compare in the event's wall time.
                let resolver = try WallClockResolver(identifier: zone, source: source, line: ruleLine)
                checked.until = resolver.wallTime(atEpochSecond: until.secondsSinceEpochAsUTC)
                rule = checked
            }
        }
        var event = CalendarEvent(start: start, duration: duration, recurrence: rule)
        event.end = end
        event.uid = uid
        event.summary = summary
        event.exceptionDates = exdates
        event.recurrenceDates = rdates
        event.categories = categories
        event.kind = kind ?? .window
        event.cutoffMinutes = cutoff
        event.offsetDays = offsetDays
        event.line = beginLine
        return event
    }

    /// DATE / DATE-TIME values of a property, with TZID and VALUE parameters.
    static func dateTimes(
        _ line: ContentLine,
        source: String,
        allowList: Bool
    ) throws(PatchPolicyError)
        -> [CalendarDateTime]
    {
        func fail(_ message: String, code: PatchPolicyError.Code = .invalidCalendar) -> PatchPolicyError {
            PatchPolicyError(code: code, source: source, line: line.line, field: line.name, message: message)
        }
        let valueType = line.parameter("VALUE")?.uppercased() ?? "DATE-TIME"
        guard valueType == "DATE" || valueType == "DATE-TIME" else {
            throw fail("VALUE=\(valueType) is not supported here (DATE or DATE-TIME)")
        }
        var zone: String?
        if let tzid = line.parameter("TZID") {
            let name = tzid.hasPrefix("/") ? String(tzid.dropFirst()) : tzid
            _ = try WallClockResolver(identifier: name, source: source, line: line.line, field: "\(line.name).TZID")
            zone = name
        }
        let items = line.value.split(separator: ",", omittingEmptySubsequences: false)
        guard allowList || items.count == 1 else { throw fail("expected a single value, got a list") }
        var result: [CalendarDateTime] = []
        for item in items {
            guard let parsed = CalendarDateTime.parseValue(String(item)) else {
                throw fail("expected a DATE (20250311) or DATE-TIME (20250311T220000[Z]), got '\(item)'")
            }
            if parsed.isDate != (valueType == "DATE") {
                throw fail(
                    parsed.isDate
                        ? "a DATE value needs VALUE=DATE, got '\(item)'"
                        : "VALUE=DATE expects a date only, got '\(item)'"
                )
            }
            if parsed.isUTC && zone != nil { throw fail("a UTC value ('Z') cannot have a TZID, got '\(item)'") }
            let anchor: CalendarDateTime.Anchor =
                parsed.isDate ? .date : parsed.isUTC ? .utc : zone.map { .zone($0) } ?? .floating
            result.append(CalendarDateTime(parsed.time, anchor: anchor))
        }
        return result
    }
}
