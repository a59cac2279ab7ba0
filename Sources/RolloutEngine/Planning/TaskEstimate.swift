import Foundation

/// How long one host's task is expected to take, and where that figure comes from: the request,
/// the measured durations of recent plans, or the built-in default.
public struct TaskEstimate: Sendable, Hashable, Codable {
    /// Where the estimate comes from.
    public enum Source: String, Sendable, Hashable, Codable {
        /// The request said (`taskMinutes`).
        case request
        /// The ``percentile`` of recently measured plan durations.
        case measured
        /// Too few measurements: the built-in default.
        case `default`
    }

    /// Whole minutes (at least 1).
    public var minutes: Int
    /// Where it comes from.
    public var source: Source
    /// How many measured durations were looked at (none when the request gave the duration).
    public var measurements: Int

    /// The estimate without a request or enough measurements.
    public static let defaultMinutes = 30
    /// Fewer measurements than this are not trusted: the default is used.
    public static let minimumMeasurements = 5
    /// The share of measured plans the estimate covers: most plans fit, a slow one does not set it.
    public static let percentile = 0.9
    /// The longest estimate (a week, as `taskMinutes` allows).
    public static let maximumMinutes = 7 * 24 * 60

    /// Creates an estimate.
    public init(minutes: Int, source: Source, measurements: Int) {
        self.minutes = minutes
        self.source = source
        self.measurements = measurements
    }

    /// The estimate for a request: its `taskMinutes` when given, else the ``percentile`` of the
    /// measured durations (seconds) rounded up to whole minutes, else ``defaultMinutes``.
    ///
    /// Measurements that are not finite or are negative are ignored; the result is clamped to
    /// `1...maximumMinutes`.
    public static func choose(requested minutes: Int?, measured durations: [TimeInterval]) -> TaskEstimate {
        let usable = durations.filter { $0.isFinite && $0 >= 0 }
        if let minutes {
            return TaskEstimate(
                minutes: min(max(1, minutes), maximumMinutes),
                source: .request,
                measurements: usable.count
            )
        }
        guard usable.count >= minimumMeasurements else {
            return TaskEstimate(minutes: defaultMinutes, source: .default, measurements: usable.count)
        }
        // Nearest rank: the smallest duration at least `percentile` of the measurements do not exceed.
        let sorted = usable.sorted()
        let rank = Int((percentile * Double(sorted.count)).rounded(.up))
        let seconds = min(sorted[min(sorted.count, max(1, rank)) - 1], Double(maximumMinutes * 60))
        let minutes = Int((seconds / 60).rounded(.up))
        return TaskEstimate(
            minutes: min(max(1, minutes), maximumMinutes),
            source: .measured,
            measurements: usable.count
        )
    }

    /// The duration in seconds.
    public var duration: TimeInterval { TimeInterval(minutes * 60) }
}
