import Foundation

/// An accepted risk: findings in ``scope`` may stay unpatched until ``expires``, with a reason and
/// a compensating control, owned by one person and approved by another.
///
/// While active, the exception pauses SLA clocks for its scope (the paused time is added to the
/// deadline); at ``expires`` it lapses by itself.
public struct PolicyException: Sendable, Hashable {
    /// A stable identifier (`EXC-2026-014`).
    public var id: String
    /// What it covers.
    public var scope: PolicyScope
    /// Why the risk is accepted.
    public var reason: String
    /// What reduces the risk meanwhile (WAF rule, network isolation).
    public var compensatingControl: String
    /// Who is accountable.
    public var owner: String
    /// Who approved it.
    public var approver: String
    /// When it takes effect.
    public var starts: Date
    /// When it lapses.
    public var expires: Date

    /// Creates an exception.
    public init(
        id: String,
        scope: PolicyScope,
        reason: String,
        compensatingControl: String,
        owner: String,
        approver: String,
        starts: Date,
        expires: Date
    ) {
        self.id = id
        self.scope = scope
        self.reason = reason
        self.compensatingControl = compensatingControl
        self.owner = owner
        self.approver = approver
        self.starts = starts
        self.expires = expires
    }

    /// Whether it is in force at the instant: `starts ≤ date < expires`.
    public func isActive(at date: Date) -> Bool { starts <= date && date < expires }

    /// The interval during which it pauses SLA clocks.
    public var interval: DateInterval { DateInterval(start: starts, end: max(starts, expires)) }
}
