import Foundation

/// One occurrence of an event, resolved to instants.
public struct WindowOccurrence: Sendable, Hashable {
    /// The wall-clock start in the event's zone, before DST resolution (after the offset in days).
    public var wallStart: LocalDateTime
    /// The wall-clock end in the same zone (the end instant read on the zone's clock).
    public var wallEnd: LocalDateTime
    /// The start instant (`wallStart` resolved with the DST rule).
    public var start: Date
    /// The end instant: the event's nominal days added to `wallStart`, resolved with the same rule,
    /// plus its exact seconds (``OccurrenceLength``).
    public var end: Date
    /// The zone the wall times are in.
    public var timeZoneIdentifier: String

    /// Creates an occurrence.
    public init(wallStart: LocalDateTime, wallEnd: LocalDateTime, start: Date, end: Date, timeZoneIdentifier: String) {
        self.wallStart = wallStart
        self.wallEnd = wallEnd
        self.start = start
        self.end = end
        self.timeZoneIdentifier = timeZoneIdentifier
    }
}

/// The occurrences of one event in start order: RRULE (dateutil semantics) merged with RDATE, minus
/// EXDATE, each moved by `offsetDays`, then resolved in the event's zone (floating and DATE values
/// in the host's zone).
public struct EventOccurrences: Sequence, IteratorProtocol {
    private var rule: RecurrenceExpansion?
    private var ruleNext: LocalDateTime?
    private var singleStart: LocalDateTime?
    private var extra: [LocalDateTime]
    private var extraIndex = 0
    private let excludedInstants: Set<Int>
    private let excludedDays: Set<Int>
    private let resolver: WallClockResolver
    private let length: OccurrenceLength
    private let offsetDays: Int
    private let notBefore: LocalDateTime?
    private let horizon: LocalDateTime?
    private var last: LocalDateTime?

    /// Creates the sequence. `notBefore` (a wall time in the event's zone) lets the caller skip old
    /// occurrences cheaply; `horizon` stops the expansion of open-ended rules.
    public init(
        event: CalendarEvent,
        hostTimeZone: TimeZone,
        notBefore: LocalDateTime? = nil,
        horizon: LocalDateTime? = nil
    ) throws(PatchPolicyError) {
        let host = hostTimeZone.identifier
        let zoneName = event.start.zoneIdentifier(host: host)
        let resolver =
            zoneName == host
            ? WallClockResolver(timeZone: hostTimeZone) : try WallClockResolver(identifier: zoneName, line: event.line)
        self.resolver = resolver
        length = event.occurrenceLength(host: host)
        offsetDays = event.offsetDays
        self.notBefore = notBefore
        self.horizon = horizon
        if let recurrence = event.recurrence {
            let ruleHorizon = horizon.map { $0.adding(days: -event.offsetDays + 1) }
            var expansion = RecurrenceExpansion(rule: recurrence, start: event.start.time, horizon: ruleHorizon)
            ruleNext = expansion.next()
            rule = expansion
        } else {
            singleStart = event.start.time
        }
        func wall(_ value: CalendarDateTime) throws(PatchPolicyError) -> LocalDateTime {
            if value.anchor == event.start.anchor || value.isDate || value.anchor == .floating { return value.time }
            let other = try WallClockResolver(identifier: value.zoneIdentifier(host: host), line: event.line)
            return resolver.wallTime(atEpochSecond: other.resolveEpochSecond(value.time))
        }
        var extra: [LocalDateTime] = []
        for date in event.recurrenceDates {
            var time = try wall(date)
            if date.isDate && !event.start.isDate {
                time.hour = event.start.time.hour
                time.minute = event.start.time.minute
                time.second = event.start.time.second
            }
            extra.append(time)
        }
        self.extra = extra.sorted()
        var instants = Set<Int>()
        var days = Set<Int>()
        for date in event.exceptionDates {
            if date.isDate {
                days.insert(date.time.dayNumber)
            } else {
                instants.insert(resolver.resolveEpochSecond(try wall(date)))
            }
        }
        excludedInstants = instants
        excludedDays = days
    }

    /// The next occurrence, or nil.
    public mutating func next() -> WindowOccurrence? {
        while let base = nextBase() {
            if let horizon, base > horizon { return nil }
            if let last, base == last { continue }
            last = base
            if let notBefore, base.adding(days: offsetDays, seconds: length.wallUpperBoundSeconds) < notBefore {
                continue
            }
            if excludedDays.contains(base.dayNumber) { continue }
            let baseInstant = resolver.resolveEpochSecond(base)
            if excludedInstants.contains(baseInstant) { continue }
            let wallStart = base.adding(days: offsetDays)
            let startSecond = resolver.resolveEpochSecond(wallStart)
            let endSecond = length.endEpochSecond(
                wallStart: wallStart,
                startEpochSecond: startSecond,
                resolver: resolver
            )
            return WindowOccurrence(
                wallStart: wallStart,
                wallEnd: resolver.wallTime(atEpochSecond: endSecond),
                start: Date(timeIntervalSince1970: TimeInterval(startSecond)),
                end: Date(timeIntervalSince1970: TimeInterval(endSecond)),
                timeZoneIdentifier: resolver.timeZone.identifier
            )
        }
        return nil
    }

    /// The next base (pre-offset) wall start from the rule, DTSTART or RDATE, in order.
    private mutating func nextBase() -> LocalDateTime? {
        let fromRule = rule != nil ? ruleNext : singleStart
        let fromExtra = extraIndex < extra.count ? extra[extraIndex] : nil
        switch (fromRule, fromExtra) {
        case (nil, nil): return nil
        case (let r?, let x?) where x < r:
            extraIndex += 1
            return x
        case (nil, let x?):
            extraIndex += 1
            return x
        case (let r?, _):
            if rule != nil {
                ruleNext = rule?.next()
            } else {
                singleStart = nil
            }
            return r
        }
    }
}
