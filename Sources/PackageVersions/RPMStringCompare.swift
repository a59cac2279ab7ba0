// Comparing two RPM EVR strings once, straight from their UTF-8 bytes.
//
// `RPMVersion(parsing:)` builds an order key up front, which pays off when a version is compared
// many times but costs two allocations per string when it is compared once. This path splits each
// string in place (the same checks and errors as parsing) and then walks both with `rpmvercmp()`'s
// own segment loop, so it allocates nothing. The order is the key's order exactly (tests check
// both on the reference vectors and on random pairs).

extension RPMVersion {
    /// Compares two EVR strings as `rpm.labelCompare` does, without building parsed values.
    ///
    /// Same result and same errors as `RPMVersion(parsing: lhs).compare(to: RPMVersion(parsing: rhs))`
    /// (the left string is checked first), but allocation-free: use it to compare two strings
    /// once; parse when a version is compared many times (sorting, range checks).
    ///
    /// - Throws: ``PackageVersionsError`` (``PackageVersionsError/Code/invalidRPMVersion``) for an
    ///   empty string or a NUL byte.
    public static func compare(_ lhs: String, _ rhs: String) throws(PackageVersionsError) -> VersionOrdering {
        try lhs.withUTF8Bytes { (a) throws(PackageVersionsError) -> VersionOrdering in
            let x = try RPMSplit(a, text: lhs)
            return try rhs.withUTF8Bytes { (b) throws(PackageVersionsError) -> VersionOrdering in
                let y = try RPMSplit(b, text: rhs)
                return VersionOrdering(RPMSplit.compare(a, x, b, y))
            }
        }
    }

    /// `rpmvercmp()` on two bare version (or release) strings, with no epoch/release splitting.
    public static func rpmvercmp(_ lhs: String, _ rhs: String) -> VersionOrdering {
        lhs.withUTF8Bytes { a in
            rhs.withUTF8Bytes { b in
                VersionOrdering(RPMSplit.rpmvercmp(a, 0, a.count, b, 0, b.count))
            }
        }
    }
}

/// Byte offsets of the parts of an EVR string, split as rpm's `parseEVR()` splits it.
struct RPMSplit {
    /// The epoch digits are `0..<epochEnd` (0: no epoch, or an empty one — both read as `0`).
    let epochEnd: Int
    let versionStart: Int
    let versionEnd: Int
    /// Start of the release after the last hyphen, or -1 when there is none.
    let releaseStart: Int
    let end: Int

    /// Splits `p` with the same checks (and error positions) as `RPMKey.parse`.
    @inline(__always)
    init(_ p: UnsafeBufferPointer<UInt8>, text: @autoclosure () -> String) throws(PackageVersionsError) {
        let n = p.count
        if n == 0 { throw Self.failure(text(), 0, "version string is empty") }
        var s = 0
        while s < n && isASCIIDigit(p[s]) { s &+= 1 }
        // Backwards, as parsing does, so a NUL is reported at the same (last) offset.
        var hyphen = -1
        var i = n
        while i > s {
            i &-= 1
            let c = p[i]
            if c == 0x2D {
                hyphen = i
                break
            }
            if c == 0 { throw Self.failure(text(), i, "version string contains a NUL byte") }
        }
        while i > s {
            i &-= 1
            if p[i] == 0 { throw Self.failure(text(), i, "version string contains a NUL byte") }
        }
        if s < n && p[s] == 0x3A {
            epochEnd = s
            versionStart = s &+ 1
        } else {
            epochEnd = 0
            versionStart = 0
        }
        versionEnd = hyphen >= 0 ? hyphen : n
        releaseStart = hyphen >= 0 ? hyphen &+ 1 : -1
        end = n
    }

    static func failure(_ text: String, _ position: Int, _ reason: String) -> PackageVersionsError {
        PackageVersionsError(code: .invalidRPMVersion, input: text, position: position, reason: reason)
    }

