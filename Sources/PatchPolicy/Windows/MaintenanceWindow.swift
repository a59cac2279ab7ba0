import Foundation

/// A named maintenance window (or, with an event of kind `.freeze`, a change freeze).
public struct MaintenanceWindow: Sendable, Hashable {
    /// The window's name (SUMMARY, else UID, else "event at line N").
    public var name: String
    /// The calendar event that defines its occurrences.
    public var event: CalendarEvent
    /// Minutes before each occurrence's end after which no change may start.
    public var cutoffMinutes: Int

    /// Creates a window; `cutoffMinutes` defaults to the event's X-PATCHPILOT-CUTOFF, else 0.
    public init(name: String, event: CalendarEvent, cutoffMinutes: Int? = nil) {
        self.name = name
        self.event = event
        self.cutoffMinutes = cutoffMinutes ?? event.cutoffMinutes ?? 0
    }

    /// Creates a window from an event, naming it after its SUMMARY or UID.
    public init(event: CalendarEvent) {
        self.init(name: event.summary ?? event.uid ?? "event at line \(event.line)", event: event)
    }

    /// Whether this is a change freeze.
    public var isFreeze: Bool { event.kind == .freeze }
}

/// An occurrence of a named window, with the latest time a change may still start.
public struct ScheduledOccurrence: Sendable, Hashable {
    /// The window's name.
    public var windowName: String
    /// The occurrence.
    public var occurrence: WindowOccurrence
    /// `end − cutoff`: no change may start or still run after this.
    public var usableEnd: Date

    /// Start instant.
    public var start: Date { occurrence.start }
    /// End instant.
    public var end: Date { occurrence.end }
}

/// A fit found by ``MaintenanceSchedule/nextFit(after:duration:)``.
public struct WindowFit: Sendable, Hashable {
    /// The occurrence the change fits in.
    public var slot: ScheduledOccurrence
    /// When the change can start: the occurrence's start, or `after` if the window is already open.
    public var changeStart: Date
    /// `changeStart + duration`.
    public var changeEnd: Date
}

/// Windows and freezes for one host: which occurrences are usable, and where a change fits.
///
/// An occurrence is usable only if it overlaps no freeze occurrence (freezes always win; an
/// occurrence touching a freeze only at an end point is usable). Searches stop `horizonDays` after
/// `after` or after `maxOccurrences` window occurrences, whichever comes first, so neither a rule
/// that never matches nor one that matches every minute (a window too short for any change) can
/// keep a search going for long.
public struct MaintenanceSchedule: Sendable {
    /// Windows.
    public var windows: [MaintenanceWindow]
    /// Freezes.
    public var freezes: [MaintenanceWindow]
    /// The host's zone: floating and DATE values are read in it.
    public var hostTimeZone: TimeZone
    /// How far past `after` to look (default 3,660 days).
    public var horizonDays = 3660
    /// How many window occurrences a search visits at most (default 20,000: ten years of five daily
    /// windows, or two weeks of a minutely rule).
    public var maxOccurrences = 20_000

    /// Creates a schedule.
    public init(windows: [MaintenanceWindow], freezes: [MaintenanceWindow], hostTimeZone: TimeZone) {
        self.windows = windows
        self.freezes = freezes
        self.hostTimeZone = hostTimeZone
    }

    /// Creates a schedule from a calendar: freeze events become freezes, the rest windows.
    public init(calendar: MaintenanceCalendar, hostTimeZone: TimeZone) {
        let all = calendar.events.map(MaintenanceWindow.init(event:))
        self.init(windows: all.filter { !$0.isFreeze }, freezes: all.filter(\.isFreeze), hostTimeZone: hostTimeZone)
    }

    /// The next `count` usable occurrences whose start is at or after `after`, in start order; with
    /// `includeOpen`, first the one open at `after` (started before it, not yet ended), if any.
    public func nextOccurrences(
        after: Date,
        count: Int,
        includeOpen: Bool = false
    ) throws(PatchPolicyError) -> [ScheduledOccurrence] {
        var result: [ScheduledOccurrence] = []
        try search(after: after, includeOpen: includeOpen) { slot in
            result.append(slot)
            return result.count >= count
        }
        return result
    }

