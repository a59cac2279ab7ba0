/// Percent-encoding (RFC 3986 §2.1) as Package URL and `vers` use it.
enum PercentEncoding {
    /// Characters a Package URL component never encodes: alphanumerics, `.-_~` and `:`.
    @inline(__always)
    static func isPURLUnreserved(_ c: UInt8) -> Bool {
        isASCIIAlphanumeric(c) || c == 0x2E || c == 0x2D || c == 0x5F || c == 0x7E || c == 0x3A
    }

    /// Encodes every byte of `text`'s UTF-8 for which `keep` is false as `%XX` (upper-case hex).
    static func encode(_ text: String, keep: (UInt8) -> Bool = isPURLUnreserved) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        for c in text.utf8 {
            if keep(c) {
                out.append(c)
            } else {
                out.append(0x25)
                out.append(hex[Int(c >> 4)])
                out.append(hex[Int(c & 0xF)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes `%XX` escapes; `nil` for a malformed escape or bytes that are not UTF-8.
    static func decode(_ text: Substring) -> String? {
        guard text.utf8.contains(0x25) else { return String(text) }
        var out: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        func hexValue(_ c: UInt8) -> UInt8? {
            switch c {
            case 0x30...0x39: c - 0x30
            case 0x41...0x46: c - 0x41 + 10
            case 0x61...0x66: c - 0x61 + 10
            default: nil
            }
        }
        while let c = iterator.next() {
            if c == 0x25 {
                guard let h = iterator.next().flatMap(hexValue), let l = iterator.next().flatMap(hexValue) else {
                    return nil
                }
                out.append(h << 4 | l)
            } else {
                out.append(c)
            }
        }
        return String(validating: out, as: UTF8.self)
    }
}
