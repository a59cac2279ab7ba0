// libFuzzer target for every PackageVersions parser and comparator (see ../../fuzz.sh).
// The first byte picks a split point; the input is read as two strings A and B.
import PackageVersions

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    let cut = size > 0 ? Int(bytes[0]) % max(size, 1) : 0
    let a = String(decoding: bytes.dropFirst().prefix(cut), as: UTF8.self)
    let b = String(decoding: bytes.dropFirst(cut + 1), as: UTF8.self)
    if let x = try? DebianVersion(parsing: a), let y = try? DebianVersion(parsing: b) {
        precondition(x.compare(to: y) == y.compare(to: x).reversed)
        precondition((try? DebianVersion(parsing: x.description)) == x)
    }
    _ = try? DebianVersion.compare(a, b, validation: .lenient)
    if let x = try? RPMVersion(parsing: a), let y = try? RPMVersion(parsing: b) {
        precondition(x.compare(to: y) == y.compare(to: x).reversed)
        precondition((try? RPMVersion(parsing: x.description)) == x)
    }
    if let x = try? AlpineVersion(parsing: a), let y = try? AlpineVersion(parsing: b) {
        precondition(x.compare(to: y) == y.compare(to: x).reversed)
    }
    _ = AlpineVersion.compare(a, b)
    _ = AlpineVersion.fuzzyMatches(a, b)
    if let x = try? SemanticVersion(parsing: a, loose: true) {
        precondition(SemanticVersion(x.description) == x)
    }
    _ = try? NPMRange(parsing: a)
    _ = try? VersRange(parsing: a)
    _ = try? VersRange(parsing: "vers:deb/" + a)
    if let p = try? PackageURL(parsing: a) {
        precondition((try? PackageURL(parsing: p.description)) == p)
    }
    return 0
}
