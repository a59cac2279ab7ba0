import Foundation
import SecurityAdvisories

/// The facts about one finding that an SLA clock needs.
public struct SLAItem: Sendable, Hashable {
    /// Severity.
    public var severity: Severity
    /// The host's risk tier name, if known.
    public var tier: String?
    /// The advisory's publication, if known.
    public var published: Date?
    /// When the finding was first detected on the host.
    public var firstDetected: Date
    /// Whether it is in CISA's KEV catalogue.
    public var knownExploited: Bool
    /// The KEV due date, if any.
    public var kevDueDate: Date?
    /// When it was fixed, if it was.
    public var fixedAt: Date?

    /// Creates an item.
    public init(
        severity: Severity,
        tier: String? = nil,
        published: Date?,
        firstDetected: Date,
        knownExploited: Bool = false,
        kevDueDate: Date? = nil,
        fixedAt: Date? = nil
    ) {
        self.severity = severity
        self.tier = tier
        self.published = published
        self.firstDetected = firstDetected
        self.knownExploited = knownExploited
        self.kevDueDate = kevDueDate
        self.fixedAt = fixedAt
    }

    /// An item from a correlator finding and the dates the store keeps around it.
    public init(finding: Finding, tier: String?, published: Date?, firstDetected: Date, fixedAt: Date? = nil) {
        self.init(
            severity: finding.severity,
            tier: tier,
            published: published,
            firstDetected: firstDetected,
            knownExploited: finding.knownExploited,
            kevDueDate: finding.kevDueDate,
            fixedAt: fixedAt
        )
    }
}

/// Where a finding stands against its SLA.
public enum SLAState: String, Sendable, Hashable, Codable, CaseIterable {
    /// Open, due date more than the profile's due-soon window away (or fixed in time).
    case onTime
    /// Open, due within the due-soon window.
    case dueSoon
    /// Open past its due date (or fixed late).
    case overdue
    /// Open, an exception covers it now (its clock is paused).
    case excepted
    /// The profile does not cover it (BOD 22-01 and a finding not in KEV; a severity without deadline).
    case notCovered
}

/// The outcome of an SLA clock for one finding.
public struct SLAStatus: Sendable, Hashable {
    /// When the clock started (nil when not covered).
    public var clockStarted: Date?
    /// The due date, paused time included (nil when not covered).
    public var dueDate: Date?
    /// The state at the evaluation instant (for fixed findings: at the fix).
    public var state: SLAState
    /// For fixed findings, whether the fix came by the due date; nil while open or not covered.
    public var met: Bool?
    /// Seconds added to the deadline by exceptions.
    public var pausedSeconds: TimeInterval

    /// Creates a status.
    public init(clockStarted: Date?, dueDate: Date?, state: SLAState, met: Bool?, pausedSeconds: TimeInterval) {
        self.clockStarted = clockStarted
        self.dueDate = dueDate
        self.state = state
        self.met = met
        self.pausedSeconds = pausedSeconds
    }

    /// The status of a finding the profile does not cover.
    public static let notCovered = SLAStatus(
        clockStarted: nil,
        dueDate: nil,
        state: .notCovered,
        met: nil,
        pausedSeconds: 0
    )
}
