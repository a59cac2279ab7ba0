/// How long each occurrence of an event lasts, as RFC 5545 measures it: whole days and weeks are
/// nominal — added in wall-clock time, so a day across a DST change lasts 23 or 25 hours — and
/// hours, minutes and seconds are exact elapsed time (§3.3.6). `DURATION:P1DT2H` is one nominal
/// day, then two exact hours; `DTEND` gives every occurrence the exact time between DTSTART and
/// DTEND (§3.8.5.3), or whole nominal days between two DATE values.
public struct OccurrenceLength: Sendable, Hashable {
    /// Nominal days (weeks count as seven).
    public var nominalDays: Int
    /// Exact seconds, after the nominal days.
    public var exactSeconds: Int

    /// Creates a length.
    public init(nominalDays: Int = 0, exactSeconds: Int = 0) {
        self.nominalDays = nominalDays
        self.exactSeconds = exactSeconds
    }

    /// The end instant (seconds since the epoch) of an occurrence whose wall-clock start is
    /// `wallStart` in `resolver`'s zone and whose start instant is `startEpochSecond`: the days
    /// added to the wall start (resolved with the same DST rule as a start), then the exact seconds.
    public func endEpochSecond(wallStart: LocalDateTime, startEpochSecond: Int, resolver: WallClockResolver) -> Int {
        let afterDays =
            nominalDays == 0 ? startEpochSecond : resolver.resolveEpochSecond(wallStart.adding(days: nominalDays))
        return afterDays + exactSeconds
    }

    /// At most how far the end lies after the wall start in wall-clock terms, for cheap skipping:
    /// the days and seconds plus a day for any DST shift on the way.
    var wallUpperBoundSeconds: Int { (nominalDays + 1) * 86_400 + exactSeconds }
}
