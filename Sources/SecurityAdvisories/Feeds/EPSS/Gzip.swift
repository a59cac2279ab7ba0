/// gzip (RFC 1952) decompression on top of ``Inflater``: header flags, concatenated members and
/// the CRC-32 and length check of each member's trailer.
public enum Gzip {
    /// Whether `bytes` start with the gzip magic number `1f 8b`.
    public static func isGzip<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> Bool {
        var iterator = bytes.makeIterator()
        return iterator.next() == 0x1F && iterator.next() == 0x8B
    }

    /// Decompresses every member of a gzip file.
    ///
    /// - Parameter source: names the input in errors.
    /// - Throws: ``SecurityAdvisoriesError`` with code `malformedDocument` for a bad header, corrupt
    ///   compressed data, a truncated file, or a CRC-32 or length mismatch.
    public static func decompress(_ bytes: [UInt8], source: String) throws(SecurityAdvisoriesError) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count * 4)
        var offset = 0
        var member = 1
        repeat {
            offset = try decompressMember(bytes, at: offset, member: member, source: source, into: &output)
            member += 1
            // Trailing zero padding after the last member is tolerated, as gzip(1) does.
        } while offset < bytes.count && bytes[offset...].contains(where: { $0 != 0 })
        return output
    }

    private static func decompressMember(
        _ bytes: [UInt8],
        at start: Int,
        member: Int,
        source: String,
        into output: inout [UInt8]
    ) throws(SecurityAdvisoriesError) -> Int {
        func failure(_ message: String) -> SecurityAdvisoriesError {
            SecurityAdvisoriesError(
                code: .malformedDocument,
                source: source,
                field: "gzip member \(member)",
                message: message
            )
        }
        guard bytes.count - start >= 18 else { throw failure("truncated gzip header") }
        guard bytes[start] == 0x1F, bytes[start + 1] == 0x8B else { throw failure("not a gzip stream (bad magic)") }
        guard bytes[start + 2] == 8 else { throw failure("unsupported compression method \(bytes[start + 2])") }
        let flags = bytes[start + 3]
        guard flags & 0xE0 == 0 else { throw failure("reserved header flags set") }
        var offset = start + 10
        if flags & 0x04 != 0 {  // FEXTRA
            guard offset + 2 <= bytes.count else { throw failure("truncated extra field") }
            offset += 2 + (Int(bytes[offset]) | Int(bytes[offset + 1]) << 8)
        }
        for flag: UInt8 in [0x08, 0x10] where flags & flag != 0 {  // FNAME, FCOMMENT: zero-terminated
            guard offset < bytes.count, let end = bytes[offset...].firstIndex(of: 0) else {
                throw failure("unterminated file name or comment")
            }
            offset = end + 1
        }
        if flags & 0x02 != 0 {  // FHCRC: CRC-16 of the header
            guard offset + 2 <= bytes.count else { throw failure("truncated header CRC") }
            let expected = UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8
            let actual = CRC32.checksum(bytes[start..<offset]) & 0xFFFF
            guard expected == actual else { throw failure("header CRC mismatch") }
            offset += 2
        }
        guard offset <= bytes.count else { throw failure("truncated gzip header") }
        let outputStart = output.count
        var inflater = Inflater(bytes, offset: offset)
        do {
            try inflater.inflate(into: &output)
        } catch {
            throw failure("corrupt deflate data: \(error.message)")
        }
        offset = inflater.endOffset
        guard offset + 8 <= bytes.count else { throw failure("truncated gzip trailer") }
        let expectedCRC = readUInt32(bytes, offset)
        let expectedSize = readUInt32(bytes, offset + 4)
        let actualCRC = CRC32.checksum(output[outputStart...])
        guard expectedCRC == actualCRC else {
            throw failure(
                "CRC-32 mismatch: trailer says \(hex(expectedCRC)), data has \(hex(actualCRC))"
            )
        }
        let actualSize = UInt32(truncatingIfNeeded: output.count - outputStart)
        guard expectedSize == actualSize else {
            throw failure("length mismatch: trailer says \(expectedSize) bytes, got \(actualSize)")
        }
        return offset + 8
    }

    private static func readUInt32(_ bytes: [UInt8], _ offset: Int) -> UInt32 {
        UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16
            | UInt32(bytes[offset + 3]) << 24
    }

    private static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return "0x" + String(repeating: "0", count: 8 - digits.count) + digits
    }
}
