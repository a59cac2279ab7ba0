import Foundation

/// How a reader treats a record it cannot use.
public enum InvalidRecordPolicy: Sendable, Hashable {
    /// Throw at the first invalid record (the import then applies nothing).
    case fail
    /// Skip invalid records and report each one in ``FeedReadResult/skipped``.
    case skip
}

/// What a feed reader produced.
public struct FeedReadResult: Sendable {
    /// The advisories read.
    public var advisories: [Advisory]
    /// Records that were skipped under ``InvalidRecordPolicy/skip``, each naming source, record and field.
    public var skipped: [SecurityAdvisoriesError]
    /// Entries left out by design rather than for being invalid, counted per reason: an ecosystem
    /// PatchPilot does not scan (`Ubuntu:Pro:18.04:LTS`, `npm`) or a release it has no number for
    /// (`Debian:sid`, `Debian:woody`).
    public var ignoredEntries: [String: Int]

    /// Creates a result.
    public init(
        advisories: [Advisory] = [],
        skipped: [SecurityAdvisoriesError] = [],
        ignoredEntries: [String: Int] = [:]
    ) {
        self.advisories = advisories
        self.skipped = skipped
        self.ignoredEntries = ignoredEntries
    }

    /// The number of entries left out by design.
    public var ignoredEntryCount: Int { ignoredEntries.values.reduce(0, +) }

    /// Appends another result.
    public mutating func merge(_ other: FeedReadResult) {
        advisories += other.advisories
        skipped += other.skipped
        ignoredEntries.merge(other.ignoredEntries, uniquingKeysWith: +)
    }
}

/// The advisory formats PatchPilot reads; `patchpilot feeds import --format` takes these names.
public enum FeedFormat: String, Sendable, Hashable, CaseIterable, Codable {
    /// OSV JSON: one record, a directory of records, or an ecosystem `all.zip`.
    case osv
    /// Debian Security Tracker JSON (`/tracker/data/json`).
    case debianTrackerJSON = "debian-tracker-json"
    /// Debian `data/DSA/list`.
    case debianDSAList = "debian-dsa-list"
    /// Debian `data/DLA/list`.
    case debianDLAList = "debian-dla-list"
    /// CSAF 2.0 advisory or VEX document (Red Hat and others).
    case csaf
    /// Alpine secdb, JSON or YAML.
    case alpineSecDB = "alpine-secdb"
    /// CISA Known Exploited Vulnerabilities JSON.
    case kev
    /// FIRST EPSS CSV, plain or gzip.
    case epss
    /// NVD CVE API JSON 2.0.
    case nvd
}

/// Runs `body` for one record, applying the invalid-record policy.
///
/// - Returns: the record's value, or `nil` when it was skipped (the error is appended to `skipped`).
@inlinable
public func readRecord<T>(
    policy: InvalidRecordPolicy,
    skipped: inout [SecurityAdvisoriesError],
    _ body: () throws(SecurityAdvisoriesError) -> T
) throws(SecurityAdvisoriesError) -> T? {
    do {
        return try body()
    } catch {
        guard policy == .skip else { throw error }
        skipped.append(error)
        return nil
    }
}
