import Foundation

/// `GET /api/v1/compliance`: SLA compliance of the fleet's findings under one framework profile of
/// the policy in force — counts per SLA state in all, per group and per tier, and the findings due
/// first.
public struct ComplianceReport: Codable, Sendable {
    /// One finding's SLA.
    public struct Row: Codable, Sendable {
        public var hostID: String
        public var hostname: String
        /// The policy groups the host is in.
        public var groups: [String]
        /// The host's tier (from the first of its groups that names one).
        public var tier: String?
        public var package: String
        public var advisory: String
        public var severity: String
        public var knownExploited: Bool
        /// When the SLA clock started, if it has.
        public var clockStarted: Date?
        public var dueDate: Date?
        /// The SLA state (`onTime`, `dueSoon`, `overdue`, `excepted`, `notCovered`).
        public var state: String
        /// For a fixed finding: whether it was fixed within its SLA.
        public var met: Bool?
        public var fixedAt: Date?

        public init(
            hostID: String,
            hostname: String,
            groups: [String],
            tier: String?,
            package: String,
            advisory: String,
            severity: String,
            knownExploited: Bool,
            clockStarted: Date?,
            dueDate: Date?,
            state: String,
            met: Bool?,
            fixedAt: Date?
        ) {
            self.hostID = hostID
            self.hostname = hostname
            self.groups = groups
            self.tier = tier
            self.package = package
            self.advisory = advisory
            self.severity = severity
            self.knownExploited = knownExploited
            self.clockStarted = clockStarted
            self.dueDate = dueDate
            self.state = state
            self.met = met
            self.fixedAt = fixedAt
        }
    }

    /// Counts per SLA state for one group or tier.
    public struct Bucket: Codable, Sendable {
        public var name: String
        public var counts: [String: Int]

        public init(name: String, counts: [String: Int]) {
            self.name = name
            self.counts = counts
        }
    }

    /// The framework asked for (`pci-dss-4.0`, …).
    public var framework: String
    /// The name of the policy's profile for it (or the built-in one).
    public var profile: String
    /// The policy version in force; `nil` before any policy is applied.
    public var policyVersion: Int64?
    /// Findings per SLA state.
    public var totals: [String: Int]
    public var byGroup: [Bucket]
    public var byTier: [Bucket]
    /// The findings due first (at most `limit`), undated last.
    public var rows: [Row]

    public init(
        framework: String,
        profile: String,
        policyVersion: Int64?,
        totals: [String: Int],
        byGroup: [Bucket],
        byTier: [Bucket],
        rows: [Row]
    ) {
        self.framework = framework
        self.profile = profile
        self.policyVersion = policyVersion
        self.totals = totals
        self.byGroup = byGroup
        self.byTier = byTier
        self.rows = rows
    }
}