    /// `rpmverCmp()` with the missing-release rule of ``RPMVersion``: epochs (as numbers), versions,
    /// then releases, a missing release sorting before any release.
    @inline(__always)
    static func compare(
        _ a: UnsafeBufferPointer<UInt8>,
        _ x: RPMSplit,
        _ b: UnsafeBufferPointer<UInt8>,
        _ y: RPMSplit
    ) -> Int {
        // Epochs are digit runs (possibly empty = 0): compare as numbers of any length.
        var i = 0
        var j = 0
        while i < x.epochEnd && a[i] == 0x30 { i &+= 1 }
        while j < y.epochEnd && b[j] == 0x30 { j &+= 1 }
        let lengthA = x.epochEnd &- i
        let lengthB = y.epochEnd &- j
        if lengthA != lengthB { return lengthA < lengthB ? -1 : 1 }
        while i < x.epochEnd {
            if a[i] != b[j] { return a[i] < b[j] ? -1 : 1 }
            i &+= 1
            j &+= 1
        }
        let version = rpmvercmp(a, x.versionStart, x.versionEnd, b, y.versionStart, y.versionEnd)
        if version != 0 { return version }
        if x.releaseStart < 0 || y.releaseStart < 0 {
            return x.releaseStart < 0 ? (y.releaseStart < 0 ? 0 : -1) : 1
        }
        return rpmvercmp(a, x.releaseStart, x.end, b, y.releaseStart, y.end)
    }

    /// rpm's `rpmvercmp()` on `a[i0..<aEnd]` and `b[j0..<bEnd]` (neither holds a NUL byte): `~`
    /// before everything (even the end), the end before `^`, `^` before any segment, alphabetic
    /// segments before numeric ones, letters compared as `strcmp`, digits as numbers of any length.
    static func rpmvercmp(
        _ a: UnsafeBufferPointer<UInt8>,
        _ i0: Int,
        _ aEnd: Int,
        _ b: UnsafeBufferPointer<UInt8>,
        _ j0: Int,
        _ bEnd: Int
    ) -> Int {
        var i = i0
        var j = j0
        while true {
            // Skip separators: anything but letters, digits, `~` and `^`. 0 stands for the end.
            var ca: UInt8 = 0
            while i < aEnd {
                let c = a[i]
                if isASCIIAlphanumeric(c) || c == 0x7E || c == 0x5E {
                    ca = c
                    break
                }
                i &+= 1
            }
            var cb: UInt8 = 0
            while j < bEnd {
                let c = b[j]
                if isASCIIAlphanumeric(c) || c == 0x7E || c == 0x5E {
                    cb = c
                    break
                }
                j &+= 1
            }
            if ca == 0x7E || cb == 0x7E {
                if ca != 0x7E { return 1 }
                if cb != 0x7E { return -1 }
                i &+= 1
                j &+= 1
                continue
            }
            if ca == 0x5E || cb == 0x5E {
                if ca == 0 { return -1 }
                if cb == 0 { return 1 }
                if ca != 0x5E { return 1 }
                if cb != 0x5E { return -1 }
                i &+= 1
                j &+= 1
                continue
            }
            if ca == 0 || cb == 0 { return ca == 0 ? (cb == 0 ? 0 : -1) : 1 }
            if isASCIIDigit(ca) {
                if !isASCIIDigit(cb) { return 1 }
                while i < aEnd && a[i] == 0x30 { i &+= 1 }
                while j < bEnd && b[j] == 0x30 { j &+= 1 }
                // Equal lengths compare by their first differing digit; a longer run is larger.
                var firstDifference = 0
                while i < aEnd && j < bEnd {
                    let da = a[i]
                    let db = b[j]
                    let digitA = isASCIIDigit(da)
                    let digitB = isASCIIDigit(db)
                    if !digitA || !digitB {
                        if digitA { return 1 }
                        if digitB { return -1 }
                        break
                    }
                    if firstDifference == 0 && da != db { firstDifference = da < db ? -1 : 1 }
                    i &+= 1
                    j &+= 1
                }
                if i < aEnd && isASCIIDigit(a[i]) { return 1 }
                if j < bEnd && isASCIIDigit(b[j]) { return -1 }
                if firstDifference != 0 { return firstDifference }
            } else {
                if isASCIIDigit(cb) { return -1 }
                // strcmp() of the two letter runs.
                while true {
                    let la: UInt8 = i < aEnd && isASCIILetter(a[i]) ? a[i] : 0
                    let lb: UInt8 = j < bEnd && isASCIILetter(b[j]) ? b[j] : 0
                    if la != lb { return la < lb ? -1 : 1 }
                    if la == 0 { break }
                    i &+= 1
                    j &+= 1
                }
            }
        }
    }
}
