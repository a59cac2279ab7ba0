/// A Debian package version, `[epoch:]upstream_version[-debian_revision]` (deb-version(7)).
///
/// Parsing applies the checks `dpkg`'s `parseversion()` applies; ordering is dpkg's
/// (`dpkg_version_compare`): epochs numerically, then upstream version and revision with
/// `verrevcmp` — `~` sorts before everything (even the end of the string), letters before
/// non-letters, and digit runs compare numerically with no limit on their length.
///
/// Equality is dpkg's equality, not spelling: `1.0` == `1.00`, `0:1` == `1`, `1.0` == `1.0-0`.
/// ``description`` keeps the parsed spelling, so `DebianVersion(v.description) == v` always holds.
///
/// Comparing two parsed values is allocation-free: parsing builds a byte key whose plain
/// lexicographic order is dpkg's order. To compare two strings once, ``compare(_:_:validation:)``
/// validates and compares them in place, with no allocation at all.
public struct DebianVersion: Sendable, Hashable, Comparable, CustomStringConvertible, LosslessStringConvertible {
    /// How much of dpkg's validation to apply.
    public enum Validation: Sendable, Hashable {
        /// Reject everything `parseversion()` reports, errors and warnings alike (what
        /// `Dpkg::Version::is_valid` and `dpkg-deb --build` refuse): the default.
        case strict
        /// Reject only what `dpkg --compare-versions` refuses (exit status 2); accept, as dpkg does
        /// with a warning, versions that do not start with a digit or contain odd characters.
        case lenient
    }

    /// The epoch (0 when absent), at most `Int32.max` as in dpkg.
    public let epoch: Int
    /// Whether the text spelled an epoch (`0:1.0`) or not (`1.0`); does not affect ordering.
    public let hasExplicitEpoch: Bool
    /// The text as given (possibly with surrounding blanks); the parts below are slices of it.
    @usableFromInline let text: String
    /// UTF-8 offsets of the upstream version and revision in ``text`` (revision start < 0: none).
    @usableFromInline let upstreamStart: Int32
    @usableFromInline let upstreamEnd: Int32
    @usableFromInline let revisionStart: Int32
    @usableFromInline let revisionEnd: Int32
    /// The order key: 4-byte big-endian epoch, then upstream and revision keys (see `DebianKey`).
    @usableFromInline let key: [UInt8]

    /// The upstream version: everything between the epoch colon and the last hyphen.
    public var upstreamVersion: String { slice(upstreamStart, upstreamEnd) }

    /// The Debian revision after the last hyphen, or `nil` when the version has no hyphen.
    public var revision: String? { revisionStart < 0 ? nil : slice(revisionStart, revisionEnd) }

    private func slice(_ start: Int32, _ end: Int32) -> String {
        text.withUTF8Bytes { p in
            String(decoding: UnsafeBufferPointer(rebasing: p[Int(start)..<Int(end)]), as: UTF8.self)
        }
    }

    /// Parses a version, applying `validation` (``Validation/strict`` by default).
    ///
    /// - Throws: ``PackageVersionsError`` with code ``PackageVersionsError/Code/invalidDebianVersion``,
    ///   dpkg's reason (for example `revision number is empty`) and the byte offset.
    public init(parsing text: String, validation: Validation = .strict) throws(PackageVersionsError) {
        var parsedOrNil: Parsed?
        var failure: Failure?
        var bytes = text
        let lenient = validation == .lenient
        bytes.withUTF8 { p in
            do throws(Failure) {
                parsedOrNil = try DebianKey.parse(p, lenient: lenient)
            } catch {
                failure = error
            }
        }
        guard let parsed = parsedOrNil else {
            let error = failure ?? Failure(position: 0, reason: "unparseable")
            throw PackageVersionsError(
                code: .invalidDebianVersion,
                input: text,
                position: error.position,
                reason: error.reason
            )
        }
        self.text = text
        self.epoch = parsed.epoch
        self.hasExplicitEpoch = parsed.hasEpoch
        self.key = parsed.key
        self.upstreamStart = Int32(truncatingIfNeeded: parsed.upstream.lowerBound)
        self.upstreamEnd = Int32(truncatingIfNeeded: parsed.upstream.upperBound)
        self.revisionStart = Int32(truncatingIfNeeded: parsed.revision?.lowerBound ?? -1)
        self.revisionEnd = Int32(truncatingIfNeeded: parsed.revision?.upperBound ?? -1)
    }

    /// Parses strictly, returning `nil` for an invalid version.
    public init?(_ description: String) {
        guard let value = try? DebianVersion(parsing: description) else { return nil }
        self = value
    }

