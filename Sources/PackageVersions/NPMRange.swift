/// An npm (node-semver) range: `||`-separated sets of space-separated comparators, with hyphen
/// ranges (`1.2.3 - 2.3.4`), X-ranges (`1.x`, `1.2.*`, `*`, ``), tilde (`~1.2.3`) and caret
/// (`^0.2.3`) ranges, desugared exactly as node-semver does.
///
/// Prerelease rule (node-semver's default): a prerelease version satisfies a set only if some
/// comparator in that set has a prerelease on the same `major.minor.patch`
/// (`1.2.3-beta.4` satisfies `>1.2.3-alpha.3` but not `>1.2.2`). Pass
/// `includePrerelease: true` to ``contains(_:includePrerelease:)`` to drop that rule.
public struct NPMRange: Sendable, Hashable, CustomStringConvertible {
    /// One primitive comparison.
    public struct Comparator: Sendable, Hashable, CustomStringConvertible {
        /// The operator; `nil` matches any version.
        public var op: VersionOperator?
        /// The version compared against (unused when `op` is `nil`).
        public var version: SemanticVersion

        /// Whether `candidate` passes this comparator (prerelease rule not applied here).
        public func test(_ candidate: SemanticVersion) -> Bool {
            guard let op else { return true }
            return op.holds(for: candidate.compare(to: version))
        }

        /// `>=1.2.3`, `<2.0.0-0`, or `*` for "any".
        public var description: String {
            guard let op else { return "*" }
            let symbol =
                switch op {
                case .lessThan: "<"
                case .lessThanOrEqual: "<="
                case .equal: ""
                case .notEqual: "!="
                case .greaterThanOrEqual: ">="
                case .greaterThan: ">"
                }
            return symbol + version.description
        }
    }

    /// The alternatives (`||`); each is a conjunction of comparators.
    public let sets: [[Comparator]]
    /// The range text as given.
    public let text: String

    /// Parses a node-semver range.
    ///
    /// - Throws: ``PackageVersionsError`` (``PackageVersionsError/Code/invalidNPMRange``).
    public init(parsing text: String) throws(PackageVersionsError) {
        self.text = text
        var sets: [[Comparator]] = []
        for alternative in text.split(separator: "||", omittingEmptySubsequences: false) {
            sets.append(try NPMRange.parseSet(String(alternative), whole: text))
        }
        self.sets = sets
    }

    /// Whether `version` satisfies the range.
    public func contains(_ version: SemanticVersion, includePrerelease: Bool = false) -> Bool {
        sets.contains { set in
            guard set.allSatisfy({ $0.test(version) }) else { return false }
            if version.prerelease.isEmpty || includePrerelease { return true }
            return set.contains { c in
                c.op != nil && !c.version.prerelease.isEmpty && c.version.major == version.major
                    && c.version.minor == version.minor && c.version.patch == version.patch
            }
        }
    }

    /// The desugared comparator sets, `||`-joined.
    public var description: String {
        sets.map { $0.map(\.description).joined(separator: " ") }.joined(separator: " || ")
    }

    // MARK: Parsing

    struct Partial {
        var major: UInt64?
        var minor: UInt64?
        var patch: UInt64?
        var prerelease: [String] = []
        func full(_ M: UInt64, _ m: UInt64, _ p: UInt64, pre: [String] = []) -> SemanticVersion {
            SemanticVersion(major: M, minor: m, patch: p, prerelease: pre)
        }
    }

    static let operatorPrefixes = ["<=", ">=", "~>", "<", ">", "=", "~", "^"]

