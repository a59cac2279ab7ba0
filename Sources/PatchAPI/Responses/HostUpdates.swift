import Foundation

/// `GET /api/v1/hosts/{id}/updates`: a host's candidate updates (its fixable findings) with the
/// approval baseline's decision for each.
public struct HostUpdates: Codable, Sendable {
    /// One candidate update and the baseline's decision.
    public struct Update: Codable, Sendable {
        /// The host's binary package.
        public var package: String
        public var installedVersion: String
        public var fixedVersion: String
        public var advisory: String
        /// The update's classification (`security`, …).
        public var classification: String
        public var severity: String
        public var knownExploited: Bool
        /// `approved`, `pending` or `rejected`.
        public var decision: String
        /// When it was approved, or until when it is pending.
        public var decidedAt: Date?
        /// The baseline and rule that decided, in words.
        public var rule: String

        public init(
            package: String,
            installedVersion: String,
            fixedVersion: String,
            advisory: String,
            classification: String,
            severity: String,
            knownExploited: Bool,
            decision: String,
            decidedAt: Date?,
            rule: String
        ) {
            self.package = package
            self.installedVersion = installedVersion
            self.fixedVersion = fixedVersion
            self.advisory = advisory
            self.classification = classification
            self.severity = severity
            self.knownExploited = knownExploited
            self.decision = decision
            self.decidedAt = decidedAt
            self.rule = rule
        }
    }

    public var hostID: String
    /// The baseline that applies to the host, if any.
    public var baseline: String?
    /// The host's tier and environment from the policy's groups.
    public var tier: String?
    public var environment: String?
    public var updates: [Update]

    public init(hostID: String, baseline: String?, tier: String?, environment: String?, updates: [Update]) {
        self.hostID = hostID
        self.baseline = baseline
        self.tier = tier
        self.environment = environment
        self.updates = updates
    }
}
