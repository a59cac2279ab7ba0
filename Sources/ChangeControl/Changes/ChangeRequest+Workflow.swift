import Foundation

/// The transitions of a change request. Each checks the state machine and the rules of separation of
/// duties, then changes the request; the caller stores it and records the event.
extension ChangeRequest {
    /// Replaces title and content. Approvals given to other content stop counting; a submitted or
    /// approved change goes (back) to submitted so the CAB sees the new content.
    /// - Returns: the approvals voided by the edit.
    @discardableResult
    public mutating func edit(
        title: String?,
        content: ChangeContent,
        impact: ChangeImpact?,
        now: Date
    ) throws
        -> [Approval]
    {
        try state.check(.edit)
        let before = currentApprovals
        if let title { self.title = title }
        if content != self.content {
            self.content = content
            revision += 1
        }
        if state != .draft, let impact {
            self.impact = impact
            self.risk = RiskAssessment.assess(impact)
        }
        let voided = before.filter { $0.contentDigest != self.content.digest }
        if state == .approved && !voided.isEmpty { state = .submitted }
        updatedAt = now
        return voided
    }

    /// Voids the approvals that stand because the change's scope moved under them (a host changed
    /// environment or group): the CAB decided on another set of hosts. A submitted, approved or
    /// scheduled change goes back to submitted with the new impact and its risk re-assessed.
    /// - Returns: the approvals voided.
    @discardableResult
    public mutating func voidApprovals(reason: String, impact: ChangeImpact?, now: Date) -> [Approval] {
        guard [.submitted, .approved, .scheduled].contains(state) else { return [] }
        let digest = content.digest
        var voided: [Approval] = []
        for index in approvals.indices
        where approvals[index].contentDigest == digest && approvals[index].voidedReason == nil {
            approvals[index].voidedReason = reason
            voided.append(approvals[index])
        }
        if let impact {
            self.impact = impact
            self.risk = RiskAssessment.assess(impact)
        }
        if state != .submitted {
            state = .submitted
            plannedStart = nil
        }
        updatedAt = now
        return voided
    }

    /// Submits a draft. A standard change that fits its template is approved at once; `holds` are
    /// the compliance holds covering the change's scope now (any refuses the submission).
    public mutating func submit(
        impact: ChangeImpact,
        template: StandardChangeTemplate?,
        holds: [String],
        policy: ApprovalPolicy,
        now: Date
    ) throws {
        try state.check(.submit)
        try content.validate()
        if title.trimmingCharacters(in: .whitespaces).isEmpty {
            throw ChangeControlError(.invalid, field: "title", "must not be empty")
        }
        guard holds.isEmpty else {
            throw ChangeControlError(
                .held,
                field: "content",
                "a compliance hold covers the change's scope: \(holds.joined(separator: "; "))"
            )
        }
        guard impact.hostCount > 0 else {
            throw ChangeControlError(
                .invalid,
                field: "content",
                "the hosts, groups and environments named match no host"
            )
        }
        let risk = RiskAssessment.assess(impact)
        switch kind {
        case .standard:
            guard let template else {
                throw ChangeControlError(
                    .invalid,
                    field: "template",
                    "a standard change names an existing template\(self.template.map { " ('\($0)' is not one)" } ?? "")"
                )
            }
            let misfits = template.misfits(impact, risk: risk)
            guard misfits.isEmpty else {
                throw ChangeControlError(
                    .invalid,
                    field: "template",
                    "does not fit standard template '\(template.name)': \(misfits.joined(separator: "; ")); submit it as a normal change"
                )
            }
        case .emergency:
            if justification.trimmingCharacters(in: .whitespaces).isEmpty {
                throw ChangeControlError(
                    .invalid,
                    field: "justification",
                    "an emergency change says why it cannot wait for the normal CAB"
                )
            }
        case .normal:
            break
        }
        self.impact = impact
        self.risk = risk
        state = kind == .standard ? .approved : .submitted
        updatedAt = now
    }

