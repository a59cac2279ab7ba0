import Foundation

/// A compliance hold: no change may touch ``scope`` between ``starts`` and ``ends`` (a legal hold,
/// an audit in progress, a forensic investigation).
public struct ComplianceHold: Sendable, Hashable {
    /// The hold's name.
    public var name: String
    /// What it freezes.
    public var scope: PolicyScope
    /// Why.
    public var reason: String
    /// Start of the hold.
    public var starts: Date
    /// End of the hold (exclusive).
    public var ends: Date

    /// Creates a hold.
    public init(name: String, scope: PolicyScope, reason: String, starts: Date, ends: Date) {
        self.name = name
        self.scope = scope
        self.reason = reason
        self.starts = starts
        self.ends = ends
    }

    /// Whether the hold is in force at the instant.
    public func isActive(at date: Date) -> Bool { starts <= date && date < ends }

    /// Whether the hold blocks a change to `target` at `date`: it is active and the scopes overlap.
    ///
    /// Scopes overlap unless they name different hosts, different groups, or different subjects
    /// ("all" overlaps everything). A group and a single host are taken to overlap, since
    /// membership is unknown here: ask ``isHeld(hostID:groups:packages:advisories:at:)`` with the
    /// host's groups for an exact answer.
    public func isHeld(_ target: PolicyScope, at date: Date) -> Bool {
        guard isActive(at: date) else { return false }
        return Self.overlaps(scope.hosts, target.hosts) && Self.overlaps(scope.subject, target.subject)
    }

    /// Whether the hold blocks a change on one host to the packages or advisories at `date`.
    public func isHeld(
        hostID: String,
        groups: Set<String>,
        packages: [String],
        advisories: [String],
        at date: Date
    )
        -> Bool
    {
        isActive(at: date) && scope.covers(hostID: hostID, groups: groups, packages: packages, advisories: advisories)
    }

    private static func overlaps(_ lhs: PolicyScope.Hosts, _ rhs: PolicyScope.Hosts) -> Bool {
        switch (lhs, rhs) {
        case (.all, _), (_, .all): true
        case (.host(let a), .host(let b)): a == b
        case (.group(let a), .group(let b)): a == b
        default: true
        }
    }

    private static func overlaps(_ lhs: PolicyScope.Subject, _ rhs: PolicyScope.Subject) -> Bool {
        switch (lhs, rhs) {
        case (.all, _), (_, .all): true
        case (.package(let a), .package(let b)): a == b
        case (.advisory(let a), .advisory(let b)): a == b
        default: true
        }
    }
}
