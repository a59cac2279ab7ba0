/// gzip (RFC 1952) decompression through the system zlib: concatenated members, each checked by
/// zlib (header, CRC-32 and length trailer), with a bound on the decompressed size.
public enum Gzip {
    /// The most a gzip file may decompress to by default (the daily EPSS file is about 10 MB).
    public static let defaultOutputLimit = 1 << 30

    /// Whether `bytes` start with the gzip magic number `1f 8b`.
    public static func isGzip<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> Bool {
        var iterator = bytes.makeIterator()
        return iterator.next() == 0x1F && iterator.next() == 0x8B
    }

    /// Decompresses every member of a gzip file.
    ///
    /// - Parameters:
    ///   - source: names the input in errors.
    ///   - outputLimit: decompression fails rather than produce more bytes than this.
    /// - Throws: ``SecurityAdvisoriesError`` with code `malformedDocument` for a bad header, corrupt
    ///   compressed data, a truncated file, a CRC-32 or length mismatch, or too much output.
    public static func decompress(
        _ bytes: [UInt8],
        source: String,
        outputLimit: Int = defaultOutputLimit
    ) throws(SecurityAdvisoriesError) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(min(bytes.count, outputLimit / 4) * 4)
        var offset = 0
        var member = 1
        repeat {
            func failure(_ message: String) -> SecurityAdvisoriesError {
                SecurityAdvisoriesError(
                    code: .malformedDocument,
                    source: source,
                    field: "gzip member \(member)",
                    message: message
                )
            }
            guard bytes.count - offset >= 18 else { throw failure("truncated gzip header") }
            guard bytes[offset] == 0x1F, bytes[offset + 1] == 0x8B else {
                throw failure("not a gzip stream (bad magic)")
            }
            do {
                offset = try Zlib.inflate(
                    bytes,
                    from: offset,
                    format: .gzip,
                    outputLimit: outputLimit,
                    into: &output
                )
            } catch {
                throw failure(error.message)
            }
            member += 1
            // Trailing zero padding after the last member is tolerated, as gzip(1) does.
        } while offset < bytes.count && bytes[offset...].contains(where: { $0 != 0 })
        return output
    }
}
