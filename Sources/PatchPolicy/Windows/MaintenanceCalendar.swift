/// A parsed iCalendar (RFC 5545) document holding maintenance windows and freezes.
///
/// Read: VCALENDAR with VEVENTs (DTSTART, DTEND or DURATION, RRULE, EXDATE, RDATE, SUMMARY, UID,
/// CATEGORIES, X-PATCHPILOT-KIND, X-PATCHPILOT-CUTOFF, X-PATCHPILOT-OFFSET-DAYS). VTIMEZONE
/// components are skipped: a TZID is read as an IANA zone name and resolved with the system tz
/// database, which is more accurate than a calendar's embedded rules. VALARM and other components
/// are skipped; unknown properties are ignored.
public struct MaintenanceCalendar: Sendable, Hashable {
    /// The events, in document order.
    public var events: [CalendarEvent]
    /// PRODID, when given.
    public var productID: String?

    /// Creates a calendar.
    public init(events: [CalendarEvent], productID: String? = nil) {
        self.events = events
        self.productID = productID
    }

    /// Parses a document; errors name `source`, the line and the property (`.invalidCalendar`,
    /// `.invalidRecurrence`, `.invalidTimeZone`).
    public static func parse(
        _ text: String,
        source: String = "calendar.ics"
    ) throws(PatchPolicyError)
        -> MaintenanceCalendar
    {
        let lines = try ContentLine.parseAll(text, source: source)
        var calendar = MaintenanceCalendar(events: [])
        var stack: [(name: String, line: Int)] = []
        var eventLines: [ContentLine] = []
        var eventStart = 0
        var sawCalendar = false
        for line in lines {
            func fail(_ message: String) -> PatchPolicyError {
                PatchPolicyError(
                    code: .invalidCalendar,
                    source: source,
                    line: line.line,
                    field: line.name,
                    message: message
                )
            }
            switch line.name {
            case "BEGIN":
                let component = line.value.uppercased()
                guard !component.isEmpty else { throw fail("BEGIN needs a component name") }
                if stack.isEmpty {
                    guard component == "VCALENDAR" else { throw fail("expected BEGIN:VCALENDAR, got \(line.value)") }
                    sawCalendar = true
                }
                if component == "VCALENDAR" && !stack.isEmpty { throw fail("nested VCALENDAR") }
                if component == "VEVENT" {
                    guard stack.count == 1 else { throw fail("VEVENT must sit directly in VCALENDAR") }
                    eventLines = []
                    eventStart = line.line
                }
                stack.append((component, line.line))
            case "END":
                guard let open = stack.last else { throw fail("END:\(line.value) without BEGIN") }
                guard open.name == line.value.uppercased() else {
                    throw fail("END:\(line.value) does not close BEGIN:\(open.name) of line \(open.line)")
                }
                stack.removeLast()
                if open.name == "VEVENT" {
                    calendar.events.append(try EventReader.read(eventLines, beginLine: eventStart, source: source))
                }
            default:
                guard !stack.isEmpty else { throw fail("property outside BEGIN:VCALENDAR … END:VCALENDAR") }
                if stack.count == 2 && stack[1].name == "VEVENT" {
                    eventLines.append(line)
                } else if stack.count == 1 && line.name == "PRODID" {
                    calendar.productID = line.value
                }
            }
        }
        if let open = stack.last {
            throw PatchPolicyError(
                code: .invalidCalendar,
                source: source,
                line: open.line,
                field: "BEGIN",
                message: "BEGIN:\(open.name) is never closed"
            )
        }
        guard sawCalendar else {
            throw PatchPolicyError(
                code: .invalidCalendar,
                source: source,
                line: lines.first?.line ?? 1,
                message: "no BEGIN:VCALENDAR found"
            )
        }
        return calendar
    }
}
