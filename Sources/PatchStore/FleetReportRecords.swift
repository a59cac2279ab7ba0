import Foundation
import SecurityAdvisories

/// A host as fleet-wide reports see it: its number, id and name, a key that changes when what
/// places it in policy groups (its OS release, labels, tags) changes, and — only when the caller
/// asked for it — the decoded record.
public struct FleetHost: Sendable, Hashable {
    /// The host's number (`OpenFindingGroup.hosts` refers to hosts by it).
    public var number: Int64
    /// The host id.
    public var id: String
    /// The host name.
    public var hostname: String
    /// A hash of the stored OS release, labels and tags: equal within one process while they are
    /// unchanged, so a caller can keep what it derived from them.
    public var descriptionKey: Int
    /// The record, when the caller's `decode` answered true for this host.
    public var record: HostRecord?

    /// Creates a fleet host.
    public init(number: Int64, id: String, hostname: String, descriptionKey: Int, record: HostRecord?) {
        self.number = number
        self.id = id
        self.hostname = hostname
        self.descriptionKey = descriptionKey
        self.record = record
    }
}

/// The open findings of one package finding (a distinct package version × one advisory) across the
/// fleet: the finding's facts once, then every host running that package version with the instant
/// its finding began — what fleet-wide reports fold without materialising a row per host finding.
public struct OpenFindingGroup: Sendable {
    /// The finding as every one of these hosts has it.
    public var finding: Finding
    /// Host numbers (`FleetHost.number`), ascending.
    public var hosts: [Int64]
    /// When each host's finding began, in milliseconds since 1970; parallel to `hosts`.
    public var startMillis: [Int64]

    /// Creates a group.
    public init(finding: Finding, hosts: [Int64], startMillis: [Int64]) {
        self.finding = finding
        self.hosts = hosts
        self.startMillis = startMillis
    }
}
