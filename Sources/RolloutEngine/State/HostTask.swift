import Foundation

/// One host's part of a rollout: leased to the host's agent with an attempt number that fences
/// out late reports of earlier attempts.
public struct HostTask: Sendable, Hashable, Codable {
    /// Where the task is.
    public enum State: String, Sendable, Hashable, Codable, CaseIterable {
        /// Waiting for its wave and its window.
        case pending
        /// Handed to the agent (a plan was queued) until the lease expires.
        case leased
        /// The plan applied and every check passed.
        case succeeded
        /// The plan failed (the agent may have rolled the host back by itself).
        case failed
        /// Rolled back on the rollout's order after its wave failed.
        case rolledBack = "rolled-back"
        /// Never run (the rollout stopped first).
        case skipped

        /// Whether the task is over.
        public var isTerminal: Bool { self != .pending && self != .leased }
    }

    /// What the agent reported.
    public enum Outcome: String, Sendable, Hashable, Codable {
        case completed, refused
        case rolledBack = "rolled-back"
        case rollbackFailed = "rollback-failed"
        case rebootLoop = "reboot-loop"
    }

    /// Host id.
    public var hostID: String
    /// Wave index.
    public var wave: Int
    /// State.
    public var state: State
    /// Attempt number: bumped on every lease; the fencing token.
    public var attempt: Int
    /// When the current lease runs out.
    public var leaseExpiresAt: Date?
    /// The plan id of the current attempt.
    public var planID: String?
    /// The planned start (inside the host's window; an estimate: the task starts when its wave runs
    /// and the host's window is open).
    public var notBefore: Date
    /// Why it failed, when it did.
    public var reason: String?
    /// Whether the failure was a post-check failure or a reboot loop (fails a canary at once).
    public var outcome: Outcome?

    /// Creates a pending task.
    public init(hostID: String, wave: Int, notBefore: Date) {
        self.hostID = hostID
        self.wave = wave
        self.state = .pending
        self.attempt = 0
        self.notBefore = notBefore
    }

    /// Leases the task for a new attempt until `until`.
    public mutating func lease(planID: String, until: Date) throws {
        guard state == .pending else {
            throw RolloutEngineError(
                .illegalTransition,
                field: "state",
                "task for \(hostID) is \(state.rawValue), not pending"
            )
        }
        attempt += 1
        state = .leased
        self.planID = planID
        leaseExpiresAt = until
    }

    /// Applies an agent's report for `attempt`: a report of an older attempt is refused.
    public mutating func report(attempt reported: Int, outcome: Outcome, reason: String?) throws {
        guard reported == attempt else {
            throw RolloutEngineError(
                .staleAttempt,
                field: "attempt",
                "report for attempt \(reported) of \(hostID), the current attempt is \(attempt)"
            )
        }
        guard state == .leased else {
            throw RolloutEngineError(
                .illegalTransition,
                field: "state",
                "task for \(hostID) is \(state.rawValue), not leased"
            )
        }
        self.outcome = outcome
        self.reason = reason
        state = outcome == .completed ? .succeeded : .failed
        leaseExpiresAt = nil
    }

    /// A lease that ran out without a report: the task fails (the host may be stuck or offline;
    /// a person decides whether to retry). Returns whether it expired.
    public mutating func expireLease(at now: Date) -> Bool {
        guard state == .leased, let until = leaseExpiresAt, now >= until else { return false }
        state = .failed
        reason =
            "no report before the lease ran out at \(ISO8601DateFormatter().string(from: until)) (attempt \(attempt))"
        leaseExpiresAt = nil
        return true
    }
}
