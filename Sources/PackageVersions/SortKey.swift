// Shared helpers for the byte-string "sort keys" the Debian and RPM comparators are built on.
//
// Parsing turns a version into a key whose plain lexicographic byte order is exactly the package
// manager's order, so comparing two pre-parsed versions is one allocation-free memcmp-like loop.

/// Lexicographic comparison of two byte arrays (shorter-is-less on a common prefix).
@usableFromInline @inline(__always)
func compareKeyBytes(_ lhs: [UInt8], _ rhs: [UInt8]) -> Int {
    lhs.withUnsafeBufferPointer { a in
        rhs.withUnsafeBufferPointer { b in
            compareKeyBytes(a, b)
        }
    }
}

/// Lexicographic comparison of two byte buffers, eight bytes at a time.
@usableFromInline @inline(__always)
func compareKeyBytes(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Int {
    let common = min(a.count, b.count)
    guard common > 0, let pa = a.baseAddress, let pb = b.baseAddress else { return a.count - b.count }
    let raw1 = UnsafeRawPointer(pa)
    let raw2 = UnsafeRawPointer(pb)
    var index = 0
    while index &+ 8 <= common {
        let x = raw1.loadUnaligned(fromByteOffset: index, as: UInt64.self)
        let y = raw2.loadUnaligned(fromByteOffset: index, as: UInt64.self)
        if x != y {
            let bx = UInt64(bigEndian: x)
            let by = UInt64(bigEndian: y)
            return bx < by ? -1 : 1
        }
        index &+= 8
    }
    while index < common {
        let x = pa[index]
        let y = pb[index]
        if x != y { return x < y ? -1 : 1 }
        index &+= 1
    }
    return a.count - b.count
}

/// Appends an order-preserving encoding of the decimal digit run `digits[start..<end]` to a key:
/// leading zeros dropped, then a length prefix (1 byte below 255, else 0xFF and 4 bytes), then the
/// significant digits. Longer numbers are larger; equal lengths compare digit by digit, with no
/// overflow for runs of any length.
@inline(__always)
func appendNumber(
    _ input: UnsafeBufferPointer<UInt8>,
    from start: Int,
    to end: Int,
    into out: UnsafeMutablePointer<UInt8>,
    at position: inout Int
) {
    var first = start
    while first < end && input[first] == 0x30 { first &+= 1 }
    let length = end &- first
    if length < 255 {
        out[position] = UInt8(truncatingIfNeeded: length)
        position &+= 1
    } else {
        out[position] = 0xFF
        out[position &+ 1] = UInt8(truncatingIfNeeded: length >> 24)
        out[position &+ 2] = UInt8(truncatingIfNeeded: length >> 16)
        out[position &+ 3] = UInt8(truncatingIfNeeded: length >> 8)
        out[position &+ 4] = UInt8(truncatingIfNeeded: length)
        position &+= 5
    }
    var index = first
    while index < end {
        out[position] = input[index]
        position &+= 1
        index &+= 1
    }
}

@inline(__always) func isASCIIDigit(_ c: UInt8) -> Bool { c &- 0x30 < 10 }
@inline(__always) func isASCIILetter(_ c: UInt8) -> Bool { (c | 0x20) &- 0x61 < 26 }
@inline(__always) func isASCIIAlphanumeric(_ c: UInt8) -> Bool { isASCIIDigit(c) || isASCIILetter(c) }

extension String {
    /// Runs `body` over the string's UTF-8 bytes without copying when the storage is contiguous.
    @inline(__always)
    func withUTF8Bytes<R, E: Error>(_ body: (UnsafeBufferPointer<UInt8>) throws(E) -> R) throws(E) -> R {
        let direct: Result<R, E>? = utf8.withContiguousStorageIfAvailable { p in
            Result { () throws(E) -> R in try body(p) }
        }
        if let direct { return try direct.get() }
        var copy = self
        let copied: Result<R, E> = copy.withUTF8 { p in Result { () throws(E) -> R in try body(p) } }
        return try copied.get()
    }
}

extension Substring {
    /// Runs `body` over the substring's UTF-8 bytes without copying when the storage is contiguous.
    @inline(__always)
    func withUTF8Bytes<R, E: Error>(_ body: (UnsafeBufferPointer<UInt8>) throws(E) -> R) throws(E) -> R {
        let direct: Result<R, E>? = utf8.withContiguousStorageIfAvailable { p in
            Result { () throws(E) -> R in try body(p) }
        }
        if let direct { return try direct.get() }
        var copy = self
        let copied: Result<R, E> = copy.withUTF8 { p in Result { () throws(E) -> R in try body(p) } }
        return try copied.get()
    }
}