    static func parseSet(_ raw: String, whole: String) throws(PackageVersionsError) -> [Comparator] {
        var tokens = raw.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        // Join operators separated from their version by spaces (`>= 1.2`, `~ 1.2`).
        var merged: [String] = []
        var index = 0
        while index < tokens.count {
            var token = tokens[index]
            while operatorPrefixes.contains(where: { $0 == token || $0 + "=" == token }) && index + 1 < tokens.count
                && tokens[index + 1] != "-"
            {
                index += 1
                token += tokens[index]
            }
            merged.append(token)
            index += 1
        }
        tokens = merged
        if tokens.isEmpty { return [Comparator(op: nil, version: SemanticVersion(major: 0, minor: 0, patch: 0))] }
        if tokens.count == 3 && tokens[1] == "-" {
            let from = try parsePartial(tokens[0], whole: whole)
            let to = try parsePartial(tokens[2], whole: whole)
            var result: [Comparator] = []
            if let M = from.major {
                if let m = from.minor {
                    if let p = from.patch {
                        result.append(.init(op: .greaterThanOrEqual, version: from.full(M, m, p, pre: from.prerelease)))
                    } else {
                        result.append(.init(op: .greaterThanOrEqual, version: from.full(M, m, 0)))
                    }
                } else {
                    result.append(.init(op: .greaterThanOrEqual, version: from.full(M, 0, 0)))
                }
            }
            if let M = to.major {
                if let m = to.minor {
                    if let p = to.patch {
                        result.append(.init(op: .lessThanOrEqual, version: to.full(M, m, p, pre: to.prerelease)))
                    } else {
                        result.append(.init(op: .lessThan, version: to.full(M, m &+ 1, 0, pre: ["0"])))
                    }
                } else {
                    result.append(.init(op: .lessThan, version: to.full(M &+ 1, 0, 0, pre: ["0"])))
                }
            }
            return result.isEmpty
                ? [Comparator(op: nil, version: SemanticVersion(major: 0, minor: 0, patch: 0))] : result
        }
        var result: [Comparator] = []
        for token in tokens {
            result.append(contentsOf: try desugar(token, whole: whole))
        }
        return result
    }

    static func parsePartial(_ text: String, whole: String) throws(PackageVersionsError) -> Partial {
        var s = Substring(text)
        while let f = s.first, f == "v" || f == "=" || f == "V" { s = s.dropFirst() }
        func fail(_ reason: String) -> PackageVersionsError {
            PackageVersionsError(code: .invalidNPMRange, input: whole, position: nil, reason: "'\(text)': \(reason)")
        }
        var partial = Partial()
        // Split off prerelease/build from the third component only.
        var core = s
        var qualifier: Substring = ""
        if let dash = s.firstIndex(where: { $0 == "-" || $0 == "+" }) {
            core = s[..<dash]
            qualifier = s[dash...]
        }
        let parts = core.split(separator: ".", omittingEmptySubsequences: false)
        if parts.isEmpty || parts.count > 3 { throw fail("expected MAJOR[.MINOR[.PATCH]]") }
        var values: [UInt64?] = []
        for part in parts {
            if part == "x" || part == "X" || part == "*" {
                values.append(nil)
            } else if !part.isEmpty, part.utf8.allSatisfy(isASCIIDigit), let v = UInt64(part) {
                if part.count > 1 && part.first == "0" { throw fail("number has a leading zero") }
                values.append(v)
            } else {
                throw fail("'\(part)' is not a number or x")
            }
        }
        partial.major = values[0]
        partial.minor = partial.major == nil ? nil : (values.count > 1 ? values[1] : nil)
        partial.patch = partial.minor == nil ? nil : (values.count > 2 ? values[2] : nil)
        if !qualifier.isEmpty {
            guard partial.patch != nil else { throw fail("a prerelease needs a full MAJOR.MINOR.PATCH") }
            let full: SemanticVersion
            do {
                full = try SemanticVersion(parsing: "0.0.0" + qualifier)
            } catch {
                throw fail(error.reason)
            }
            partial.prerelease = full.prerelease
        }
        return partial
    }