    /// Records one CAB member's decision. The requester never decides on their own change and a
    /// person decides once per content; `environments` are those where the approver holds
    /// `changes.approve` among the change's (must not be empty). The change becomes approved when
    /// every environment has its quorum, rejected on any rejection.
    public mutating func decide(
        _ decision: Approval.Decision,
        userID: String,
        username: String,
        environments: [String],
        comment: String,
        elevationID: String?,
        policy: ApprovalPolicy,
        now: Date
    ) throws {
        try state.check(decision == .approve ? .approve : .reject)
        guard userID != requesterID else {
            throw ChangeControlError(
                .separationOfDuties,
                field: "approver",
                "\(username) requested \(id) and cannot \(decision.rawValue) it"
            )
        }
        let digest = content.digest
        if approvals.contains(where: { $0.userID == userID && $0.contentDigest == digest && $0.voidedReason == nil }) {
            throw ChangeControlError(
                .separationOfDuties,
                field: "approver",
                "\(username) already decided on revision \(revision) of \(id); one person's decision counts once"
            )
        }
        guard !environments.isEmpty else {
            let reached = impact?.environments.map(\.environment).joined(separator: ", ") ?? "none"
            throw ChangeControlError(
                .notPermitted,
                field: "approver",
                "\(username) may not approve in any environment this change reaches (\(reached))"
            )
        }
        if decision == .reject && comment.trimmingCharacters(in: .whitespaces).isEmpty {
            throw ChangeControlError(.invalid, field: "comment", "a rejection says why")
        }
        approvals.append(
            Approval(
                userID: userID,
                username: username,
                decision: decision,
                contentDigest: digest,
                environments: environments.sorted(),
                at: now,
                comment: comment,
                elevationID: elevationID
            )
        )
        if decision == .reject {
            state = .rejected
        } else if ApprovalTally(change: self, policy: policy).isMet {
            state = .approved
            if kind == .emergency {
                reviewDueAt = now.addingTimeInterval(TimeInterval(policy.emergencyReviewHours) * 3600)
            }
        }
        updatedAt = now
    }

    /// Schedules an approved change to start at `start`. `fitsWindow` says whether the start lies in
    /// one of the change's windows; only an emergency change with a stated reason may run outside.
    public mutating func schedule(start: Date, fitsWindow: Bool, outsideWindowReason: String?, now: Date) throws {
        try state.check(.schedule)
        if !fitsWindow {
            let reason = outsideWindowReason?.trimmingCharacters(in: .whitespaces) ?? ""
            guard kind == .emergency else {
                throw ChangeControlError(
                    .invalid,
                    field: "start",
                    "\(ISO8601DateFormatter().string(from: start)) is in none of the change's windows (\(content.windows.joined(separator: ", "))); only an emergency change may run outside its windows"
                )
            }
            guard !reason.isEmpty else {
                throw ChangeControlError(
                    .invalid,
                    field: "outsideWindowReason",
                    "an emergency change running outside its windows says why"
                )
            }
            self.outsideWindowReason = reason
        }
        plannedStart = start
        state = .scheduled
        updatedAt = now
    }

    /// Moves a change along its run: start, complete, fail, roll back or close.
    public mutating func advance(_ action: ChangeAction, now: Date) throws {
        switch action {
        case .start, .complete, .fail, .rollBack, .close: try state.check(action)
        default:
            throw ChangeControlError(.invalid, field: "action", "'\(action.rawValue)' has its own operation")
        }
        switch action {
        case .start: state = .inProgress
        case .complete: state = .completed
        case .fail: state = .failed
        case .rollBack: state = .rolledBack
        default: state = .closed
        }
        updatedAt = now
    }

    /// Records the retrospective review of an emergency change (by someone other than the requester).
    public mutating func recordReview(reviewerID: String, reviewer: String, comment: String, now: Date) throws {
        guard kind == .emergency, reviewDueAt != nil else {
            throw ChangeControlError(.invalid, field: "kind", "only an approved emergency change owes a review")
        }
        guard review == nil else { throw ChangeControlError(.invalid, field: "review", "\(id) was already reviewed") }
        guard reviewerID != requesterID else {
            throw ChangeControlError(
                .separationOfDuties,
                field: "reviewer",
                "\(reviewer) requested \(id) and cannot review it"
            )
        }
        guard !comment.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw ChangeControlError(.invalid, field: "comment", "a review records what was found")
        }
        review = Review(reviewer: reviewer, at: now, comment: comment)
        updatedAt = now
    }

    /// Adds a comment.
    public mutating func addComment(author: String, text: String, now: Date) throws {
        guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw ChangeControlError(.invalid, field: "text", "a comment must not be empty")
        }
        comments.append(Comment(author: author, at: now, text: text))
        updatedAt = now
    }
}
