/// An RPM version label, `[epoch:]version[-release]` (EVR), ordered as rpm orders it.
///
/// Splitting follows rpm's `parseEVR()`: a leading run of digits followed by `:` is the epoch, and
/// the release follows the *last* hyphen. Ordering is `rpmverCmp()` (what `rpm.labelCompare`
/// uses): epochs, versions and releases each compared with `rpmvercmp()` — alphanumeric segments,
/// digits numerically (any length) and above letters, `~` sorting before everything (even the end),
/// `^` sorting after the end but before any further segment, other characters only separating.
///
/// Missing parts are explicit:
/// - A missing epoch counts as `0` for ``compare(to:)`` and `<`, as rpm does. A matcher that cannot
///   assume that (an inventory that drops epochs) uses ``compare(to:missingEpoch:)`` with
///   ``MissingEpoch/unknown``, which answers `nil` when exactly one side has an epoch.
/// - A missing release sorts before any release, even an empty one (rpm's `compare_values`).
///
/// Equality is rpm's equality (`1.0` == `1_0` == `1.00`); comparing parsed values allocates nothing,
/// and neither does comparing two strings once with ``compare(_:_:)``, which skips the parsed value.
public struct RPMVersion: Sendable, Hashable, Comparable, CustomStringConvertible, LosslessStringConvertible {
    /// How to treat an epoch that one version spells and the other does not.
    public enum MissingEpoch: Sendable, Hashable {
        /// rpm's rule: a missing epoch is epoch 0.
        case zero
        /// The missing epoch could be anything: the comparison is undecided (`nil`) when exactly
        /// one of the two versions has an epoch.
        case unknown
    }

    /// The text as given; the parts below are slices of it.
    @usableFromInline let text: String
    /// UTF-8 offsets: epoch end (-1: no epoch), version start/end, release start (-1: none).
    @usableFromInline let epochEnd: Int32
    @usableFromInline let versionStart: Int32
    @usableFromInline let versionEnd: Int32
    @usableFromInline let releaseStart: Int32
    /// Order key: epoch key, version key, release marker (0 absent, 1 present), release key.
    @usableFromInline let key: [UInt8]

    /// The epoch digits as written (`""` for `:1.0`, which rpm reads as 0), or `nil` when absent.
    public var epoch: String? { epochEnd < 0 ? nil : slice(0, Int(epochEnd)) }
    /// The version part (between the epoch colon and the last hyphen).
    public var version: String { slice(Int(versionStart), Int(versionEnd)) }
    /// The release after the last hyphen, or `nil` when there is no hyphen.
    public var release: String? { releaseStart < 0 ? nil : slice(Int(releaseStart), text.utf8.count) }

    private func slice(_ start: Int, _ end: Int) -> String {
        text.withUTF8Bytes { p in String(decoding: UnsafeBufferPointer(rebasing: p[start..<end]), as: UTF8.self) }
    }

    /// The epoch as a number (0 when absent or empty), or `nil` when it does not fit in 64 bits.
    public var numericEpoch: UInt64? {
        guard let epoch, !epoch.isEmpty else { return 0 }
        return UInt64(epoch)
    }

    /// Parses an EVR string. rpm accepts any non-empty string; so does this, except NUL bytes.
    ///
    /// - Throws: ``PackageVersionsError`` (``PackageVersionsError/Code/invalidRPMVersion``) for an
    ///   empty string or a NUL byte.
    public init(parsing text: String) throws(PackageVersionsError) {
        var parsedOrNil: RPMKey.Parsed?
        var failure: Failure?
        var bytes = text
        bytes.withUTF8 { p in
            do throws(Failure) {
                parsedOrNil = try RPMKey.parse(p)
            } catch {
                failure = error
            }
        }
        guard let parsed = parsedOrNil else {
            let error = failure ?? Failure(position: 0, reason: "unparseable")
            throw PackageVersionsError(
                code: .invalidRPMVersion,
                input: text,
                position: error.position,
                reason: error.reason
            )
        }
        self.text = text
        self.epochEnd = Int32(truncatingIfNeeded: parsed.epoch?.upperBound ?? -1)
        self.versionStart = Int32(truncatingIfNeeded: parsed.version.lowerBound)
        self.versionEnd = Int32(truncatingIfNeeded: parsed.version.upperBound)
        self.releaseStart = Int32(truncatingIfNeeded: parsed.release?.lowerBound ?? -1)
        self.key = parsed.key
    }

    /// Builds a version from its parts (as `rpm.labelCompare((e, v, r), …)` takes them).
    ///
    /// - Throws: ``PackageVersionsError`` if a part contains `:`/`-` where rpm could not split it
    ///   back, or a NUL byte.
    public init(epoch: String?, version: String, release: String?) throws(PackageVersionsError) {
        var text = epoch.map { $0 + ":" } ?? ""
        text += version
        if let release { text += "-" + release }
        let parsed = try RPMVersion(parsing: text)
        guard parsed.epoch == epoch, parsed.version == version, parsed.release == release else {
            throw PackageVersionsError(
                code: .invalidRPMVersion,
                input: text,
                position: nil,
                reason: "epoch must be digits and version must not contain '-' (parts do not round-trip)"
            )
        }
        self = parsed
    }

    /// Parses, returning `nil` for an invalid string.
    public init?(_ description: String) {
        guard let value = try? RPMVersion(parsing: description) else { return nil }
        self = value
    }

