import Foundation

/// A just-in-time request for a role: for a duration, with a reason, approved by another admin or
/// self-approved as break-glass (which owes a post-incident review). The grant it yields carries its
/// expiry, so it stops counting on time even if nobody is there to revoke it.
public struct Elevation: Sendable, Hashable, Codable {
    /// Where the request is.
    public enum State: String, Sendable, Hashable, Codable {
        case requested, active, denied, expired, revoked
    }

    /// Identifier (`ELV-…`).
    public var id: String
    /// The user asking.
    public var userID: String
    /// Their login name.
    public var username: String
    /// The role asked for.
    public var role: String
    /// Where.
    public var scope: GrantScope
    /// For how long, once approved.
    public var duration: TimeInterval
    /// Why.
    public var reason: String
    /// Self-approved in an emergency.
    public var breakGlass: Bool
    /// Current state.
    public var state: State
    /// When it was asked for.
    public var requestedAt: Date
    /// Who approved or denied it.
    public var decidedBy: String?
    /// When the grant started.
    public var activatedAt: Date?
    /// When the grant ends.
    public var expiresAt: Date?
    /// When a break-glass use must have been reviewed.
    public var reviewDueAt: Date?
    /// Who reviewed the break-glass use.
    public var reviewedBy: String?
    /// When.
    public var reviewedAt: Date?

    /// The longest elevation allowed.
    public static let maximumDuration: TimeInterval = 24 * 3600

    /// A duration in whole minutes for messages; never traps, whatever the value.
    static func minutesText(_ duration: TimeInterval) -> String {
        let minutes = (duration / 60).rounded(.towardZero)
        guard let whole = Int(exactly: minutes) else { return "\(duration / 60)" }
        return String(whole)
    }
    /// How long after a break-glass elevation its review is due.
    public static let breakGlassReviewWindow: TimeInterval = 72 * 3600

    /// Asks for `role` in `scope` for `duration`. Break-glass activates at once.
    public init(
        id: String,
        userID: String,
        username: String,
        role: String,
        scope: GrantScope,
        duration: TimeInterval,
        reason: String,
        breakGlass: Bool,
        now: Date
    ) throws {
        guard duration >= 60, duration <= Self.maximumDuration else {
            throw ChangeControlError(
                .invalid,
                field: "durationMinutes",
                "must be between 1 and \(Int(Self.maximumDuration / 60)) minutes, got \(Self.minutesText(duration))"
            )
        }
        guard !reason.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw ChangeControlError(.invalid, field: "reason", "say why the role is needed")
        }
        self.id = id
        self.userID = userID
        self.username = username
        self.role = role
        self.scope = scope
        self.duration = duration
        self.reason = reason
        self.breakGlass = breakGlass
        self.state = .requested
        self.requestedAt = now
        if breakGlass {
            activate(by: username, now: now)
            reviewDueAt = now.addingTimeInterval(Self.breakGlassReviewWindow)
        }
    }

    private mutating func activate(by approver: String, now: Date) {
        state = .active
        decidedBy = approver
        activatedAt = now
        expiresAt = now.addingTimeInterval(duration)
    }

    /// Approves someone else's request; the grant runs from now for the duration asked.
    public mutating func approve(approverID: String, approver: String, now: Date) throws {
        guard state == .requested else {
            throw ChangeControlError(.illegalTransition, field: "state", "\(id) is \(state.rawValue), not requested")
        }
        guard approverID != userID else {
            throw ChangeControlError(
                .separationOfDuties,
                field: "approver",
                "\(approver) cannot approve their own elevation; use break-glass, which forces a review"
            )
        }
        activate(by: approver, now: now)
    }

    /// Denies a request.
    public mutating func deny(approverID: String, approver: String) throws {
        guard state == .requested else {
            throw ChangeControlError(.illegalTransition, field: "state", "\(id) is \(state.rawValue), not requested")
        }
        guard approverID != userID else {
            throw ChangeControlError(
                .separationOfDuties,
                field: "approver",
                "\(approver) cannot decide on their own elevation"
            )
        }
        state = .denied
        decidedBy = approver
    }

    /// Ends an active grant early.
    public mutating func revoke(by actor: String) throws {
        guard state == .active else {
            throw ChangeControlError(.illegalTransition, field: "state", "\(id) is \(state.rawValue), not active")
        }
        state = .revoked
        decidedBy = decidedBy ?? actor
    }

    /// Whether an active grant has run out at `now` (it no longer counts whatever its stored state).
    public func hasLapsed(at now: Date) -> Bool {
        state == .active && (expiresAt.map { now >= $0 } ?? false)
    }

    /// Marks a lapsed grant expired; returns whether it changed.
    public mutating func expireIfLapsed(at now: Date) -> Bool {
        guard hasLapsed(at: now) else { return false }
        state = .expired
        return true
    }

    /// Records the post-incident review of a break-glass elevation (by someone else).
    public mutating func recordReview(reviewerID: String, reviewer: String, now: Date) throws {
        guard breakGlass else { throw ChangeControlError(.invalid, field: "breakGlass", "\(id) was not break-glass") }
        guard reviewedAt == nil else {
            throw ChangeControlError(.invalid, field: "review", "\(id) was already reviewed")
        }
        guard reviewerID != userID else {
            throw ChangeControlError(
                .separationOfDuties,
                field: "reviewer",
                "\(reviewer) cannot review their own break-glass use"
            )
        }
        reviewedBy = reviewer
        reviewedAt = now
    }

    /// Whether a break-glass review is overdue.
    public func isReviewOverdue(at now: Date) -> Bool {
        guard breakGlass, reviewedAt == nil, let due = reviewDueAt else { return false }
        return now >= due
    }

    /// The grant this elevation gives while active.
    public var grant: RoleGrant? {
        guard state == .active else { return nil }
        return RoleGrant(
            role: role,
            scope: scope,
            expiresAt: expiresAt,
            elevationID: id,
            breakGlass: breakGlass ? true : nil
        )
    }
}
