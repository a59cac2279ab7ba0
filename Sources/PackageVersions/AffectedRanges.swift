/// An OSV `affected[].ranges[]` entry of type `ECOSYSTEM` or `SEMVER`, evaluated as the OSV
/// schema specifies: events sorted by the scheme's order, then walked; `introduced` (with `"0"`
/// meaning "from the beginning") switches to affected, `fixed` (at or above) and `last_affected`
/// (strictly above) switch back, and `limit` events (`"*"` = no limit) cap the range.
public struct AffectedRange: Sendable, Hashable {
    /// The OSV range type.
    public enum RangeType: String, Sendable, Hashable {
        /// Versions in the ecosystem's own scheme (`deb`, `rpm`, `apk`, …).
        case ecosystem = "ECOSYSTEM"
        /// SemVer 2.0.0 versions.
        case semver = "SEMVER"
    }

    /// One OSV range event.
    public enum Event: Sendable, Hashable {
        /// First affected version; `"0"` means every version before the others.
        case introduced(String)
        /// First version that is no longer affected.
        case fixed(String)
        /// Last version known to be affected.
        case lastAffected(String)
        /// Upper limit of the range (exclusive); `"*"` means none.
        case limit(String)

        /// Builds an event from its OSV JSON key (`introduced`, `fixed`, `last_affected`, `limit`).
        public init(key: String, version: String) throws(PackageVersionsError) {
            switch key {
            case "introduced": self = .introduced(version)
            case "fixed": self = .fixed(version)
            case "last_affected": self = .lastAffected(version)
            case "limit": self = .limit(version)
            default:
                throw PackageVersionsError(
                    code: .invalidAffectedRange,
                    input: key,
                    position: nil,
                    reason: "unknown OSV range event"
                )
            }
        }

        /// The event's version string.
        public var version: String {
            switch self {
            case .introduced(let v), .fixed(let v), .lastAffected(let v), .limit(let v): v
            }
        }
    }

    /// The range type.
    public let type: RangeType
    /// The scheme versions are ordered by (``VersionScheme/semver`` for `SEMVER` ranges).
    public let scheme: VersionScheme
    /// The events as given.
    public let events: [Event]
    /// Parsed event versions (`nil` for the sentinels `"0"` and `"*"`), sorted for evaluation.
    private let sorted: [(event: Event, version: AnyVersion?)]

    /// Creates a range and parses every event version by the scheme's rules.
    ///
    /// - Throws: ``PackageVersionsError`` (``PackageVersionsError/Code/invalidAffectedRange``) for an
    ///   event version that does not parse, or a range without an `introduced` event.
    public init(type: RangeType, scheme: VersionScheme, events: [Event]) throws(PackageVersionsError) {
        let scheme = type == .semver ? VersionScheme.semver : scheme
        self.type = type
        self.scheme = scheme
        self.events = events
        guard events.contains(where: { if case .introduced = $0 { true } else { false } }) else {
            throw PackageVersionsError(
                code: .invalidAffectedRange,
                input: "\(events)",
                position: nil,
                reason: "an OSV range needs at least one 'introduced' event"
            )
        }
        var parsed: [(event: Event, version: AnyVersion?)] = []
        for event in events {
            switch event {
            case .introduced("0"), .limit("*"):
                parsed.append((event, nil))
            default:
                do {
                    parsed.append((event, try AnyVersion(parsing: event.version, scheme: scheme)))
                } catch {
                    throw PackageVersionsError(
                        code: .invalidAffectedRange,
                        input: event.version,
                        position: error.position,
                        reason: "event version is not a valid \(scheme) version: \(error.reason)"
                    )
                }
            }
        }
        // "0" sorts first; otherwise by version (stable for ties).
        self.sorted = parsed.enumerated().sorted { a, b in
            switch (a.element.version, b.element.version) {
            case (nil, nil): return a.offset < b.offset
            case (nil, _): return true
            case (_, nil): return false
            case (let x?, let y?):
                let order = x.compare(to: y) ?? .equal
                return order == .less || (order == .equal && a.offset < b.offset)
            }
        }.map(\.element)
    }

    /// Whether `version` is affected by this range.
    public func contains(_ version: AnyVersion) -> Bool {
        let limits = sorted.filter { if case .limit = $0.event { true } else { false } }
        if !limits.isEmpty {
            let underSomeLimit = limits.contains { limit in
                guard let bound = limit.version else { return true }
                return version.compare(to: bound) == .less
            }
            if !underSomeLimit { return false }
        }
        var affected = false
        for (event, bound) in sorted {
            switch event {
            case .introduced:
                if bound == nil || version.compare(to: bound!) != .less { affected = true }
            case .fixed:
                if version.compare(to: bound!) != .less { affected = false }
            case .lastAffected:
                if version.compare(to: bound!) == .greater { affected = false }
            case .limit:
                continue
            }
        }
        return affected
    }

    /// Parses `version` by the range's scheme and tells whether it is affected.
    public func contains(_ version: String) throws(PackageVersionsError) -> Bool {
        contains(try AnyVersion(parsing: version, scheme: scheme))
    }

    /// The OSV answer for one `affected[]` entry: `version` is affected if it is listed in
    /// `versions` (compared by the scheme's equality) or lies in any of `ranges`.
    public static func isAffected(
        _ version: String,
        scheme: VersionScheme,
        ranges: [AffectedRange],
        versions: [String] = []
    ) throws(PackageVersionsError) -> Bool {
        let parsed = try AnyVersion(parsing: version, scheme: scheme)
        for listed in versions {
            if let other = try? AnyVersion(parsing: listed, scheme: scheme), other.compare(to: parsed) == .equal {
                return true
            }
        }
        return ranges.contains { range in
            if range.scheme == scheme { return range.contains(parsed) }
            return (try? range.contains(version)) ?? false
        }
    }

    /// Equality of type, scheme and events.
    public static func == (lhs: AffectedRange, rhs: AffectedRange) -> Bool {
        lhs.type == rhs.type && lhs.scheme == rhs.scheme && lhs.events == rhs.events
    }

    /// Hashes type, scheme and events.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(type)
        hasher.combine(scheme)
        hasher.combine(events)
    }
}
