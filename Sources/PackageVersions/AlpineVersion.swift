/// An Alpine Linux (apk-tools) package version: `digit{.digit}...{letter}{_suffix{#}}...{~hash}{-r#}`.
///
/// Validation and ordering follow apk-tools' `apk_version_validate` and `apk_version_compare`:
/// numeric components compare numerically (a component after a dot with a leading zero compares as
/// a string, as Gentoo does), one optional lower-case letter follows the numbers, suffixes
/// `_alpha _beta _pre _rc` sort below the plain release and `_cvs _svn _git _hg _p` above it,
/// `~hash` compares as a string, and `-rN` is the package revision. Numbers wrap at 64 bits as
/// apk's `uint64_t` does.
///
/// ``compare(_:_:)`` also orders strings that are not valid versions. apk-tools releases disagree
/// there (2.x and 3.x give different answers), so for such pairs it uses the structural reading
/// vulnerability scanners use (osv-scalibr's corpus pins it): numbers, letter, suffixes, `-r#`,
/// then "has leftovers" sorts lower; two unparseable strings compare bytewise.
public struct AlpineVersion: Sendable, Hashable, Comparable, CustomStringConvertible, LosslessStringConvertible {
    /// The version text.
    public let text: String

    /// Parses and validates an apk version.
    ///
    /// - Throws: ``PackageVersionsError`` (``PackageVersionsError/Code/invalidAlpineVersion``) naming
    ///   the offset of the first token apk rejects and why.
    public init(parsing text: String) throws(PackageVersionsError) {
        if let failure = text.withUTF8Bytes({ APKTokenizer.validate($0) }) {
            throw PackageVersionsError(
                code: .invalidAlpineVersion,
                input: text,
                position: failure.position,
                reason: failure.reason
            )
        }
        self.text = text
    }

    /// Parses, returning `nil` for an invalid version.
    public init?(_ description: String) {
        guard let value = try? AlpineVersion(parsing: description) else { return nil }
        self = value
    }

    /// Whether `text` is a valid apk version (`apk_version_validate`).
    public static func isValid(_ text: String) -> Bool {
        text.withUTF8Bytes { APKTokenizer.validate($0) } == nil
    }

    /// apk's ordering of two version strings. Valid versions get apk-tools' order; when either
    /// string is invalid a documented best-effort order is used (see the type's documentation).
    public static func compare(_ lhs: String, _ rhs: String) -> VersionOrdering {
        lhs.withUTF8Bytes { a in
            rhs.withUTF8Bytes { b in
                if APKTokenizer.validate(a) == nil && APKTokenizer.validate(b) == nil {
                    return APKTokenizer.compare(a, b, fuzzy: false)
                }
                return APKInvalidOrdering.compare(a, b)
            }
        }
    }

    /// apk's fuzzy match (`~` dependency operator): `lhs` equals `rhs` or starts with all of
    /// `rhs`'s components (`3.6.9 ~ 3.6`).
    public static func fuzzyMatches(_ lhs: String, _ rhs: String) -> Bool {
        lhs.withUTF8Bytes { a in rhs.withUTF8Bytes { b in APKTokenizer.compare(a, b, fuzzy: true) } } == .equal
    }

    /// apk's ordering (both sides are valid, so this is exactly `apk_version_compare`).
    public func compare(to other: AlpineVersion) -> VersionOrdering {
        text.withUTF8Bytes { a in other.text.withUTF8Bytes { b in APKTokenizer.compare(a, b, fuzzy: false) } }
    }

    /// apk's order.
    public static func < (lhs: AlpineVersion, rhs: AlpineVersion) -> Bool {
        lhs.compare(to: rhs) == .less
    }

    /// apk's equality (`1.0-r1` == `1.0-r01`, `01` == `1`).
    public static func == (lhs: AlpineVersion, rhs: AlpineVersion) -> Bool {
        lhs.compare(to: rhs) == .equal
    }

