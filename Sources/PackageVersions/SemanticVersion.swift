/// A Semantic Versioning 2.0.0 version: `MAJOR.MINOR.PATCH[-prerelease][+build]`.
///
/// Precedence follows semver.org §11: numeric fields numerically; a version with a prerelease sorts
/// before the same version without; prerelease identifiers compare left to right, numeric ones
/// numerically (any length) and below alphanumeric ones, which compare in ASCII order; a shorter
/// list of equal identifiers sorts first. Build metadata is ignored for precedence, so `==` and
/// `hash` ignore it too; ``isIdentical(to:)`` compares it as well.
public struct SemanticVersion: Sendable, Hashable, Comparable, CustomStringConvertible, LosslessStringConvertible {
    /// The major version.
    public var major: UInt64
    /// The minor version.
    public var minor: UInt64
    /// The patch version.
    public var patch: UInt64
    /// The dot-separated prerelease identifiers (empty for a release).
    public var prerelease: [String]
    /// The dot-separated build-metadata identifiers (ignored for precedence).
    public var buildMetadata: [String]

    /// Creates a version from its parts (identifiers are not validated here).
    public init(major: UInt64, minor: UInt64, patch: UInt64, prerelease: [String] = [], buildMetadata: [String] = []) {
        self.major = major
        self.minor = minor
        self.patch = patch
        self.prerelease = prerelease
        self.buildMetadata = buildMetadata
    }

    /// Parses a SemVer 2.0.0 string. With `loose`, surrounding spaces and a leading `v` or `=`
    /// are accepted (node-semver's loose mode for those cases).
    ///
    /// - Throws: ``PackageVersionsError`` (``PackageVersionsError/Code/invalidSemanticVersion``).
    public init(parsing text: String, loose: Bool = false) throws(PackageVersionsError) {
        var bytes = Array(text.utf8)
        var offset = 0
        func fail(_ at: Int, _ reason: String) -> PackageVersionsError {
            PackageVersionsError(code: .invalidSemanticVersion, input: text, position: at + offset, reason: reason)
        }
        if loose {
            while let f = bytes.first, f == 0x20 || f == 0x09 {
                bytes.removeFirst()
                offset += 1
            }
            while let l = bytes.last, l == 0x20 || l == 0x09 { bytes.removeLast() }
            if let f = bytes.first, f == 0x3D || f == 0x76 || f == 0x56 {
                bytes.removeFirst()
                offset += 1
                while let g = bytes.first, g == 0x20 || g == 0x09 {
                    bytes.removeFirst()
                    offset += 1
                }
            }
        }
        var i = 0
        func numeric(_ field: String) throws(PackageVersionsError) -> UInt64 {
            let s = i
            while i < bytes.count && isASCIIDigit(bytes[i]) { i += 1 }
            if i == s { throw fail(s, "expected the \(field) number") }
            if bytes[s] == 0x30 && i - s > 1 { throw fail(s, "\(field) number has a leading zero") }
            var value: UInt64 = 0
            for k in s..<i {
                let (m, o1) = value.multipliedReportingOverflow(by: 10)
                let (a, o2) = m.addingReportingOverflow(UInt64(bytes[k] - 0x30))
                if o1 || o2 { throw fail(s, "\(field) number is too large") }
                value = a
            }
            return value
        }
        func expectDot() throws(PackageVersionsError) {
            guard i < bytes.count, bytes[i] == 0x2E else { throw fail(i, "expected '.'") }
            i += 1
        }
        func identifiers(_ what: String, numericRules: Bool) throws(PackageVersionsError) -> [String] {
            var result: [String] = []
            while true {
                let s = i
                var allDigits = true
                while i < bytes.count {
                    let c = bytes[i]
                    if isASCIIDigit(c) {
                    } else if isASCIILetter(c) || c == 0x2D {
                        allDigits = false
                    } else {
                        break
                    }
                    i += 1
                }
                if i == s { throw fail(s, "empty \(what) identifier") }
                if numericRules && allDigits && bytes[s] == 0x30 && i - s > 1 {
                    throw fail(s, "numeric \(what) identifier has a leading zero")
                }
                result.append(String(decoding: bytes[s..<i], as: UTF8.self))
                if i < bytes.count && bytes[i] == 0x2E {
                    i += 1
                    continue
                }
                return result
            }
        }
        major = try numeric("major")
        try expectDot()
        minor = try numeric("minor")
        try expectDot()
        patch = try numeric("patch")
        prerelease = []
        buildMetadata = []
        if i < bytes.count && bytes[i] == 0x2D {
            i += 1
            prerelease = try identifiers("prerelease", numericRules: true)
        }
        if i < bytes.count && bytes[i] == 0x2B {
            i += 1
            buildMetadata = try identifiers("build metadata", numericRules: false)
        }
        if i != bytes.count { throw fail(i, "unexpected character") }
    }

