/// Where a change request is in its life.
///
/// ```
/// draft → submitted → approved → scheduled → in-progress → completed | failed | rolled-back → closed
///               ↘ rejected → closed        (draft, submitted, approved, rejected may also be closed)
/// ```
/// Editing the content of a submitted or approved change sends it back to submitted and voids the
/// approvals given to the old content.
public enum ChangeState: String, Sendable, Hashable, Codable, CaseIterable {
    case draft
    case submitted
    case approved
    case rejected
    case scheduled
    case inProgress = "in-progress"
    case completed
    case failed
    case rolledBack = "rolled-back"
    case closed

    /// Whether the change has finished running (well or not).
    public var isFinished: Bool { [.completed, .failed, .rolledBack, .closed].contains(self) }
}

/// What someone does to a change request.
public enum ChangeAction: String, Sendable, Hashable, Codable, CaseIterable {
    case edit
    case submit
    case approve
    case reject
    case schedule
    case start
    case complete
    case fail
    case rollBack = "roll-back"
    case close

    /// The states the action may be taken from.
    public var allowedFrom: Set<ChangeState> {
        switch self {
        case .edit: [.draft, .submitted, .approved]
        case .submit: [.draft]
        case .approve, .reject: [.submitted]
        case .schedule: [.approved, .scheduled]
        case .start: [.scheduled]
        case .complete, .fail: [.inProgress]
        case .rollBack: [.inProgress, .failed]
        case .close: [.draft, .submitted, .approved, .rejected, .completed, .failed, .rolledBack]
        }
    }
}

extension ChangeState {
    /// Checks that `action` may be taken now.
    public func check(_ action: ChangeAction) throws {
        guard action.allowedFrom.contains(self) else {
            let from = action.allowedFrom.map(\.rawValue).sorted().joined(separator: ", ")
            throw ChangeControlError(
                .illegalTransition,
                field: "state",
                "cannot \(action.rawValue) a change that is \(rawValue); allowed from: \(from)"
            )
        }
    }
}
