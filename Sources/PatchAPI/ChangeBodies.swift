import ChangeControl
import Foundation

/// `POST /api/v1/changes`.
public struct CreateChangeRequest: APIRequestBody {
    public var title: String
    public var kind: ChangeKind
    public var template: String?
    public var justification: String?
    public var content: ChangeContent

    public func validate() throws {
        try TextField.check(title, "title", max: 200)
        try TextField.checkLength(template, "template", max: 64)
        try TextField.checkLength(justification, "justification", max: 8000)
        try content.validateSizes(field: "content")
    }
}

/// `PUT /api/v1/changes/{id}`.
public struct EditChangeRequest: APIRequestBody {
    public var title: String?
    public var content: ChangeContent

    public func validate() throws {
        if let title { try TextField.check(title, "title", max: 200) }
        try content.validateSizes(field: "content")
    }
}

/// A comment on a decision, review or the change itself. `contentDigest` (the `contentDigest` of
/// the change as the caller read it) makes a decision only count for that content: if the change
/// was edited meanwhile, the decision is refused instead of landing on content nobody reviewed.
public struct CommentRequest: APIRequestBody, Hashable {
    public var comment: String?
    public var contentDigest: String?

    public func validate() throws {
        try TextField.checkLength(comment, "comment", max: 4000)
        try TextField.checkLength(contentDigest, "contentDigest", max: 128)
    }
}

/// `POST /api/v1/changes/{id}/schedule`.
public struct ScheduleRequest: APIRequestBody, Hashable {
    public var start: Date
    public var outsideWindowReason: String?

    public func validate() throws {
        // Dates far outside any plausible schedule are refused before anything converts them.
        guard start.timeIntervalSince1970.isFinite,
            (0...(4_102_444_800 as Double)).contains(start.timeIntervalSince1970)
        else { throw APIInputError(field: "start", "must lie between 1970 and 2100") }
        try TextField.checkLength(outsideWindowReason, "outsideWindowReason", max: 2000)
    }
}

extension ChangeContent {
    /// Bounds on the sizes of a change's content (its rules are checked at submission).
    func validateSizes(field: String) throws {
        try InputBounds.count(packages.count, "\(field).packages", atMost: 10_000)
        for (index, package) in packages.enumerated() {
            try TextField.check(package.name, "\(field).packages[\(index)].name", max: 256)
            try TextField.checkLength(package.version, "\(field).packages[\(index)].version", max: 256)
        }
        for (name, list) in [
            ("hosts", hosts), ("groups", groups), ("environments", environments), ("windows", windows),
            ("addresses", addresses),
        ] {
            try InputBounds.count(list.count, "\(field).\(name)", atMost: 100_000)
            for (index, item) in list.enumerated() {
                try TextField.checkLength(item, "\(field).\(name)[\(index)]", max: 256)
            }
        }
        try TextField.checkLength(rollbackPlan, "\(field).rollbackPlan", max: 8000)
    }
}

extension StandardChangeTemplate: APIRequestBody {
    /// `PUT /api/v1/change-templates/{name}`: bounded names and counts, no negative limits.
    public func validate() throws {
        try TextField.check(name, "name", max: 64)
        try TextField.checkLength(summary, "summary", max: 2000)
        try InputBounds.count(environments.count, "environments", atMost: 1000)
        for (index, environment) in environments.enumerated() {
            try TextField.check(environment, "environments[\(index)]", max: 64)
        }
        if let mostCriticalTier { try InputBounds.check(mostCriticalTier, "mostCriticalTier", in: 0...1000) }
        if let maxHosts { try InputBounds.check(maxHosts, "maxHosts", in: 0...10_000_000) }
    }
}