    /// Parses strictly, returning `nil` for an invalid version.
    public init?(_ description: String) {
        guard let value = try? SemanticVersion(parsing: description) else { return nil }
        self = value
    }

    /// Whether this is a prerelease version.
    public var isPrerelease: Bool { !prerelease.isEmpty }

    /// SemVer precedence.
    public func compare(to other: SemanticVersion) -> VersionOrdering {
        if major != other.major { return major < other.major ? .less : .greater }
        if minor != other.minor { return minor < other.minor ? .less : .greater }
        if patch != other.patch { return patch < other.patch ? .less : .greater }
        switch (prerelease.isEmpty, other.prerelease.isEmpty) {
        case (true, true): return .equal
        case (true, false): return .greater
        case (false, true): return .less
        case (false, false): break
        }
        for (a, b) in zip(prerelease, other.prerelease) {
            let r = SemanticVersion.compareIdentifiers(a, b)
            if r != .equal { return r }
        }
        return VersionOrdering(prerelease.count - other.prerelease.count)
    }

    static func compareIdentifiers(_ a: String, _ b: String) -> VersionOrdering {
        let an = !a.isEmpty && a.utf8.allSatisfy(isASCIIDigit)
        let bn = !b.isEmpty && b.utf8.allSatisfy(isASCIIDigit)
        switch (an, bn) {
        case (true, true):
            let x = a.drop { $0 == "0" }
            let y = b.drop { $0 == "0" }
            if x.utf8.count != y.utf8.count { return x.utf8.count < y.utf8.count ? .less : .greater }
            return VersionOrdering(x.withUTF8Bytes { p in y.withUTF8Bytes { q in compareKeyBytes(p, q) } })
        case (true, false): return .less
        case (false, true): return .greater
        case (false, false):
            return VersionOrdering(a.withUTF8Bytes { p in b.withUTF8Bytes { q in compareKeyBytes(p, q) } })
        }
    }

    /// Parses both strings (strictly, or loosely) and compares them.
    public static func compare(
        _ lhs: String,
        _ rhs: String,
        loose: Bool = false
    ) throws(PackageVersionsError)
        -> VersionOrdering
    {
        try SemanticVersion(parsing: lhs, loose: loose).compare(to: SemanticVersion(parsing: rhs, loose: loose))
    }

    /// SemVer precedence.
    public static func < (lhs: SemanticVersion, rhs: SemanticVersion) -> Bool { lhs.compare(to: rhs) == .less }

    /// Equal precedence (build metadata ignored).
    public static func == (lhs: SemanticVersion, rhs: SemanticVersion) -> Bool { lhs.compare(to: rhs) == .equal }

    /// Hashes the fields that take part in precedence.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(major)
        hasher.combine(minor)
        hasher.combine(patch)
        hasher.combine(prerelease.count)
        for identifier in prerelease {
            if identifier.utf8.allSatisfy(isASCIIDigit) {
                hasher.combine(String(identifier.drop { $0 == "0" }))
            } else {
                hasher.combine(identifier)
            }
        }
    }

    /// Whether both versions are spelled identically, build metadata included.
    public func isIdentical(to other: SemanticVersion) -> Bool {
        self == other && prerelease == other.prerelease && buildMetadata == other.buildMetadata
    }

    /// `MAJOR.MINOR.PATCH[-pre][+build]`.
    public var description: String {
        var text = "\(major).\(minor).\(patch)"
        if !prerelease.isEmpty { text += "-" + prerelease.joined(separator: ".") }
        if !buildMetadata.isEmpty { text += "+" + buildMetadata.joined(separator: ".") }
        return text
    }
}
