/// One VEVENT of a maintenance calendar: a window, or a change freeze.
public struct CalendarEvent: Sendable, Hashable {
    /// Whether the event opens a window or forbids changes.
    public enum Kind: String, Sendable, Hashable {
        /// A maintenance window: changes may run inside it.
        case window
        /// A change freeze (CATEGORIES:FREEZE or X-PATCHPILOT-KIND:freeze): no changes while it lasts.
        case freeze
    }

    /// UID.
    public var uid: String?
    /// SUMMARY (unescaped).
    public var summary: String?
    /// DTSTART.
    public var start: CalendarDateTime
    /// DTEND, when given.
    public var end: CalendarDateTime?
    /// DURATION, when given.
    public var duration: CalendarDuration?
    /// RRULE, when given.
    public var recurrence: RecurrenceRule?
    /// EXDATE values (all properties, all list items).
    public var exceptionDates: [CalendarDateTime] = []
    /// RDATE values (all properties, all list items).
    public var recurrenceDates: [CalendarDateTime] = []
    /// CATEGORIES values.
    public var categories: [String] = []
    /// Window or freeze.
    public var kind: Kind = .window
    /// X-PATCHPILOT-CUTOFF: minutes before the end after which no change may start.
    public var cutoffMinutes: Int?
    /// X-PATCHPILOT-OFFSET-DAYS: every occurrence is moved by this many days ("Patch Tuesday + 2").
    public var offsetDays = 0
    /// The line of BEGIN:VEVENT (0 for events built in code).
    public var line = 0

    /// Creates an event.
    public init(start: CalendarDateTime, duration: CalendarDuration? = nil, recurrence: RecurrenceRule? = nil) {
        self.start = start
        self.duration = duration
        self.recurrence = recurrence
    }

    /// How long each occurrence lasts (see ``OccurrenceLength``): DURATION (days nominal, time
    /// exact), or the exact time from DTSTART to DTEND (whole nominal days between two DATEs), or
    /// one nominal day for a DATE without either, else nothing.
    public func occurrenceLength(host: String) -> OccurrenceLength {
        if let duration {
            let sign = duration.isNegative ? -1 : 1
            return OccurrenceLength(nominalDays: sign * duration.days, exactSeconds: sign * duration.seconds)
        }
        guard let end else { return OccurrenceLength(nominalDays: start.isDate ? 1 : 0) }
        if start.isDate && end.isDate {
            return OccurrenceLength(nominalDays: end.time.dayNumber - start.time.dayNumber)
        }
        if start.anchor == .utc && end.anchor == .utc {
            return OccurrenceLength(exactSeconds: end.time.secondsSinceEpochAsUTC - start.time.secondsSinceEpochAsUTC)
        }
        guard let startZone = try? WallClockResolver(identifier: start.zoneIdentifier(host: host)),
            let endZone = try? WallClockResolver(identifier: end.zoneIdentifier(host: host))
        else { return OccurrenceLength() }
        return OccurrenceLength(
            exactSeconds: endZone.resolveEpochSecond(end.time) - startZone.resolveEpochSecond(start.time)
        )
    }
}
