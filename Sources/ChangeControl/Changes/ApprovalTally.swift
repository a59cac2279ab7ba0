/// Approvals counted per affected environment against the quorum.
public struct ApprovalTally: Sendable, Hashable, Codable {
    /// One environment's count.
    public struct Line: Sendable, Hashable, Codable {
        /// The environment.
        public var environment: String
        /// Distinct approvers of the current content who may approve there.
        public var approvals: Int
        /// How many are needed.
        public var needed: Int
        /// Who approved.
        public var approvers: [String]
    }

    /// One line per environment the change reaches.
    public var lines: [Line]

    /// Whether every environment has its quorum.
    public var isMet: Bool { lines.allSatisfy { $0.approvals >= $0.needed } }

    /// Counts the change's current approvals. A person counts once per environment, and only for
    /// environments recorded on their approval (those where they held `changes.approve`).
    public init(change: ChangeRequest, policy: ApprovalPolicy) {
        let needed = policy.quorum(kind: change.kind, risk: change.risk?.level ?? .low)
        let current = change.currentApprovals.filter { $0.decision == .approve && $0.userID != change.requesterID }
        let environments = change.impact?.environments.map(\.environment) ?? []
        lines = environments.map { environment in
            var seen: Set<String> = []
            var names: [String] = []
            for approval in current where approval.environments.contains(environment) {
                if seen.insert(approval.userID).inserted { names.append(approval.username) }
            }
            return Line(environment: environment, approvals: seen.count, needed: needed, approvers: names)
        }
    }
}
