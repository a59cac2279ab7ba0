import FleetModel
import PackageVersions

/// Advisories indexed by (release, package-name kind, package name), with versions parsed once.
///
/// Building the index parses every fixed version and range; matching then only compares parsed
/// versions. Entries whose versions do not parse in the release's scheme are counted in
/// ``unusableEntries`` and never match (a feed error must not produce a false "fixed").
public struct AdvisoryIndex: Sendable {
    /// Lookup key.
    public struct Key: Sendable, Hashable {
        /// The release.
        public var release: EcosystemRelease
        /// Source or binary name.
        public var kind: PackageNameKind
        /// The package name.
        public var name: String

        /// Creates a key.
        public init(release: EcosystemRelease, kind: PackageNameKind, name: String) {
            self.release = release
            self.kind = kind
            self.name = name
        }
    }

    /// One affected entry, ready to compare.
    public struct Entry: Sendable {
        /// Advisory index.
        public var advisory: Int32
        /// Affected-entry index within the advisory.
        public var affectedEntry: Int32
        /// The status.
        public var status: AffectedStatus
        /// The fixed version as text.
        public var fixedVersion: String?
        /// The fixed version parsed.
        public var fixed: AnyVersion?
        /// Parsed ranges (empty when the entry has only a fixed version or none).
        public var ranges: [AffectedRange]
        /// Explicit affected versions.
        public var versions: Set<String>
        /// Binary name → fixed binary version, when the advisory lists binaries.
        public var binaries: [String: String]
    }

    /// The advisories, in index order.
    public private(set) var advisories: [Advisory]
    private var entries: [Key: [Entry]]
    /// Affected entries that could not be used (unparseable versions).
    public private(set) var unusableEntries: Int

    /// Builds the index. Withdrawn advisories are left out.
    public init(advisories: [Advisory]) {
        self.advisories = []
        self.entries = [:]
        self.unusableEntries = 0
        for advisory in advisories { insert(advisory) }
    }

    /// Adds one advisory (replacing none: callers rebuild when an advisory changes).
    public mutating func insert(_ advisory: Advisory) {
        guard advisory.withdrawn == nil else { return }
        let advisoryIndex = Int32(advisories.count)
        advisories.append(advisory)
        for (entryIndex, affected) in advisory.affected.enumerated() {
            guard let entry = Self.makeEntry(affected, advisory: advisoryIndex, index: Int32(entryIndex)) else {
                unusableEntries += 1
                continue
            }
            entries[Key(release: affected.release, kind: affected.nameKind, name: affected.name), default: []]
                .append(entry)
        }
    }

    /// The entries for a key.
    public func entries(for key: Key) -> [Entry] { entries[key] ?? [] }

    /// The keys present (for incremental re-correlation).
    public var keys: Dictionary<Key, [Entry]>.Keys { entries.keys }

    static func makeEntry(_ affected: AffectedPackage, advisory: Int32, index: Int32) -> Entry? {
        let scheme = affected.scheme
        var fixed: AnyVersion?
        if let text = affected.fixedVersion {
            guard let parsed = try? AnyVersion(parsing: text, scheme: scheme) else { return nil }
            fixed = parsed
        }
        var ranges: [AffectedRange] = []
        for range in affected.ranges {
            var events: [AffectedRange.Event] = range.introduced.map { .introduced($0) }
            events += range.fixed.map { .fixed($0) }
            events += range.lastAffected.map { .lastAffected($0) }
            events += range.limit.map { .limit($0) }
            guard let parsed = try? AffectedRange(type: .ecosystem, scheme: scheme, events: events) else {
                return nil
            }
            ranges.append(parsed)
        }
        if affected.status == .fixed, fixed == nil, ranges.isEmpty { return nil }
        return Entry(
            advisory: advisory,
            affectedEntry: index,
            status: affected.status,
            fixedVersion: affected.fixedVersion,
            fixed: fixed,
            ranges: ranges,
            versions: Set(affected.versions),
            binaries: Dictionary(
                affected.binaries.map { ($0.name, $0.version) },
                uniquingKeysWith: { first, _ in first }
            )
        )
    }
}
