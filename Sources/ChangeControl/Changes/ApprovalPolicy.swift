/// How many approvals a change needs and how long an emergency change may go unreviewed.
public struct ApprovalPolicy: Sendable, Hashable, Codable {
    /// Approvals needed per affected environment for a normal change, by risk.
    public var normalQuorum: [RiskAssessment.Level: Int]
    /// Approvals needed per affected environment for an emergency change (ECAB).
    public var emergencyQuorum: Int
    /// Hours after an emergency change starts (or is approved) within which its retrospective review is due.
    public var emergencyReviewHours: Int

    /// Low 1, medium 1, high 2, critical 3; ECAB 1; review within 72 hours.
    public init(
        normalQuorum: [RiskAssessment.Level: Int] = [.low: 1, .medium: 1, .high: 2, .critical: 3],
        emergencyQuorum: Int = 1,
        emergencyReviewHours: Int = 72
    ) {
        self.normalQuorum = normalQuorum
        self.emergencyQuorum = emergencyQuorum
        self.emergencyReviewHours = emergencyReviewHours
    }

    /// Approvals needed per environment for a change of `kind` at `risk` (0 for a standard change).
    public func quorum(kind: ChangeKind, risk: RiskAssessment.Level) -> Int {
        switch kind {
        case .standard: 0
        case .normal: normalQuorum[risk] ?? 1
        case .emergency: emergencyQuorum
        }
    }
}