    /// Whether `text` is a valid version under `validation`.
    public static func isValid(_ text: String, validation: Validation = .strict) -> Bool {
        (try? DebianVersion(parsing: text, validation: validation)) != nil
    }

    /// dpkg's ordering of two parsed versions.
    @inlinable
    public func compare(to other: DebianVersion) -> VersionOrdering {
        VersionOrdering(compareKeyBytes(key, other.key))
    }

    /// dpkg's order.
    @inlinable
    public static func < (lhs: DebianVersion, rhs: DebianVersion) -> Bool {
        compareKeyBytes(lhs.key, rhs.key) < 0
    }

    /// dpkg's equality (`1.0` == `1.00`).
    @inlinable
    public static func == (lhs: DebianVersion, rhs: DebianVersion) -> Bool {
        lhs.key == rhs.key
    }

    /// Hashes the order key, so equal versions hash equally whatever their spelling.
    public func hash(into hasher: inout Hasher) {
        key.withUnsafeBytes { hasher.combine(bytes: $0) }
    }

    /// `[epoch:]upstream[-revision]`, with the epoch only when the parsed text had one.
    public var description: String {
        var text = hasExplicitEpoch ? "\(epoch):" : ""
        text += upstreamVersion
        if let revision { text += "-" + revision }
        return text
    }
}

// MARK: - Parsing and key building

struct Failure: Error {
    let position: Int
    let reason: String
}

extension DebianVersion {
    struct Parsed {
        var epoch: Int
        var hasEpoch: Bool
        var upstream: Range<Int>
        var revision: Range<Int>?
        var key: [UInt8]
    }
}

/// The Debian order key.
///
/// A version string is a sequence of pairs (non-digit run N, digit run D); verrevcmp compares N
/// character by character with `order()` (`~` < end-of-run < letters < everything else) and D
/// numerically, and treats the end of the string as an endless run of empty pairs. The key writes
/// each pair as the mapped characters of N, a run terminator T, then D as an order-preserving
/// number, and ends every string with END, which sorts above `~` and below every other character
/// (the only thing that can follow a common prefix is the next pair's non-empty N).
enum DebianKey {
    static let tilde: UInt8 = 1
    static let end: UInt8 = 2
    static let runEnd: UInt8 = 3

    /// dpkg's `order()` mapped to one byte, preserving its order. `c` is never a digit or NUL.
    @inline(__always)
    static func weight(_ c: UInt8) -> UInt8 {
        if c == 0x7E { return tilde }
        if c &- 0x41 < 26 { return 4 &+ (c &- 0x41) }  // A-Z: 4...29
        if c &- 0x61 < 26 { return 30 &+ (c &- 0x61) }  // a-z: 30...55
        if c >= 0x80 { return 56 &+ (c &- 0x80) }  // signed char c+256: 56...183
        // Other ASCII (order c+256): 184...248, skipping digits, letters and '~'.
        if c < 0x30 { return 183 &+ c }  // 0x01...0x2F -> 184...230
        if c < 0x41 { return 231 &+ (c &- 0x3A) }  // 0x3A...0x40 -> 231...237
        if c < 0x61 { return 238 &+ (c &- 0x5B) }  // 0x5B...0x60 -> 238...243
        return 244 &+ (c &- 0x7B)  // 0x7B...0x7F -> 244...248
    }

    /// Appends the key of `p[start..<end]` (one verrevcmp operand).
    @inline(__always)
    static func appendString(
        _ p: UnsafeBufferPointer<UInt8>,
        _ start: Int,
        _ end: Int,
        _ out: UnsafeMutablePointer<UInt8>,
        _ pos: inout Int
    ) {
        var i = start
        repeat {
            while i < end {
                let c = p[i]
                if isASCIIDigit(c) { break }
                out[pos] = weight(c)
                pos &+= 1
                i &+= 1
            }
            out[pos] = runEnd
            pos &+= 1
            let digits = i
            while i < end && isASCIIDigit(p[i]) { i &+= 1 }
            appendNumber(p, from: digits, to: i, into: out, at: &pos)
        } while i < end
        out[pos] = DebianKey.end
        pos &+= 1
    }

    @inline(__always)
    static func isBlank(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 }

    /// Offsets of a validated version: upstream `versionStart..<upstreamEnd`, revision
    /// `upstreamEnd + 1 ..< end` when `upstreamEnd < end` (none otherwise).
    struct Split {
        var epoch: Int
        var hasEpoch: Bool
        var versionStart: Int
        var upstreamEnd: Int
        var end: Int
    }

