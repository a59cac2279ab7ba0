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

    /// The wall-clock length of each occurrence in seconds: DURATION, or DTEND − DTSTART in wall
    /// time (both read in DTSTART's zone), or one day for a DATE without either, else zero.
    public func wallDurationSeconds(host: String) -> Int {
        if let duration { return duration.totalSeconds }
        guard let end else { return start.isDate ? 86_400 : 0 }
        if end.anchor == start.anchor { return end.time.secondsSinceEpochAsUTC - start.time.secondsSinceEpochAsUTC }
        guard let startZone = try? WallClockResolver(identifier: start.zoneIdentifier(host: host)),
            let endZone = try? WallClockResolver(identifier: end.zoneIdentifier(host: host))
        else { return 0 }
        let endWall = startZone.wallTime(atEpochSecond: endZone.resolveEpochSecond(end.time))
        return endWall.secondsSinceEpochAsUTC - start.time.secondsSinceEpochAsUTC
    }
}
