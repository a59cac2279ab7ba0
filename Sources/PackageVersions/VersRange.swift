/// A version range specifier from the Package URL project (`vers`):
/// `vers:<scheme>/<constraint>|<constraint>|…`, for example `vers:deb/>=1.0|<1.2`.
///
/// Parsing removes spaces, percent-decodes versions, validates each against the scheme
/// (`deb`, `rpm`, `apk`/`alpine`, `semver`/`npm`), rejects duplicate versions and invalid
/// comparator sequences, and sorts constraints by the scheme's order. ``contains(_:)`` implements
/// the spec's containment algorithm.
public struct VersRange: Sendable, Hashable, CustomStringConvertible {
    /// A constraint comparator.
    public enum Comparator: String, Sendable, Hashable, CaseIterable {
        /// `=` (written as a bare version).
        case equal = "="
        /// `!=`.
        case notEqual = "!="
        /// `<`.
        case lessThan = "<"
        /// `<=`.
        case lessThanOrEqual = "<="
        /// `>`.
        case greaterThan = ">"
        /// `>=`.
        case greaterThanOrEqual = ">="

        var isLower: Bool { self == .lessThan || self == .lessThanOrEqual }
        var isGreater: Bool { self == .greaterThan || self == .greaterThanOrEqual }
        var includesEqual: Bool { self == .equal || self == .lessThanOrEqual || self == .greaterThanOrEqual }
    }

    /// One `<comparator><version>` constraint.
    public struct Constraint: Sendable, Hashable, CustomStringConvertible {
        /// The comparator.
        public let comparator: Comparator
        /// The parsed version.
        public let version: AnyVersion

        /// Canonical text: the comparator (none for `=`) and the percent-encoded version.
        public var description: String {
            (comparator == .equal ? "" : comparator.rawValue)
                + PercentEncoding.encode(version.description) { c in
                    c > 0x20 && c < 0x7F && !"><=!*|%".utf8.contains(c)
                }
        }
    }

    /// The versioning scheme name as written (lower-cased), e.g. `deb`, `alpine`, `npm`.
    public let schemeName: String
    /// The scheme used to parse and order versions.
    public let scheme: VersionScheme
    /// The constraints sorted by version; empty for `*`.
    public let constraints: [Constraint]
    /// Whether the range is `*` (every version).
    public let isWildcard: Bool

    /// Parses a `vers:` string.
    ///
    /// - Throws: ``PackageVersionsError`` (``PackageVersionsError/Code/invalidVersRange``, or the
    ///   scheme's version error naming the bad version).
    public init(parsing text: String) throws(PackageVersionsError) {
        func fail(_ reason: String) -> PackageVersionsError {
            PackageVersionsError(code: .invalidVersRange, input: text, position: nil, reason: reason)
        }
        let compact = String(text.filter { $0 != " " && $0 != "\t" })
        guard let colon = compact.firstIndex(of: ":"), compact[..<colon].lowercased() == "vers" else {
            throw fail("must start with 'vers:'")
        }
        let specifier = compact[compact.index(after: colon)...]
        guard let slash = specifier.firstIndex(of: "/") else { throw fail("missing '/' after the versioning scheme") }
        schemeName = specifier[..<slash].lowercased()
        guard !schemeName.isEmpty else { throw fail("empty versioning scheme") }
        do {
            scheme = try VersionScheme(name: schemeName)
        } catch {
            throw fail("unsupported versioning scheme '\(schemeName)'")
        }
        let constraintText = specifier[specifier.index(after: slash)...]
        guard !constraintText.isEmpty else { throw fail("no constraints") }
        if constraintText == "*" {
            isWildcard = true
            constraints = []
            return
        }
        isWildcard = false
        var parsed: [Constraint] = []
        for item in constraintText.split(separator: "|") {
            var comparator = Comparator.equal
            var rest = item
            for candidate in [">=", "<=", "!=", "<", ">", "="] where item.hasPrefix(candidate) {
                comparator = Comparator(rawValue: candidate)!
                rest = item.dropFirst(candidate.count)
                break
            }
            guard !rest.isEmpty else { throw fail("empty version in constraint '\(item)'") }
            if rest == "*" { throw fail("'*' must be the only constraint") }
            guard let decoded = PercentEncoding.decode(rest) else { throw fail("bad percent-encoding in '\(rest)'") }
            let version = try AnyVersion(parsing: decoded, scheme: scheme)
            if parsed.contains(where: { $0.version.compare(to: version) == .equal }) {
                throw fail("version '\(decoded)' appears more than once")
            }
            parsed.append(Constraint(comparator: comparator, version: version))
        }
        guard !parsed.isEmpty else { throw fail("no constraints") }
        parsed.sort { $0.version.compare(to: $1.version) == .less }
        // Ignoring '!=': '=' may only be followed by '=', '>' or '>='; ignoring '=' as well,
        // lesser and greater comparators must alternate.
        let withoutUnequal = parsed.filter { $0.comparator != .notEqual }
        for (a, b) in zip(withoutUnequal, withoutUnequal.dropFirst())
        where a.comparator == .equal && b.comparator.isLower {
            throw fail("'\(a)' cannot be followed by '\(b)'")
        }
        let ordered = withoutUnequal.filter { $0.comparator != .equal }
        for (a, b) in zip(ordered, ordered.dropFirst()) where a.comparator.isLower == b.comparator.isLower {
            throw fail("'\(a)' and '\(b)' do not alternate between lower and upper bounds")
        }
        constraints = parsed
    }

    /// Whether `version` (already parsed, same scheme) lies in the range.
    public func contains(_ version: AnyVersion) -> Bool {
        if isWildcard { return true }
        for c in constraints where c.version.compare(to: version) == .equal {
            if c.comparator.includesEqual { return true }
            if c.comparator == .notEqual { return false }
        }
        let bounds = constraints.filter { $0.comparator != .equal && $0.comparator != .notEqual }
        if bounds.isEmpty {
            // Only '=' / '!=' constraints: inside unless excluded (handled above) or only '=' given.
            return constraints.contains { $0.comparator == .notEqual }
                && !constraints.contains { $0.comparator == .equal }
        }
        if let first = bounds.first, first.comparator.isLower, version.compare(to: first.version) == .less {
            return true
        }
        if let last = bounds.last, last.comparator.isGreater, version.compare(to: last.version) == .greater {
            return true
        }
        for (current, next) in zip(bounds, bounds.dropFirst())
        where current.comparator.isGreater && next.comparator.isLower {
            if version.compare(to: current.version) == .greater && version.compare(to: next.version) == .less {
                return true
            }
        }
        return false
    }

    /// Parses `version` by the range's scheme and tells whether it lies in the range.
    public func contains(_ version: String) throws(PackageVersionsError) -> Bool {
        contains(try AnyVersion(parsing: version, scheme: scheme))
    }

    /// One-call check: parses `range` and `version` and answers "is `version` in `range`?".
    public static func contains(_ version: String, in range: String) throws(PackageVersionsError) -> Bool {
        try VersRange(parsing: range).contains(version)
    }

    /// The canonical `vers:` string (sorted constraints, percent-encoded versions).
    public var description: String {
        "vers:\(schemeName)/" + (isWildcard ? "*" : constraints.map(\.description).joined(separator: "|"))
    }
}