    static func parse(_ p: UnsafeBufferPointer<UInt8>, lenient: Bool) throws(Failure) -> DebianVersion.Parsed {
        let split = try self.split(p, lenient: lenient)
        let epoch = split.epoch
        let versionStart = split.versionStart
        let upstreamEnd = split.upstreamEnd
        let end = split.end
        let revisionRange: Range<Int>? = upstreamEnd < end ? (upstreamEnd &+ 1)..<end : nil
        let length = end &- versionStart
        let capacity = 4 &+ 3 &* length &+ 24
        let key = [UInt8](unsafeUninitializedCapacity: capacity) { buffer, count in
            let out = buffer.baseAddress!
            let e = UInt32(truncatingIfNeeded: epoch)
            out[0] = UInt8(truncatingIfNeeded: e >> 24)
            out[1] = UInt8(truncatingIfNeeded: e >> 16)
            out[2] = UInt8(truncatingIfNeeded: e >> 8)
            out[3] = UInt8(truncatingIfNeeded: e)
            var pos = 4
            appendString(p, versionStart, upstreamEnd, out, &pos)
            if let revisionRange {
                appendString(p, revisionRange.lowerBound, revisionRange.upperBound, out, &pos)
            } else {
                appendString(p, 0, 0, out, &pos)
            }
            count = pos
        }
        return DebianVersion.Parsed(
            epoch: epoch,
            hasEpoch: split.hasEpoch,
            upstream: versionStart..<upstreamEnd,
            revision: revisionRange,
            key: key
        )
    }

    /// `parseversion()`'s checks and splitting, without building the key.
    @inline(__always)
    static func split(_ p: UnsafeBufferPointer<UInt8>, lenient: Bool) throws(Failure) -> Split {
        let n = p.count
        var start = 0
        while start < n && isBlank(p[start]) { start &+= 1 }
        if start == n { throw Failure(position: start, reason: "version string is empty") }
        var end = start
        while end < n && !isBlank(p[end]) {
            if p[end] == 0 { throw Failure(position: end, reason: "version string contains a NUL byte") }
            end &+= 1
        }
        var rest = end
        while rest < n && isBlank(p[rest]) { rest &+= 1 }
        if rest != n { throw Failure(position: end, reason: "version string has embedded spaces") }

        var colon = start
        while colon < end && p[colon] != 0x3A { colon &+= 1 }
        var epoch = 0
        var hasEpoch = false
        var versionStart = start
        if colon < end {
            // strtol(): leading isspace (only \n \v \f \r can remain here), optional sign, digits.
            var i = start
            while i < colon && p[i] &- 0x0A < 4 { i &+= 1 }
            var negative = false
            if i < colon && (p[i] == 0x2B || p[i] == 0x2D) {
                negative = p[i] == 0x2D
                i &+= 1
            }
            let digitsStart = i
            var value = 0
            while i < end && isASCIIDigit(p[i]) {
                if value <= Int(Int32.max) { value = value &* 10 &+ Int(p[i] &- 0x30) }
                i &+= 1
            }
            if i == digitsStart { throw Failure(position: start, reason: "epoch in version is empty") }
            if i != colon { throw Failure(position: i, reason: "epoch in version is not number") }
            if negative && value != 0 { throw Failure(position: start, reason: "epoch in version is negative") }
            if value > Int(Int32.max) { throw Failure(position: digitsStart, reason: "epoch in version is too big") }
            if colon &+ 1 == end {
                throw Failure(position: colon, reason: "nothing after colon in version number")
            }
            epoch = value
            hasEpoch = true
            versionStart = colon &+ 1
        }
        var hyphen = end
        var j = end
        while j > versionStart {
            j &-= 1
            if p[j] == 0x2D {
                hyphen = j
                break
            }
        }
        if hyphen == end &- 1 { throw Failure(position: hyphen, reason: "revision number is empty") }
        let upstreamEnd = hyphen
        if upstreamEnd == versionStart { throw Failure(position: versionStart, reason: "version number is empty") }
        if !lenient {
            if !isASCIIDigit(p[versionStart]) {
                throw Failure(position: versionStart, reason: "version number does not start with digit")
            }
            var k = versionStart &+ 1
            while k < upstreamEnd {
                let c = p[k]
                // . + - ~ :
                if !(isASCIIAlphanumeric(c) || c == 0x2E || c == 0x2B || c == 0x2D || c == 0x7E || c == 0x3A) {
                    throw Failure(position: k, reason: "invalid character in version number")
                }
                k &+= 1
            }
            if hyphen < end {
                k = hyphen &+ 1
                while k < end {
                    let c = p[k]
                    if !(isASCIIAlphanumeric(c) || c == 0x2E || c == 0x2B || c == 0x7E) {
                        throw Failure(position: k, reason: "invalid character in revision number")
                    }
                    k &+= 1
                }
            }
        }
        return Split(epoch: epoch, hasEpoch: hasEpoch, versionStart: versionStart, upstreamEnd: hyphen, end: end)
    }
}
