import Foundation

/// What a baseline decided for one update, and which rule decided it.
public struct BaselineDecision: Sendable, Hashable, CustomStringConvertible {
    /// The outcome.
    public enum Outcome: Sendable, Hashable {
        /// Approved since the date.
        case approved(since: Date)
        /// Not yet approved; becomes approved at the date.
        case pending(until: Date)
        /// Rejected.
        case rejected
    }

    /// The outcome.
    public var outcome: Outcome
    /// The deciding rule: a rule name, `approved-packages`, `rejected-packages` or `no-matching-rule`.
    public var rule: String

    /// Creates a decision.
    public init(outcome: Outcome, rule: String) {
        self.outcome = outcome
        self.rule = rule
    }

    /// Whether the update may be installed now.
    public var isApproved: Bool {
        if case .approved = outcome { return true }
        return false
    }

    public var description: String {
        switch outcome {
        case .approved(let since): "approved since \(since.formatted(.iso8601)) by \(rule)"
        case .pending(let until): "pending until \(until.formatted(.iso8601)) by \(rule)"
        case .rejected: "rejected by \(rule)"
        }
    }
}