    /// rpm's ordering (missing epoch = 0, missing release lowest).
    @inlinable
    public func compare(to other: RPMVersion) -> VersionOrdering {
        VersionOrdering(compareKeyBytes(key, other.key))
    }

    /// Ordering with an explicit missing-epoch rule; `nil` means "cannot tell" (only with
    /// ``MissingEpoch/unknown`` when exactly one side has an epoch).
    public func compare(to other: RPMVersion, missingEpoch: MissingEpoch) -> VersionOrdering? {
        switch missingEpoch {
        case .zero:
            return compare(to: other)
        case .unknown:
            if (epoch == nil) != (other.epoch == nil) { return nil }
            return compare(to: other)
        }
    }

    /// rpm's order.
    @inlinable
    public static func < (lhs: RPMVersion, rhs: RPMVersion) -> Bool {
        compareKeyBytes(lhs.key, rhs.key) < 0
    }

    /// rpm's equality (`1.0-1` == `1_0-1`, `0:1` == `1`).
    @inlinable
    public static func == (lhs: RPMVersion, rhs: RPMVersion) -> Bool {
        lhs.key == rhs.key
    }

    /// Hashes the order key.
    public func hash(into hasher: inout Hasher) {
        key.withUnsafeBytes { hasher.combine(bytes: $0) }
    }

    /// `[epoch:]version[-release]` as parsed.
    public var description: String {
        var text = epoch.map { $0 + ":" } ?? ""
        text += version
        if let release { text += "-" + release }
        return text
    }
}

/// The rpmvercmp order key: a token stream `~` < END < `^` < alpha segment < numeric segment,
/// alpha segments as their bytes plus a 0 terminator, numeric ones as order-preserving numbers.
enum RPMKey {
    static let tilde: UInt8 = 1
    static let end: UInt8 = 2
    static let caret: UInt8 = 3
    static let alpha: UInt8 = 4
    static let numeric: UInt8 = 5

    @inline(__always)
    static func append(
        _ p: UnsafeBufferPointer<UInt8>,
        _ start: Int,
        _ end: Int,
        _ out: UnsafeMutablePointer<UInt8>,
        _ pos: inout Int
    ) {
        var i = start
        while true {
            while i < end {
                let c = p[i]
                if isASCIIAlphanumeric(c) || c == 0x7E || c == 0x5E { break }
                i &+= 1
            }
            if i == end { break }
            let c = p[i]
            if c == 0x7E {
                out[pos] = tilde
                pos &+= 1
                i &+= 1
            } else if c == 0x5E {
                out[pos] = caret
                pos &+= 1
                i &+= 1
            } else if isASCIIDigit(c) {
                out[pos] = numeric
                pos &+= 1
                let s = i
                while i < end && isASCIIDigit(p[i]) { i &+= 1 }
                appendNumber(p, from: s, to: i, into: out, at: &pos)
            } else {
                out[pos] = alpha
                pos &+= 1
                while i < end && isASCIILetter(p[i]) {
                    out[pos] = p[i]
                    pos &+= 1
                    i &+= 1
                }
                out[pos] = 0
                pos &+= 1
            }
        }
        out[pos] = RPMKey.end
        pos &+= 1
    }

    struct Parsed {
        var epoch: Range<Int>?
        var version: Range<Int>
        var release: Range<Int>?
        var key: [UInt8]
    }

    static func parse(_ p: UnsafeBufferPointer<UInt8>) throws(Failure) -> Parsed {
        let n = p.count
        if n == 0 { throw Failure(position: 0, reason: "version string is empty") }
        var s = 0
        while s < n && isASCIIDigit(p[s]) { s &+= 1 }
        var hyphen = -1
        var i = n
        while i > s {
            i &-= 1
            let c = p[i]
            if c == 0 { throw Failure(position: i, reason: "version string contains a NUL byte") }
            if c == 0x2D && hyphen < 0 { hyphen = i }
        }
        let epochRange: Range<Int>?
        let versionStart: Int
        if s < n && p[s] == 0x3A {
            epochRange = 0..<s
            versionStart = s &+ 1
        } else {
            epochRange = nil
            versionStart = 0
        }
        let versionEnd = hyphen >= 0 ? hyphen : n
        let releaseRange: Range<Int>? = hyphen >= 0 ? (hyphen &+ 1)..<n : nil
        let key = [UInt8](unsafeUninitializedCapacity: 3 &* n &+ 16) { buffer, count in
            let out = buffer.baseAddress!
            var pos = 0
            if let epochRange, !epochRange.isEmpty {
                append(p, epochRange.lowerBound, epochRange.upperBound, out, &pos)
            } else {
                // A missing or empty epoch is "0" (rpmverCmp and parseEVR).
                out[0] = numeric
                out[1] = 0
                out[2] = RPMKey.end
                pos = 3
            }
            append(p, versionStart, versionEnd, out, &pos)
            if let releaseRange {
                out[pos] = 1
                pos &+= 1
                append(p, releaseRange.lowerBound, releaseRange.upperBound, out, &pos)
            } else {
                out[pos] = 0
                pos &+= 1
            }
            count = pos
        }
        return Parsed(epoch: epochRange, version: versionStart..<versionEnd, release: releaseRange, key: key)
    }
}
