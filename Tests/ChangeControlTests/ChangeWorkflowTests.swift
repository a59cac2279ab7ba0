import ChangeControl
import Foundation
import Testing

@Suite struct ChangeWorkflowTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    let policy = ApprovalPolicy()

    func content(version: String = "1.1") -> ChangeContent {
        ChangeContent(
            packages: [.init(name: "openssl", version: version)],
            environments: ["prod"],
            windows: ["sunday"],
            addresses: ["DSA-1"],
            rollbackPlan: "reinstall the previous version from the cache"
        )
    }

    func impact(tier: Int? = 2, hosts: Int = 3, environments: [String] = ["prod"]) -> ChangeImpact {
        ChangeImpact(
            environments: environments.map { .init(environment: $0, hosts: hosts) },
            hostCount: hosts * environments.count,
            mostCriticalTier: tier,
            services: ["web"],
            highestSeverity: "high"
        )
    }

    func submitted(kind: ChangeKind = .normal, impact: ChangeImpact? = nil) throws -> ChangeRequest {
        var change = ChangeRequest(
            id: "CHG-1",
            title: "openssl",
            kind: kind,
            requesterID: "u-req",
            requester: "rita",
            content: content(),
            justification: kind == .emergency ? "actively exploited" : "",
            now: now
        )
        try change.submit(impact: impact ?? self.impact(), template: nil, holds: [], policy: policy, now: now)
        return change
    }

    func approve(_ change: inout ChangeRequest, _ user: String, environments: [String] = ["prod"]) throws {
        try change.decide(
            .approve,
            userID: "u-\(user)",
            username: user,
            environments: environments,
            comment: "",
            elevationID: nil,
            policy: policy,
            now: now
        )
    }

    @Test func requesterNeverApprovesTheirOwnChange() throws {
        var change = try submitted()
        #expect(
            throws: ChangeControlError(
                .separationOfDuties,
                field: "approver",
                "rita requested CHG-1 and cannot approve it"
            )
        ) {
            try change.decide(
                .approve,
                userID: "u-req",
                username: "rita",
                environments: ["prod"],
                comment: "",
                elevationID: nil,
                policy: policy,
                now: now
            )
        }
        #expect(change.state == .submitted)
    }

    @Test func onePersonCountsOnceAndQuorumFollowsRisk() throws {
        // tier 0, 30 hosts, one service, prod → 4 + 2 + 1 + 1 = 8: high → 2 approvals.
        var change = try submitted(impact: impact(tier: 0, hosts: 30))
        #expect(change.risk?.level == .high)
        #expect(change.risk?.reasons.contains { $0.contains("tier 0") } == true)
        try approve(&change, "ann")
        #expect(change.state == .submitted)
        #expect(throws: ChangeControlError.self) { try approve(&change, "ann") }
        #expect(ApprovalTally(change: change, policy: policy).lines.first?.approvals == 1)
        try approve(&change, "bob")
        #expect(change.state == .approved)
    }

    @Test func approverOfAnotherEnvironmentDoesNotCount() throws {
        var change = try submitted(impact: impact(tier: 3, hosts: 2, environments: ["dev", "prod"]))
        #expect(throws: ChangeControlError.self) { try approve(&change, "dora", environments: []) }
        try approve(&change, "dora", environments: ["dev"])
        #expect(change.state == .submitted)
        let tally = ApprovalTally(change: change, policy: policy)
        #expect(tally.lines.map(\.approvals) == [1, 0])
        try approve(&change, "pete", environments: ["prod"])
        #expect(change.state == .approved)
    }

    @Test func editingAfterApprovalVoidsApprovals() throws {
        var change = try submitted(impact: impact(tier: 3, hosts: 1))
        try approve(&change, "ann")
        #expect(change.state == .approved)
        let voided = try change.edit(
            title: nil,
            content: content(version: "1.2"),
            impact: impact(tier: 3, hosts: 1),
            now: now
        )
        #expect(voided.map(\.username) == ["ann"])
        #expect(change.state == .submitted)
        #expect(change.revision == 2)
        #expect(change.currentApprovals.isEmpty)
        #expect(change.approvals.count == 1)  // history is kept
        // Ann may decide again on the new content.
        try approve(&change, "ann")
        #expect(change.state == .approved)
        // A title-only edit keeps the approvals.
        try change.edit(title: "openssl 1.2", content: change.content, impact: nil, now: now)
        #expect(change.state == .approved)
    }

    @Test func emergencyChangeHasSmallerQuorumAndOwesReview() throws {
        var change = try submitted(kind: .emergency, impact: impact(tier: 0, hosts: 200))
        #expect(change.risk?.level == .critical)
        try approve(&change, "ann")
        #expect(change.state == .approved)
        let due = try #require(change.reviewDueAt)
        #expect(due == now.addingTimeInterval(72 * 3600))
        #expect(!change.isReviewOverdue(at: due.addingTimeInterval(-1)))
        #expect(change.isReviewOverdue(at: due))
        #expect(throws: ChangeControlError.self) {
            try change.recordReview(reviewerID: "u-req", reviewer: "rita", comment: "fine", now: due)
        }
        try change.recordReview(
            reviewerID: "u-ann",
            reviewer: "ann",
            comment: "worked; add a canary next time",
            now: due
        )
        #expect(!change.isReviewOverdue(at: due.addingTimeInterval(1)))
        // Outside windows only with a reason.
        #expect(throws: ChangeControlError.self) {
            try change.schedule(start: now, fitsWindow: false, outsideWindowReason: nil, now: now)
        }
        try change.schedule(start: now, fitsWindow: false, outsideWindowReason: "exploit in the wild", now: now)
        #expect(change.state == .scheduled)
    }

    @Test func emergencyNeedsJustification() throws {
        var change = ChangeRequest(
            id: "CHG-2",
            title: "x",
            kind: .emergency,
            requesterID: "u",
            requester: "u",
            content: content(),
            now: now
        )
        #expect(throws: ChangeControlError.self) {
            try change.submit(impact: impact(), template: nil, holds: [], policy: policy, now: now)
        }
        #expect(change.state == .draft)
    }

    @Test func normalChangeCannotRunOutsideItsWindows() throws {
        var change = try submitted(impact: impact(tier: 3, hosts: 1))
        try approve(&change, "ann")
        #expect(throws: ChangeControlError.self) {
            try change.schedule(start: now, fitsWindow: false, outsideWindowReason: "hurry", now: now)
        }
        try change.schedule(start: now, fitsWindow: true, outsideWindowReason: nil, now: now)
        #expect(change.state == .scheduled)
    }

    @Test func holdsBlockSubmission() throws {
        var change = ChangeRequest(
            id: "CHG-3",
            title: "x",
            kind: .normal,
            requesterID: "u",
            requester: "u",
            content: content(),
            now: now
        )
        #expect(throws: ChangeControlError.self) {
            try change.submit(
                impact: impact(),
                template: nil,
                holds: ["audit-freeze: legal hold"],
                policy: policy,
                now: now
            )
        }
        #expect(change.state == .draft)
    }

    @Test func standardChangeFitsTemplateOrIsRefused() throws {
        let template = StandardChangeTemplate(
            name: "tier3-security",
            environments: ["prod"],
            mostCriticalTier: 3,
            maxHosts: 50,
            baselineApprovedOnly: true
        )
        var fits = impact(tier: 3, hosts: 4)
        fits.baselineApproved = true
        var change = ChangeRequest(
            id: "CHG-4",
            title: "x",
            kind: .standard,
            requesterID: "u",
            requester: "u",
            template: "tier3-security",
            content: content(),
            now: now
        )
        var refused = change
        try change.submit(impact: fits, template: template, holds: [], policy: policy, now: now)
        #expect(change.state == .approved)
        var tier1 = impact(tier: 1, hosts: 4)
        tier1.baselineApproved = true
        #expect(throws: ChangeControlError.self) {
            try refused.submit(impact: tier1, template: template, holds: [], policy: policy, now: now)
        }
        #expect(template.misfits(impact(tier: 3, hosts: 4), risk: RiskAssessment.assess(fits)).count == 1)
    }

    @Test func everyIllegalTransitionIsRefused() throws {
        // From each state, every action not allowed from it throws illegalTransition.
        for state in ChangeState.allCases {
            for action in ChangeAction.allCases where !action.allowedFrom.contains(state) {
                do {
                    try state.check(action)
                    Issue.record("\(action) from \(state) was allowed")
                } catch let error as ChangeControlError {
                    #expect(error.code == .illegalTransition)
                    #expect(error.message.contains("cannot \(action.rawValue) a change that is \(state.rawValue)"))
                }
            }
        }
        var change = try submitted()
        #expect(throws: ChangeControlError.self) { try change.advance(.start, now: now) }
        #expect(throws: ChangeControlError.self) { try change.advance(.complete, now: now) }
        #expect(change.state == .submitted)
    }

    @Test func lifecycleRunsToClosed() throws {
        var change = try submitted(impact: impact(tier: 3, hosts: 1))
        try approve(&change, "ann")
        try change.schedule(start: now, fitsWindow: true, outsideWindowReason: nil, now: now)
        try change.advance(.start, now: now)
        #expect(throws: ChangeControlError.self) {
            try change.edit(title: nil, content: content(version: "9"), impact: nil, now: now)
        }
        try change.advance(.fail, now: now)
        try change.advance(.rollBack, now: now)
        try change.advance(.close, now: now)
        #expect(change.state == .closed)
    }

    @Test func contentDigestIgnoresOrder() {
        let a = ChangeContent(packages: [.init(name: "a"), .init(name: "b")], hosts: ["h2", "h1"], rollbackPlan: "r")
        let b = ChangeContent(packages: [.init(name: "b"), .init(name: "a")], hosts: ["h1", "h2"], rollbackPlan: "r")
        #expect(a.digest == b.digest)
        var c = b
        c.rollbackPlan = "other"
        #expect(a.digest != c.digest)
    }
}
