/// Writing a ``MaintenanceCalendar`` back to iCalendar text.
extension MaintenanceCalendar {
    /// The document as RFC 5545 text (CRLF line ends, lines folded at 75 octets). Parsing the result
    /// gives back an equal calendar (apart from `line` numbers).
    public var icalendarText: String {
        var out = TextValue.fold("BEGIN:VCALENDAR")
        out += TextValue.fold("VERSION:2.0")
        out += TextValue.fold("PRODID:\(productID ?? "-//PatchPilot//Maintenance Windows//EN")")
        for event in events { out += event.icalendarText }
        out += TextValue.fold("END:VCALENDAR")
        return out
    }
}

extension CalendarEvent {
    /// The VEVENT as RFC 5545 text.
    public var icalendarText: String {
        var lines = ["BEGIN:VEVENT"]
        if let uid { lines.append("UID:\(TextValue.escape(uid))") }
        if let summary { lines.append("SUMMARY:\(TextValue.escape(summary))") }
        lines.append("DTSTART\(start.propertySuffix)")
        if let end { lines.append("DTEND\(end.propertySuffix)") }
        if let duration { lines.append("DURATION:\(duration)") }
        if let recurrence { lines.append("RRULE:\(recurrence.exportText(start: start))") }
        for date in recurrenceDates { lines.append("RDATE\(date.propertySuffix)") }
        for date in exceptionDates { lines.append("EXDATE\(date.propertySuffix)") }
        if !categories.isEmpty { lines.append("CATEGORIES:\(categories.map(TextValue.escape).joined(separator: ","))") }
        if kind == .freeze && !categories.contains(where: { $0.uppercased() == "FREEZE" }) {
            lines.append("X-PATCHPILOT-KIND:freeze")
        }
        if let cutoffMinutes { lines.append("X-PATCHPILOT-CUTOFF:\(cutoffMinutes)") }
        if offsetDays != 0 { lines.append("X-PATCHPILOT-OFFSET-DAYS:\(offsetDays)") }
        lines.append("END:VEVENT")
        return lines.map(TextValue.fold).joined()
    }
}

extension RecurrenceRule {
    /// The RRULE text for export: a zoned rule whose UNTIL was given in UTC gets it back in UTC.
    func exportText(start: CalendarDateTime) -> String {
        guard let until, untilIsUTC, case .zone(let zone) = start.anchor,
            let resolver = try? WallClockResolver(identifier: zone)
        else { return description }
        var copy = self
        copy.until = LocalDateTime(secondsSinceEpochAsUTC: resolver.resolveEpochSecond(until))
        return copy.description
    }
}