    /// Hashes the token stream with each token's compared value, consistent with `==`.
    public func hash(into hasher: inout Hasher) {
        text.withUTF8Bytes { p in
            var t = APKTokenizer.State()
            APKTokenizer.first(&t, p)
            while t.token < APKTokenizer.end {
                hasher.combine(t.token)
                switch t.token {
                case APKTokenizer.digit where p[t.start] == 0x30, APKTokenizer.commitHash:
                    hasher.combine(
                        bytes: UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: p[t.start..<(t.start + t.length)]))
                    )
                case APKTokenizer.letter: hasher.combine(p[t.start])
                case APKTokenizer.suffix: hasher.combine(t.suffix)
                default: hasher.combine(t.number)
                }
                APKTokenizer.next(&t, p)
            }
            hasher.combine(t.token)
        }
    }

    /// The version text.
    public var description: String { text }
}

/// apk-tools' version tokenizer, re-implemented over UTF-8 bytes.
enum APKTokenizer {
    static let initialDigit: UInt8 = 0
    static let digit: UInt8 = 1
    static let letter: UInt8 = 2
    static let suffix: UInt8 = 3
    static let suffixNumber: UInt8 = 4
    static let commitHash: UInt8 = 5
    static let revisionNumber: UInt8 = 6
    static let end: UInt8 = 7
    static let invalid: UInt8 = 8

    /// Suffix ranks: invalid 0, alpha 1, beta 2, pre 3, rc 4, (none) 5, cvs 6, svn 7, git 8, hg 9, p 10.
    static let noSuffix: UInt8 = 5

    struct State {
        var token: UInt8 = 0
        var suffix: UInt8 = 0
        var number: UInt64 = 0
        var start = 0
        var length = 0
        /// Read position in the input.
        var position = 0
        /// Where the current token (or the failure) begins.
        var tokenStart = 0
        var reason = ""
    }

    @inline(__always)
    static func parseDigits(_ t: inout State, _ p: UnsafeBufferPointer<UInt8>) {
        let s = t.position
        var value: UInt64 = 0
        while t.position < p.count && isASCIIDigit(p[t.position]) {
            value = value &* 10 &+ UInt64(p[t.position] &- 0x30)
            t.position &+= 1
        }
        t.number = value
        t.start = s
        t.length = t.position &- s
        if t.length == 0 { fail(&t, "expected digits") }
    }

    @inline(__always)
    static func fail(_ t: inout State, _ reason: @autoclosure () -> String) {
        t.token = invalid
        t.reason = reason()
    }

    static func first(_ t: inout State, _ p: UnsafeBufferPointer<UInt8>) {
        t.token = initialDigit
        t.tokenStart = 0
        parseDigits(&t, p)
        if t.token == invalid { t.reason = "version must start with a digit" }
    }

    static func suffixValue(_ p: UnsafeBufferPointer<UInt8>, _ s: Int, _ n: Int) -> UInt8 {
        func equals(_ literal: StaticString) -> Bool {
            guard literal.utf8CodeUnitCount == n else { return false }
            let l = literal.utf8Start
            for k in 0..<n where l[k] != p[s + k] { return false }
            return true
        }
        if n == 0 { return 0 }
        switch p[s] {
        case 0x61: return equals("alpha") ? 1 : 0
        case 0x62: return equals("beta") ? 2 : 0
        case 0x63: return equals("cvs") ? 6 : 0
        case 0x67: return equals("git") ? 8 : 0
        case 0x68: return equals("hg") ? 9 : 0
        case 0x70: return n > 1 ? (equals("pre") ? 3 : 0) : 10
        case 0x72: return equals("rc") ? 4 : 0
        case 0x73: return equals("svn") ? 7 : 0
        default: return 0
        }
    }

