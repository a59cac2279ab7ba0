// Comparing two Debian version strings once, straight from their UTF-8 bytes.
//
// `DebianVersion(parsing:)` builds an order key up front (one allocation per string, plus the
// stored text); comparing two strings once does not need it. This path runs parsing's checks
// (`DebianKey.split`, so the same errors) and then dpkg's `verrevcmp()` on the bytes in place.

extension DebianVersion {
    /// Validates both strings and compares them as dpkg does (`dpkg --compare-versions A lt B` is
    /// `compare(A, B) == .less`), without building parsed values.
    ///
    /// Same result and same errors as `DebianVersion(parsing: lhs, validation: validation)
    /// .compare(to: DebianVersion(parsing: rhs, validation: validation))` (the left string is
    /// checked first), but allocation-free: use it to compare two strings once; parse when a
    /// version is compared many times (sorting, range checks).
    ///
    /// - Throws: ``PackageVersionsError`` with code ``PackageVersionsError/Code/invalidDebianVersion``.
    public static func compare(
        _ lhs: String,
        _ rhs: String,
        validation: Validation = .strict
    ) throws(PackageVersionsError) -> VersionOrdering {
        let lenient = validation == .lenient
        return try lhs.withUTF8Bytes { (a) throws(PackageVersionsError) -> VersionOrdering in
            let x = try DebianKey.split(a, lenient: lenient, text: lhs)
            return try rhs.withUTF8Bytes { (b) throws(PackageVersionsError) -> VersionOrdering in
                let y = try DebianKey.split(b, lenient: lenient, text: rhs)
                return VersionOrdering(DebianKey.compare(a, x, b, y))
            }
        }
    }
}

extension DebianKey {
    /// ``split(_:lenient:)`` with its failure reported as a ``PackageVersionsError`` for `text`.
    @inline(__always)
    static func split(
        _ p: UnsafeBufferPointer<UInt8>,
        lenient: Bool,
        text: String
    ) throws(PackageVersionsError) -> Split {
        do throws(Failure) {
            return try split(p, lenient: lenient)
        } catch {
            throw PackageVersionsError(
                code: .invalidDebianVersion,
                input: text,
                position: error.position,
                reason: error.reason
            )
        }
    }

    /// `dpkg_version_compare()`: epochs, then upstream versions and revisions with `verrevcmp()`
    /// (a missing revision is the empty string).
    @inline(__always)
    static func compare(_ a: UnsafeBufferPointer<UInt8>, _ x: Split, _ b: UnsafeBufferPointer<UInt8>, _ y: Split) -> Int
    {
        if x.epoch != y.epoch { return x.epoch < y.epoch ? -1 : 1 }
        let upstream = verrevcmp(a, x.versionStart, x.upstreamEnd, b, y.versionStart, y.upstreamEnd)
        if upstream != 0 { return upstream }
        let revisionA = x.upstreamEnd < x.end ? x.upstreamEnd &+ 1 : x.end
        let revisionB = y.upstreamEnd < y.end ? y.upstreamEnd &+ 1 : y.end
        return verrevcmp(a, revisionA, x.end, b, revisionB, y.end)
    }

    /// dpkg's `verrevcmp()` on `a[i0..<aEnd]` and `b[j0..<bEnd]`: alternating non-digit runs,
    /// compared character by character with `order()` (``weight(_:)``; the end of a run is
    /// `runEnd`), and digit runs, compared as numbers of any length.
    static func verrevcmp(
        _ a: UnsafeBufferPointer<UInt8>,
        _ i0: Int,
        _ aEnd: Int,
        _ b: UnsafeBufferPointer<UInt8>,
        _ j0: Int,
        _ bEnd: Int
    ) -> Int {
        var i = i0
        var j = j0
        while i < aEnd || j < bEnd {
            while true {
                let wa = i < aEnd && !isASCIIDigit(a[i]) ? weight(a[i]) : runEnd
                let wb = j < bEnd && !isASCIIDigit(b[j]) ? weight(b[j]) : runEnd
                if wa != wb { return wa < wb ? -1 : 1 }
                if wa == runEnd { break }
                i &+= 1
                j &+= 1
            }
            while i < aEnd && a[i] == 0x30 { i &+= 1 }
            while j < bEnd && b[j] == 0x30 { j &+= 1 }
            var firstDifference = 0
            while i < aEnd && j < bEnd {
                let da = a[i]
                let db = b[j]
                guard isASCIIDigit(da) && isASCIIDigit(db) else { break }
                if firstDifference == 0 && da != db { firstDifference = da < db ? -1 : 1 }
                i &+= 1
                j &+= 1
            }
            if i < aEnd && isASCIIDigit(a[i]) { return 1 }
            if j < bEnd && isASCIIDigit(b[j]) { return -1 }
            if firstDifference != 0 { return firstDifference }
        }
        return 0
    }
}