    /// The first usable occurrence in which a change of `duration` seconds fits: it starts at the
    /// occurrence's start (or at `after`, when the occurrence is already open) and ends by
    /// `end − cutoff`.
    public func nextFit(after: Date, duration: TimeInterval) throws(PatchPolicyError) -> WindowFit? {
        var fit: WindowFit?
        try search(after: after, includeOpen: true) { slot in
            let changeStart = max(slot.start, after)
            let changeEnd = changeStart.addingTimeInterval(duration)
            guard changeEnd <= slot.usableEnd else { return false }
            fit = WindowFit(slot: slot, changeStart: changeStart, changeEnd: changeEnd)
            return true
        }
        return fit
    }

    /// Visits usable occurrences in start order until `visit` returns true or the horizon is reached.
    private func search(
        after: Date,
        includeOpen: Bool,
        visit: (ScheduledOccurrence) -> Bool
    ) throws(PatchPolicyError) {
        let horizonDate = after.addingTimeInterval(TimeInterval(horizonDays) * 86_400)
        var iterators: [(window: MaintenanceWindow, sequence: EventOccurrences, next: WindowOccurrence?)] = []
        for window in windows {
            var sequence = try sequenceFor(window, after: after, horizon: horizonDate)
            let first = sequence.next()
            iterators.append((window, sequence, first))
        }
        var freezeSequences: [EventOccurrences] = []
        var freezePending: [WindowOccurrence?] = []
        for freeze in freezes {
            var sequence = try sequenceFor(freeze, after: after, horizon: horizonDate)
            freezePending.append(sequence.next())
            freezeSequences.append(sequence)
        }
        var freezeIntervals: [WindowOccurrence] = []
        var visited = 0
        while visited < maxOccurrences {
            visited += 1
            guard
                let index = iterators.indices.filter({ iterators[$0].next != nil }).min(by: {
                    iterators[$0].next!.start < iterators[$1].next!.start
                })
            else { return }
            let occurrence = iterators[index].next!
            iterators[index].next = iterators[index].sequence.next()
            if occurrence.start > horizonDate { return }
            let window = iterators[index].window
            guard occurrence.start >= after || (includeOpen && occurrence.end > after) else { continue }
            // Pull in every freeze occurrence that starts before this window occurrence ends.
            for f in freezeSequences.indices {
                while let pending = freezePending[f], pending.start < occurrence.end {
                    freezeIntervals.append(pending)
                    freezePending[f] = freezeSequences[f].next()
                }
            }
            // Occurrences come in start order: a freeze that ended by this start cannot overlap any later one.
            freezeIntervals.removeAll { $0.end <= occurrence.start }
            if freezeIntervals.contains(where: { $0.start < occurrence.end && $0.end > occurrence.start }) { continue }
            let usableEnd = occurrence.end.addingTimeInterval(-TimeInterval(window.cutoffMinutes * 60))
            if visit(ScheduledOccurrence(windowName: window.name, occurrence: occurrence, usableEnd: usableEnd)) {
                return
            }
        }
    }

    private func sequenceFor(
        _ window: MaintenanceWindow,
        after: Date,
        horizon: Date
    ) throws(PatchPolicyError) -> EventOccurrences {
        let host = hostTimeZone.identifier
        let zoneName = window.event.start.zoneIdentifier(host: host)
        let resolver =
            zoneName == host
            ? WallClockResolver(timeZone: hostTimeZone) : try WallClockResolver(identifier: zoneName)
        // Two days of slack cover any zone offset; the sequence itself compares exactly later.
        let notBefore = resolver.wallTime(of: after).adding(days: -2)
        let wallHorizon = resolver.wallTime(of: horizon).adding(days: 2)
        return try EventOccurrences(
            event: window.event,
            hostTimeZone: hostTimeZone,
            notBefore: notBefore,
            horizon: wallHorizon
        )
    }
}