    static func next(_ t: inout State, _ p: UnsafeBufferPointer<UInt8>) {
        let n = p.count
        t.tokenStart = t.position
        if t.position >= n {
            t.token = end
            return
        }
        let c = p[t.position]
        switch c {
        case 0x61...0x7A:
            if t.token > digit { return fail(&t, "a letter may only follow the numeric components") }
            t.start = t.position
            t.length = 1
            t.token = letter
            t.position &+= 1
        case 0x2E, 0x30...0x39:
            if c == 0x2E {
                if t.token > digit { return fail(&t, "'.' may only separate numeric components") }
                t.position &+= 1
            }
            switch t.token {
            case initialDigit, digit: t.token = digit
            case suffix: t.token = suffixNumber
            default: return fail(&t, "unexpected digit")
            }
            parseDigits(&t, p)
        case 0x5F:
            if t.token > suffixNumber { return fail(&t, "a '_' suffix cannot follow a hash or revision") }
            t.position &+= 1
            let s = t.position
            while t.position < n && p[t.position] &- 0x61 < 26 { t.position &+= 1 }
            t.start = s
            t.length = t.position &- s
            t.suffix = suffixValue(p, s, t.length)
            if t.suffix == 0 { return fail(&t, "unknown suffix (expected alpha beta pre rc cvs svn git hg p)") }
            t.token = suffix
        case 0x7E:
            if t.token >= commitHash { return fail(&t, "a '~' hash cannot follow a hash or revision") }
            t.position &+= 1
            let s = t.position
            while t.position < n && (isASCIIDigit(p[t.position]) || p[t.position] &- 0x61 < 6) { t.position &+= 1 }
            t.start = s
            t.length = t.position &- s
            if t.length == 0 { return fail(&t, "'~' must be followed by lower-case hex digits") }
            t.token = commitHash
        case 0x2D:
            if t.token >= revisionNumber { return fail(&t, "only one '-r' revision is allowed") }
            guard t.position &+ 1 < n, p[t.position &+ 1] == 0x72 else {
                return fail(&t, "'-' must start a '-rN' revision")
            }
            t.position &+= 2
            t.token = revisionNumber
            parseDigits(&t, p)
            if t.token == invalid { t.reason = "'-r' must be followed by digits" }
        default:
            fail(&t, "unexpected character")
        }
    }

    /// `nil` when valid, else where and why it fails.
    static func validate(_ p: UnsafeBufferPointer<UInt8>) -> Failure? {
        var t = State()
        first(&t, p)
        while t.token < end { next(&t, p) }
        if t.token == end { return nil }
        return Failure(position: t.tokenStart, reason: t.reason)
    }

    @inline(__always)
    static func stringOrder(
        _ p: UnsafeBufferPointer<UInt8>,
        _ a: State,
        _ q: UnsafeBufferPointer<UInt8>,
        _ b: State
    )
        -> Int
    {
        compareKeyBytes(
            UnsafeBufferPointer(rebasing: p[a.start..<(a.start + a.length)]),
            UnsafeBufferPointer(rebasing: q[b.start..<(b.start + b.length)])
        )
    }

    static func tokenOrder(
        _ p: UnsafeBufferPointer<UInt8>,
        _ a: State,
        _ q: UnsafeBufferPointer<UInt8>,
        _ b: State
    )
        -> Int
    {
        let x: UInt64
        let y: UInt64
        switch a.token {
        case digit where p[a.start] == 0x30 || q[b.start] == 0x30:
            return stringOrder(p, a, q, b)
        case digit, initialDigit, suffixNumber, revisionNumber:
            x = a.number
            y = b.number
        case letter:
            x = UInt64(p[a.start])
            y = UInt64(q[b.start])
        case suffix:
            x = UInt64(a.suffix)
            y = UInt64(b.suffix)
        default:
            return stringOrder(p, a, q, b)
        }
        return x < y ? -1 : (x > y ? 1 : 0)
    }

    static func compare(
        _ p: UnsafeBufferPointer<UInt8>,
        _ q: UnsafeBufferPointer<UInt8>,
        fuzzy: Bool
    )
        -> VersionOrdering
    {
        var ta = State()
        var tb = State()
        first(&ta, p)
        first(&tb, q)
        while ta.token == tb.token && ta.token < end {
            let r = tokenOrder(p, ta, q, tb)
            if r != 0 { return VersionOrdering(r) }
            next(&ta, p)
            next(&tb, q)
        }
        if ta.token == tb.token {
            if ta.token == invalid {
                // apk answers "equal" here; order the unparsed rest bytewise to stay total.
                return VersionOrdering(
                    compareKeyBytes(
                        UnsafeBufferPointer(rebasing: p[ta.tokenStart...]),
                        UnsafeBufferPointer(rebasing: q[tb.tokenStart...])
                    )
                )
            }
            return .equal
        }
        if tb.token == end && fuzzy { return .equal }
        if ta.token == suffix && ta.suffix < noSuffix { return .less }
        if tb.token == suffix && tb.suffix < noSuffix { return .greater }
        if ta.token > tb.token { return .less }
        if tb.token > ta.token { return .greater }
        return .equal
    }
}