    static func desugar(_ token: String, whole: String) throws(PackageVersionsError) -> [Comparator] {
        var op = ""
        for prefix in operatorPrefixes where token.hasPrefix(prefix) {
            op = prefix
            break
        }
        let partial = try parsePartial(String(token.dropFirst(op.count)), whole: whole)
        let any = [Comparator(op: nil, version: SemanticVersion(major: 0, minor: 0, patch: 0))]
        let none = [
            Comparator(op: .lessThan, version: SemanticVersion(major: 0, minor: 0, patch: 0, prerelease: ["0"]))
        ]
        let pre = partial.prerelease
        func v(_ M: UInt64, _ m: UInt64, _ p: UInt64, _ pr: [String] = []) -> SemanticVersion {
            SemanticVersion(major: M, minor: m, patch: p, prerelease: pr)
        }
        switch op {
        case "~", "~>":
            guard let M = partial.major else { return any }
            guard let m = partial.minor else {
                return [
                    .init(op: .greaterThanOrEqual, version: v(M, 0, 0)),
                    .init(op: .lessThan, version: v(M &+ 1, 0, 0, ["0"])),
                ]
            }
            let p = partial.patch ?? 0
            return [
                .init(op: .greaterThanOrEqual, version: v(M, m, p, partial.patch == nil ? [] : pre)),
                .init(op: .lessThan, version: v(M, m &+ 1, 0, ["0"])),
            ]
        case "^":
            guard let M = partial.major else { return any }
            guard let m = partial.minor else {
                return [
                    .init(op: .greaterThanOrEqual, version: v(M, 0, 0)),
                    .init(op: .lessThan, version: v(M &+ 1, 0, 0, ["0"])),
                ]
            }
            guard let p = partial.patch else {
                let upper = M == 0 ? v(M, m &+ 1, 0, ["0"]) : v(M &+ 1, 0, 0, ["0"])
                return [.init(op: .greaterThanOrEqual, version: v(M, m, 0)), .init(op: .lessThan, version: upper)]
            }
            let upper: SemanticVersion
            if M == 0 {
                upper = m == 0 ? v(M, m, p &+ 1, ["0"]) : v(M, m &+ 1, 0, ["0"])
            } else {
                upper = v(M &+ 1, 0, 0, ["0"])
            }
            return [.init(op: .greaterThanOrEqual, version: v(M, m, p, pre)), .init(op: .lessThan, version: upper)]
        default:
            var gtlt = op
            let anyX = partial.patch == nil
            if gtlt == "=" && anyX { gtlt = "" }
            guard let M0 = partial.major else {
                return (gtlt == ">" || gtlt == "<") ? none : any
            }
            if !anyX {
                let version = v(M0, partial.minor!, partial.patch!, pre)
                let o: VersionOperator =
                    switch gtlt {
                    case "<": .lessThan
                    case "<=": .lessThanOrEqual
                    case ">": .greaterThan
                    case ">=": .greaterThanOrEqual
                    default: .equal
                    }
                return [.init(op: o, version: version)]
            }
            if gtlt.isEmpty {
                if let m = partial.minor {
                    return [
                        .init(op: .greaterThanOrEqual, version: v(M0, m, 0)),
                        .init(op: .lessThan, version: v(M0, m &+ 1, 0, ["0"])),
                    ]
                }
                return [
                    .init(op: .greaterThanOrEqual, version: v(M0, 0, 0)),
                    .init(op: .lessThan, version: v(M0 &+ 1, 0, 0, ["0"])),
                ]
            }
            var M = M0
            var m = partial.minor ?? 0
            let xm = partial.minor == nil
            var o: VersionOperator
            switch gtlt {
            case ">":
                o = .greaterThanOrEqual
                if xm {
                    M &+= 1
                    m = 0
                } else {
                    m &+= 1
                }
            case "<=":
                o = .lessThan
                if xm { M &+= 1 } else { m &+= 1 }
            case "<": o = .lessThan
            default: o = .greaterThanOrEqual
            }
            return [.init(op: o, version: v(M, m, 0, o == .lessThan ? ["0"] : []))]
        }
    }
}
