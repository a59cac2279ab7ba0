/// `POST /api/v1/policy`: what the new policy changes against the one in force and, unless it was
/// a dry run, the version it was stored as.
public struct PolicyApplyResult: Codable, Sendable {
    /// `false` for a dry run.
    public var applied: Bool
    /// The new version when applied; for a dry run, the version in force (absent before any).
    public var version: Int64?
    /// The changes in words (`+ group web`, `+ calendar maintenance.ics`, …).
    public var changes: [String]

    public init(applied: Bool, version: Int64?, changes: [String]) {
        self.applied = applied
        self.version = version
        self.changes = changes
    }
}
