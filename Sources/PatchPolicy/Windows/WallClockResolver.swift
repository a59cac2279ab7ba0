import Foundation

/// Turns wall-clock times into instants in a zone, with the project's DST rule (docs/windows.md).
///
/// - A wall time that does not exist (spring-forward gap) is moved forward by the length of the gap:
///   it is read with the offset in force *before* the transition (America/New_York 2025-03-09 02:30
///   becomes 03:30 EDT).
/// - A wall time that exists twice (fall-back) takes the first, earlier instant (01:30 EDT on
///   2025-11-02 in New York, not 01:30 EST).
///
/// This is what PEP 495 `fold=0` does with python's `zoneinfo`, which the oracle checks. Zones come
/// from Foundation's `TimeZone(identifier:)` (the system tz database); nothing here reads a clock.
public struct WallClockResolver: Sendable {
    /// The zone.
    public let timeZone: TimeZone

    /// Creates a resolver for a zone.
    public init(timeZone: TimeZone) { self.timeZone = timeZone }

    /// Creates a resolver for a zone identifier, or throws `.invalidTimeZone` naming it.
    public init(
        identifier: String,
        source: String = "TZID",
        line: Int? = nil,
        field: String? = "TZID"
    )
        throws(PatchPolicyError)
    {
        guard let zone = TimeZone(identifier: identifier) else {
            throw PatchPolicyError(
                code: .invalidTimeZone,
                source: source,
                line: line,
                field: field,
                message: "unknown time zone '\(identifier)' (expected an IANA name such as Europe/Berlin)"
            )
        }
        self.timeZone = zone
    }

    /// The offset from UTC, in seconds, in force at an instant.
    public func offset(atEpochSecond second: Int) -> Int {
        timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(second)))
    }

    /// The instant of a wall time, resolved with the gap/overlap rule above.
    public func resolve(_ wall: LocalDateTime) -> Date {
        Date(timeIntervalSince1970: TimeInterval(resolveEpochSecond(wall)))
    }

    /// Seconds since 1970 of a wall time, resolved with the gap/overlap rule above.
    public func resolveEpochSecond(_ wall: LocalDateTime) -> Int {
        let naive = wall.secondsSinceEpochAsUTC
        let before = offset(atEpochSecond: naive - 86_400)
        let after = offset(atEpochSecond: naive + 86_400)
        let earlier = naive - max(before, after)
        let later = naive - min(before, after)
        // The earlier candidate (larger offset) first: in an overlap both are valid and it wins.
        if offset(atEpochSecond: earlier) == naive - earlier { return earlier }
        if offset(atEpochSecond: later) == naive - later { return later }
        // Neither is valid: a gap. Use the offset before the transition.
        return naive - before
    }

    /// The wall time of an instant in this zone.
    public func wallTime(atEpochSecond second: Int) -> LocalDateTime {
        LocalDateTime(secondsSinceEpochAsUTC: second + offset(atEpochSecond: second))
    }

    /// The wall time of an instant in this zone.
    public func wallTime(of date: Date) -> LocalDateTime {
        wallTime(atEpochSecond: Int(date.timeIntervalSince1970.rounded(.down)))
    }

    /// Whether the wall time falls in a spring-forward gap or a fall-back overlap.
    public func isAffectedByTransition(_ wall: LocalDateTime) -> Bool {
        let naive = wall.secondsSinceEpochAsUTC
        let before = offset(atEpochSecond: naive - 86_400)
        let after = offset(atEpochSecond: naive + 86_400)
        guard before != after else { return false }
        let resolved = resolveEpochSecond(wall)
        if wallTime(atEpochSecond: resolved) != wall { return true }
        let later = naive - min(before, after)
        return later != resolved && offset(atEpochSecond: later) == naive - later
    }

    /// RFC 3339 text of an instant with this zone's offset, e.g. `2025-03-11T22:00:00-04:00`.
    public func rfc3339(epochSecond second: Int) -> String {
        let offset = offset(atEpochSecond: second)
        let wall = LocalDateTime(secondsSinceEpochAsUTC: second + offset)
        let sign = offset < 0 ? "-" : "+"
        let magnitude = abs(offset)
        return wall.description + sign + LocalDateTime.pad(magnitude / 3600, 2) + ":"
            + LocalDateTime.pad(magnitude / 60 % 60, 2)
    }

    /// RFC 3339 text of a date with this zone's offset.
    public func rfc3339(_ date: Date) -> String { rfc3339(epochSecond: Int(date.timeIntervalSince1970.rounded(.down))) }
}
