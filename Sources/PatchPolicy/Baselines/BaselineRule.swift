import SecurityAdvisories

/// One approval rule of a ``PatchBaseline``: which updates it matches, and what it does with them.
public struct BaselineRule: Sendable, Hashable {
    /// What a matching rule does.
    public enum Action: Sendable, Hashable {
        /// Approve once this many days have passed since release (0: at once).
        case approveAfter(days: Int)
        /// Reject.
        case reject
    }

    /// The rule's name (reported as the deciding rule).
    public var name: String
    /// Classifications it matches (empty: any).
    public var classifications: Set<UpdateClassification>
    /// Severities it matches (empty: any).
    public var severities: Set<Severity>
    /// `true`: only KEV updates; `false`: only non-KEV; nil: either.
    public var knownExploited: Bool?
    /// Package name patterns it matches (empty: any).
    public var include: [GlobPattern]
    /// Package name patterns it never matches.
    public var exclude: [GlobPattern]
    /// What it does.
    public var action: Action

    /// Creates a rule.
    public init(
        name: String,
        classifications: Set<UpdateClassification> = [],
        severities: Set<Severity> = [],
        knownExploited: Bool? = nil,
        include: [GlobPattern] = [],
        exclude: [GlobPattern] = [],
        action: Action
    ) {
        self.name = name
        self.classifications = classifications
        self.severities = severities
        self.knownExploited = knownExploited
        self.include = include
        self.exclude = exclude
        self.action = action
    }

    /// Whether the rule matches the update.
    public func matches(_ update: CandidateUpdate) -> Bool {
        if !classifications.isEmpty && !classifications.contains(update.classification) { return false }
        if !severities.isEmpty && !severities.contains(update.severity) { return false }
        if let knownExploited, knownExploited != update.knownExploited { return false }
        if !include.isEmpty && !include.contains(where: { $0.matches(update.package) }) { return false }
        if exclude.contains(where: { $0.matches(update.package) }) { return false }
        return true
    }
}
