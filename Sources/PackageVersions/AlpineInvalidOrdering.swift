/// Best-effort ordering for strings that apk-tools rejects as versions.
///
/// `apk_version_compare` on invalid strings depends on the apk-tools release (2.x and 3.x differ),
/// so vulnerability scanners settled on a structural reading, the one the osv-scalibr corpus pins:
/// numeric components, one letter, `_suffix#` entries, `~hash`, `-r#` and a leftover remainder
/// (a version with leftovers sorts below the same version without). When both strings are
/// unparseable the plain byte order decides. Only used when at least one side is invalid, so valid
/// versions always get apk-tools' order.
enum APKInvalidOrdering {
    struct Reading {
        var invalid = false
        var components: [(start: Int, end: Int)] = []
        var letter: UInt8 = 0
        var suffixes: [(weight: Int, start: Int, end: Int)] = []
        var revision: (start: Int, end: Int) = (0, 0)
        var hasRemainder = false
    }

    static let suffixNames: [[UInt8]] = ["alpha", "beta", "pre", "rc", "cvs", "svn", "git", "hg", "p"].map {
        Array($0.utf8)
    }
    /// Weights in order: alpha beta pre rc (none = 4) cvs svn git hg p.
    static let suffixWeights = [0, 1, 2, 3, 5, 6, 7, 8, 9]

    static func read(_ p: UnsafeBufferPointer<UInt8>) -> Reading {
        var r = Reading()
        let n = p.count
        var i = 0
        // digits, optionally followed by '.', repeated while a digit follows
        while i < n && isASCIIDigit(p[i]) {
            let s = i
            while i < n && isASCIIDigit(p[i]) { i += 1 }
            r.components.append((s, i))
            if i < n && p[i] == 0x2E { i += 1 } else { break }
        }
        if i < n && p[i] &- 0x61 < 26 {
            r.letter = p[i]
            i += 1
        }
        // `_name#` matches anywhere in the rest; only a leading run is consumed.
        var scan = i
        var consumed = i
        while scan < n {
            guard p[scan] == 0x5F else {
                scan += 1
                continue
            }
            var matched = false
            for (k, name) in suffixNames.enumerated() where scan + 1 + name.count <= n {
                if zip(name.indices, name).allSatisfy({ p[scan + 1 + $0.0] == $0.1 }) {
                    var e = scan + 1 + name.count
                    let ds = e
                    while e < n && isASCIIDigit(p[e]) { e += 1 }
                    r.suffixes.append((suffixWeights[k], ds, e))
                    if scan == consumed { consumed = e }
                    scan = e
                    matched = true
                    break
                }
            }
            if !matched { scan += 1 }
        }
        i = consumed
        if i < n && p[i] == 0x7E {
            var e = i + 1
            while e < n && (isASCIIDigit(p[e]) || p[e] &- 0x61 < 6) { e += 1 }
            if e > i + 1 { i = e }
        }
        if i < n {
            if i + 1 < n && p[i] == 0x2D && p[i + 1] == 0x72 {
                var e = i + 2
                while e < n && isASCIIDigit(p[e]) { e += 1 }
                r.revision = (i + 2, e)
                i = e
            } else {
                r.invalid = true
            }
        }
        r.hasRemainder = i < n
        return r
    }

    /// Compares two digit runs numerically, any length.
    static func number(
        _ p: UnsafeBufferPointer<UInt8>,
        _ a: (Int, Int),
        _ q: UnsafeBufferPointer<UInt8>,
        _ b: (Int, Int)
    )
        -> Int
    {
        var x = a.0
        var y = b.0
        while x < a.1 && p[x] == 0x30 { x += 1 }
        while y < b.1 && q[y] == 0x30 { y += 1 }
        let lx = a.1 - x
        let ly = b.1 - y
        if lx != ly { return lx < ly ? -1 : 1 }
        return compareKeyBytes(UnsafeBufferPointer(rebasing: p[x..<a.1]), UnsafeBufferPointer(rebasing: q[y..<b.1]))
    }

    static func compare(_ p: UnsafeBufferPointer<UInt8>, _ q: UnsafeBufferPointer<UInt8>) -> VersionOrdering {
        let a = read(p)
        let b = read(q)
        if a.invalid && b.invalid { return VersionOrdering(compareKeyBytes(p, q)) }
        let zero: (start: Int, end: Int) = (0, 0)
        for k in 0..<max(a.components.count, b.components.count) {
            let x = k < a.components.count ? a.components[k] : zero
            let y = k < b.components.count ? b.components[k] : zero
            let xs = k < a.components.count ? p[x.start] : 0x30
            let ys = k < b.components.count ? q[y.start] : 0x30
            let r: Int
            if k > 0 && (xs == 0x30 || ys == 0x30) {
                let xb = k < a.components.count ? UnsafeBufferPointer(rebasing: p[x.start..<x.end]) : nil
                let yb = k < b.components.count ? UnsafeBufferPointer(rebasing: q[y.start..<y.end]) : nil
                let zeroText: StaticString = "0"
                let zb = UnsafeBufferPointer(start: zeroText.utf8Start, count: 1)
                r = compareKeyBytes(xb ?? zb, yb ?? zb)
            } else {
                r = number(p, (x.start, x.end), q, (y.start, y.end))
            }
            if r != 0 { return VersionOrdering(r) }
        }
        if a.letter != b.letter { return a.letter < b.letter ? .less : .greater }
        for k in 0..<max(a.suffixes.count, b.suffixes.count) {
            let x = k < a.suffixes.count ? a.suffixes[k] : (weight: 4, start: 0, end: 0)
            let y = k < b.suffixes.count ? b.suffixes[k] : (weight: 4, start: 0, end: 0)
            if x.weight != y.weight { return x.weight < y.weight ? .less : .greater }
            let r = number(p, (x.start, x.end), q, (y.start, y.end))
            if r != 0 { return VersionOrdering(r) }
        }
        let r = number(p, a.revision, q, b.revision)
        if r != 0 { return VersionOrdering(r) }
        if a.hasRemainder != b.hasRemainder { return a.hasRemainder ? .less : .greater }
        return .equal
    }
}
