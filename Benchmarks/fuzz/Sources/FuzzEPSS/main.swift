// FIRST EPSS CSV, plain or gzip (the module's own inflater) → EPSS scores.
//
// Each input is read three ways: as the file itself; wrapped in a valid gzip member of stored
// deflate blocks (must read exactly as the plain file does); and as a raw deflate stream behind a
// gzip header (exercises the inflater on arbitrary bits; the trailer then rarely matches).
import Foundation
import FuzzSupport
import SecurityAdvisories

// Also exported under libFuzzer's conventional name, which its (unused) main refers to.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzEPSS(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = FuzzInput(data, size)
    FeedChecks.exercise(input.data, name: "fuzz/epss_scores.csv.gz", format: .epss)
    let plain = try? EPSSReader(policy: .skip).read(input.data, source: "fuzz")
    if !Gzip.isGzip(input.bytes) {
        let wrapped = gzipStored(input.bytes)
        invariant(
            (try? Gzip.decompress(wrapped, source: "fuzz")) == input.bytes,
            "a stored gzip member does not decompress to its content"
        )
        let viaGzip = try? EPSSReader(policy: .skip).read(Data(wrapped), source: "fuzz")
        invariant(
            plain?.scores.count == viaGzip?.scores.count && plain?.skipped.count == viaGzip?.skipped.count,
            "the CSV reads differently through gzip"
        )
    }
    let header: [UInt8] = [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 3]
    _ = try? Gzip.decompress(header + input.bytes + [UInt8](repeating: 0, count: 8), source: "fuzz")
    return 0
}

/// A gzip member holding `bytes` in stored (uncompressed) deflate blocks.
func gzipStored(_ bytes: [UInt8]) -> [UInt8] {
    var out: [UInt8] = [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 3]
    var offset = 0
    repeat {
        let length = min(65_535, bytes.count - offset)
        let isLast = offset + length == bytes.count
        out.append(isLast ? 1 : 0)
        out += [UInt8(length & 0xFF), UInt8(length >> 8), UInt8(~length & 0xFF), UInt8((~length >> 8) & 0xFF)]
        out += bytes[offset..<offset + length]
        offset += length
    } while offset < bytes.count
    for value in [crc32(bytes), UInt32(truncatingIfNeeded: bytes.count)] {
        out += [UInt8(value & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value >> 16 & 0xFF), UInt8(value >> 24)]
    }
    return out
}

let crcTable: [UInt32] = (0..<256).map { index in
    var value = UInt32(index)
    for _ in 0..<8 { value = value & 1 == 1 ? 0xEDB8_8320 ^ (value >> 1) : value >> 1 }
    return value
}

func crc32(_ bytes: [UInt8]) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    for byte in bytes { crc = crcTable[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
    return crc ^ 0xFFFF_FFFF
}

runFuzzer(fuzzEPSS)
