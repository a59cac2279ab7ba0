import Foundation
import PatchPolicy

/// Uses a parsed maintenance calendar the way the rollout planner and the change service do.
public enum CalendarChecks {
    /// 2026-01-01T00:00:00Z: the fixed "now" of every run.
    public static let now = Date(timeIntervalSince1970: 1_767_225_600)

    /// Host zones tried in turn (floating and DATE values are read in the host's zone).
    public static let zones = [
        TimeZone.gmt, TimeZone(identifier: "America/New_York")!, TimeZone(identifier: "Asia/Kolkata")!,
    ]

    /// Exports and re-parses the calendar (the export promises equal events), then asks the
    /// schedule for the next occurrences and for a fit, with the default horizon.
    public static func exercise(_ calendar: MaintenanceCalendar, zoneSelector: Int) {
        let exported = calendar.icalendarText
        do {
            let again = try MaintenanceCalendar.parse(exported, source: "export.ics")
            invariant(
                withoutLines(again.events) == withoutLines(calendar.events),
                "export does not parse back to the same events:\n\(exported)"
            )
            invariant(calendar.productID == nil || again.productID == calendar.productID, "PRODID changed")
        } catch {
            invariant(false, "exported calendar does not parse: \(error)\n\(exported)")
        }
        let zone = zones[zoneSelector % zones.count]
        let schedule = MaintenanceSchedule(calendar: calendar, hostTimeZone: zone)
        if let slots = try? schedule.nextOccurrences(after: now, count: 16) {
            invariant(slots.count <= 16, "more occurrences than asked for")
            for slot in slots {
                invariant(slot.start >= now, "occurrence \(slot.start) before \(now)")
            }
            for (a, b) in zip(slots, slots.dropFirst()) {
                invariant(a.start <= b.start, "occurrences out of order: \(a.start) then \(b.start)")
            }
        }
        if let fit = try? schedule.nextFit(after: now, duration: 3600) {
            invariant(fit.changeStart >= now, "fit starts before now")
            invariant(fit.changeEnd <= fit.slot.usableEnd, "fit ends after the usable end")
            invariant(fit.changeStart >= fit.slot.start, "fit starts before its slot")
        }
    }

    static func withoutLines(_ events: [CalendarEvent]) -> [CalendarEvent] {
        events.map { event in
            var copy = event
            copy.line = 0
            return copy
        }
    }
}
