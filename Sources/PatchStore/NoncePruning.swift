import Foundation
import Synchronization

/// Spaces out the deletion of expired agent nonces: one process claims a prune at
/// most once per ``interval``.
final class NoncePruning: Sendable {
    /// The least time between two prunes of one process.
    static let interval: TimeInterval = 10
    private let last = Mutex<Date?>(nil)

    /// Whether a prune is due at `now` (and, if so, records that it runs now).
    func claim(now: Date) -> Bool {
        last.withLock { last in
            if let previous = last, now.timeIntervalSince(previous) < Self.interval, now >= previous { return false }
            last = now
            return true
        }
    }
}
