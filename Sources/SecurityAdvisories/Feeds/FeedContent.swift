import Foundation

/// Everything one feed document or archive contributed.
public struct FeedContent: Sendable {
    /// Advisories.
    public var advisories: [Advisory]
    /// KEV entries.
    public var knownExploited: [KnownExploitedVulnerability]
    /// EPSS scores.
    public var epss: [EPSSScore]
    /// Records skipped under ``InvalidRecordPolicy/skip``.
    public var skipped: [SecurityAdvisoriesError]

    /// Creates content.
    public init(
        advisories: [Advisory] = [],
        knownExploited: [KnownExploitedVulnerability] = [],
        epss: [EPSSScore] = [],
        skipped: [SecurityAdvisoriesError] = []
    ) {
        self.advisories = advisories
        self.knownExploited = knownExploited
        self.epss = epss
        self.skipped = skipped
    }

    /// Appends another document's content.
    public mutating func merge(_ other: FeedContent) {
        advisories += other.advisories
        knownExploited += other.knownExploited
        epss += other.epss
        skipped += other.skipped
    }
}
