/// ITIL change types.
public enum ChangeKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// Pre-approved by a template: runs without CAB when its content fits the template.
    case standard
    /// Needs approvals from approvers of every affected environment; how many depends on risk.
    case normal
    /// Emergency CAB fast path: a smaller quorum, may run outside windows with a stated reason, and
    /// owes a retrospective review by a deadline.
    case emergency
}
