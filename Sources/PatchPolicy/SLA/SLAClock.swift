import Foundation
import SecurityAdvisories

/// Computes due dates and states for findings under one ``SLAProfile``. Pure: the evaluation
/// instant is a parameter.
public struct SLAClock: Sendable {
    /// The profile.
    public let profile: SLAProfile
    private let dueSoonSeconds: TimeInterval
    /// Seconds allowed per severity (in `Severity.allCases` order), -1 when not covered: a table
    /// instead of dictionary lookups, since fleets evaluate millions of findings at once.
    private let allowances: [TimeInterval]

    /// Creates a clock for a profile.
    public init(profile: SLAProfile) {
        self.profile = profile
        self.dueSoonSeconds = TimeInterval(profile.dueSoonDays) * 86_400
        self.allowances = Severity.allCases.map { severity in
            profile.deadlines[severity].map { TimeInterval($0) * 86_400 } ?? -1
        }
    }

    private func allowance(severity: Severity, tier: String?) -> TimeInterval? {
        if !profile.tierDeadlines.isEmpty, let tier, let days = profile.tierDeadlines[tier]?[severity] {
            return TimeInterval(days) * 86_400
        }
        let seconds = allowances[Self.index(severity)]
        return seconds < 0 ? nil : seconds
    }

    private static func index(_ severity: Severity) -> Int {
        switch severity {
        case .unknown: 0
        case .none: 1
        case .low: 2
        case .medium: 3
        case .high: 4
        case .critical: 5
        }
    }

    /// Evaluates one finding at `now`.
    ///
    /// - Parameters:
    ///   - item: the finding's facts.
    ///   - pauses: intervals during which exceptions covered the finding; the clock does not run
    ///     during them, so their overlap with the running clock is added to the deadline.
    ///   - now: the evaluation instant.
    public func evaluate(_ item: SLAItem, pauses: [DateInterval] = [], now: Date) -> SLAStatus {
        let kevDue = item.knownExploited ? item.kevDueDate : nil
        if profile.coverage == .knownExploitedOnly && kevDue == nil { return .notCovered }
        let start: Date =
            switch profile.clockStart {
            case .publication: item.published ?? item.firstDetected
            case .firstDetection: item.firstDetected
            }
        var unpausedDue: Date?
        if let seconds = allowance(severity: item.severity, tier: item.tier) {
            unpausedDue = start.addingTimeInterval(seconds)
        }
        if profile.useKEVDueDate, let kevDue {
            unpausedDue = min(unpausedDue ?? kevDue, kevDue)
        }
        guard let unpausedDue else { return .notCovered }
        // Scheduled pauses count in full (the due date shows when the finding falls due once the
        // exception lapses); after a fix, later pauses no longer matter.
        let end = item.fixedAt ?? .distantFuture
        let due = pauses.isEmpty ? unpausedDue : Self.extend(start: start, due: unpausedDue, pauses: pauses, until: end)
        let paused = due.timeIntervalSince(unpausedDue)
        if let fixedAt = item.fixedAt {
            let met = fixedAt <= due
            return SLAStatus(
                clockStarted: start,
                dueDate: due,
                state: met ? .onTime : .overdue,
                met: met,
                pausedSeconds: paused
            )
        }
        let state: SLAState
        if !pauses.isEmpty && pauses.contains(where: { $0.start <= now && now < $0.end }) {
            state = .excepted
        } else if now > due {
            state = .overdue
        } else if due.timeIntervalSince(now) <= dueSoonSeconds {
            state = .dueSoon
        } else {
            state = .onTime
        }
        return SLAStatus(clockStarted: start, dueDate: due, state: state, met: nil, pausedSeconds: paused)
    }

    /// The due date once paused intervals are skipped: the clock runs from `start` for
    /// `due - start` seconds of unpaused time. Pauses after `until` (a fix) are ignored.
    static func extend(start: Date, due: Date, pauses: [DateInterval], until: Date) -> Date {
        var remaining = due.timeIntervalSince(start)
        if remaining <= 0 { return due }
        var intervals = pauses.compactMap { interval -> (Date, Date)? in
            let lower = max(interval.start, start)
            let upper = min(interval.end, until)
            return lower < upper ? (lower, upper) : nil
        }
        intervals.sort { $0.0 < $1.0 }
        var cursor = start
        for (lower, upper) in intervals {
            if upper <= cursor { continue }
            let running = max(0, lower.timeIntervalSince(cursor))
            if running >= remaining { break }
            remaining -= running
            cursor = max(cursor, upper)
        }
        return cursor.addingTimeInterval(remaining)
    }
}
