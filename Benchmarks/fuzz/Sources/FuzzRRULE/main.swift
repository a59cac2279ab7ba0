// RRULE values: the first line is DTSTART's parameters and value (`;TZID=Europe/Berlin:20250101T090000`,
// `:20250101T090000Z`, `;VALUE=DATE:20250101`), the second the RRULE. The rule is parsed on its own
// and inside a VEVENT (as policy calendars carry it), expanded for ten years of periods, and the
// calendar is scheduled (see CalendarChecks).
import FuzzSupport
import PatchPolicy

// Also exported under libFuzzer's conventional name, which its (unused) main refers to.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzRRULE(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = FuzzInput(data, size)
    let lines = input.text.split(separator: "\n", maxSplits: 2, omittingEmptySubsequences: false)
    let dtstart = lines.first.map(String.init) ?? ""
    let rrule = lines.count > 1 ? String(lines[1]) : ""
    if let rule = try? RecurrenceRule.parse(rrule) {
        invariant((try? RecurrenceRule.parse(rule.description)) == rule, "'\(rule)' does not parse back to itself")
        invariant(rule.interval >= 1, "interval \(rule.interval)")
    }
    let text = [
        "BEGIN:VCALENDAR", "BEGIN:VEVENT", "DTSTART\(dtstart)", "DURATION:PT2H", "RRULE:\(rrule)", "END:VEVENT",
        "END:VCALENDAR", "",
    ].joined(separator: "\r\n")
    guard let calendar = try? MaintenanceCalendar.parse(text, source: "fuzz.ics"),
        let event = calendar.events.first, let rule = event.recurrence
    else { return 0 }
    let start = event.start.time
    let horizon = start.adding(days: 3660)
    var previous: LocalDateTime?
    var produced = 0
    for wall in RecurrenceExpansion(rule: rule, start: start, horizon: horizon).prefix(2000) {
        invariant(wall.isValid, "invalid occurrence \(wall)")
        invariant(wall >= start, "occurrence \(wall) before DTSTART \(start)")
        if let previous { invariant(previous < wall, "occurrences not increasing: \(previous) then \(wall)") }
        if let until = rule.until { invariant(wall <= until, "occurrence \(wall) after UNTIL \(until)") }
        previous = wall
        produced += 1
    }
    if let count = rule.count { invariant(produced <= count, "\(produced) occurrences for COUNT=\(count)") }
    CalendarChecks.exercise(calendar, zoneSelector: size)
    return 0
}

runFuzzer(fuzzRRULE)
