/// The members of a zip archive (PKWARE APPNOTE 6.3), read from memory with the module's own inflater.
///
/// osv.dev's `all.zip` is untrusted input. ZIPFoundation's in-memory reader traps when a header
/// points past the end of the data, and on Linux its inflate loop never ends on a deflate stream cut
/// short; so the archive is walked here, with every offset and size range-checked before use.
/// Read: stored and deflated members, ZIP64 end records and extra fields, data descriptors (sizes
/// and CRC-32 are taken from the central directory). Encrypted members are refused.
struct ZipArchive {
    /// One member, as the central directory describes it.
    struct Member {
        /// The path inside the archive.
        var path: String
        /// Whether this is a directory or a symbolic link rather than a regular file.
        var isFile: Bool
        /// The compression method (0 stored, 8 deflated).
        var method: Int
        /// The general-purpose flags (bit 0: encrypted).
        var flags: Int
        /// CRC-32 of the uncompressed bytes.
        var crc32: UInt32
        /// Bytes stored in the archive.
        var compressedSize: Int
        /// Bytes once extracted.
        var uncompressedSize: Int
        /// Where the member's local header starts.
        var localHeaderOffset: Int
    }

    /// Why the archive or a member cannot be read, in words.
    struct Failure: Error {
        var message: String
    }

    /// The largest member extracted (a JSON record is far smaller); bounds memory on a zip bomb.
    static let maximumMemberSize = 256 << 20

    private let bytes: [UInt8]
    /// The members, in central-directory order.
    let members: [Member]

    /// Reads the end-of-central-directory record and the central directory.
    init(_ bytes: [UInt8]) throws(Failure) {
        self.bytes = bytes
        let count = bytes.count
        // The end record is the last 22-byte block with its signature (a comment may follow it).
        guard count >= 22 else { throw Failure(message: "too short for a zip archive (\(count) bytes)") }
        let lowest = max(0, count - 22 - 0xFFFF)
        var end = count - 22
        while end >= lowest, Self.uint32(bytes, end) != 0x0605_4B50 { end -= 1 }
        guard end >= lowest else { throw Failure(message: "no end-of-central-directory record") }
        var entryCount = UInt64(Self.uint16(bytes, end + 10))
        var directoryOffset = UInt64(Self.uint32(bytes, end + 16))
        // ZIP64: a locator just before the end record points at the ZIP64 end record.
        if end >= 20, Self.uint32(bytes, end - 20) == 0x0706_4B50 {
            guard let record = Int(exactly: Self.uint64(bytes, end - 12)), record <= end - 20 - 56,
                Self.uint32(bytes, record) == 0x0606_4B50
            else { throw Failure(message: "the ZIP64 end record lies outside the archive") }
            entryCount = Self.uint64(bytes, record + 32)
            directoryOffset = Self.uint64(bytes, record + 48)
        }
        guard let start = Int(exactly: directoryOffset), start <= end else {
            throw Failure(message: "the central directory offset \(directoryOffset) lies outside the archive")
        }
        // Each entry takes at least 46 bytes, which bounds a forged count before the loop.
        guard entryCount <= UInt64((end - start) / 46) else {
            throw Failure(message: "\(entryCount) entries do not fit in the central directory")
        }
        var members: [Member] = []
        members.reserveCapacity(Int(entryCount))
        var position = start
        for index in 0..<Int(entryCount) {
            guard position + 46 <= end, Self.uint32(bytes, position) == 0x0201_4B50 else {
                throw Failure(message: "central directory entry \(index + 1) is missing or truncated")
            }
            let nameLength = Int(Self.uint16(bytes, position + 28))
            let extraLength = Int(Self.uint16(bytes, position + 30))
            let commentLength = Int(Self.uint16(bytes, position + 32))
            let next = position + 46 + nameLength + extraLength + commentLength
            guard next <= end else { throw Failure(message: "central directory entry \(index + 1) is truncated") }
            let path = String(decoding: bytes[position + 46..<position + 46 + nameLength], as: UTF8.self)
            var uncompressed = UInt64(Self.uint32(bytes, position + 24))
            var compressed = UInt64(Self.uint32(bytes, position + 20))
            var offset = UInt64(Self.uint32(bytes, position + 42))
            try Self.readZIP64Extra(
                bytes,
                from: position + 46 + nameLength,
                to: position + 46 + nameLength + extraLength,
                uncompressed: &uncompressed,
                compressed: &compressed,
                offset: &offset
            )
            guard let compressedSize = Int(exactly: compressed), let localHeaderOffset = Int(exactly: offset),
                compressedSize <= count, localHeaderOffset <= count
            else {
                throw Failure(message: "member \(path): size or offset lies outside the archive")
            }
            // Unix mode in the high half of the external attributes: only regular files (or none).
            let mode = Self.uint32(bytes, position + 38) >> 16 & 0o170000
            members.append(
                Member(
                    path: path,
                    isFile: !path.hasSuffix("/") && (mode == 0 || mode == 0o100000),
                    method: Int(Self.uint16(bytes, position + 10)),
                    flags: Int(Self.uint16(bytes, position + 8)),
                    crc32: Self.uint32(bytes, position + 16),
                    compressedSize: compressedSize,
                    uncompressedSize: Int(clamping: uncompressed),
                    localHeaderOffset: localHeaderOffset
                )
            )
            position = next
        }
        self.members = members
    }

    /// The extracted bytes of a member, checked against its size and CRC-32.
    func contents(of member: Member) throws(Failure) -> [UInt8] {
        guard member.flags & 1 == 0 else { throw Failure(message: "encrypted members are not supported") }
        guard member.uncompressedSize <= Self.maximumMemberSize else {
            throw Failure(message: "\(member.uncompressedSize) bytes exceed the \(Self.maximumMemberSize)-byte limit")
        }
        let header = member.localHeaderOffset
        guard header + 30 <= bytes.count, Self.uint32(bytes, header) == 0x0403_4B50 else {
            throw Failure(message: "local header at offset \(header) is missing or truncated")
        }
        let dataStart = header + 30 + Int(Self.uint16(bytes, header + 26)) + Int(Self.uint16(bytes, header + 28))
        guard dataStart + member.compressedSize <= bytes.count else {
            throw Failure(message: "compressed data runs past the end of the archive")
        }
        let stored = Array(bytes[dataStart..<dataStart + member.compressedSize])
        var output: [UInt8]
        switch member.method {
        case 0:
            output = stored
        case 8:
            output = []
            output.reserveCapacity(member.uncompressedSize)
            do {
                _ = try Zlib.inflate(stored, format: .raw, outputLimit: member.uncompressedSize, into: &output)
            } catch {
                throw Failure(message: "corrupt deflate data: \(error.message)")
            }
        default:
            throw Failure(message: "compression method \(member.method) is not supported")
        }
        guard output.count == member.uncompressedSize else {
            throw Failure(message: "extracted \(output.count) bytes, the directory says \(member.uncompressedSize)")
        }
        guard Zlib.crc32(output) == member.crc32 else { throw Failure(message: "CRC-32 mismatch") }
        return output
    }

    /// Applies a ZIP64 extended-information field (header 0x0001) found in `bytes[from..<to]`: each
    /// 32-bit value that is 0xFFFFFFFF is replaced by the next 64-bit value, in APPNOTE order.
    private static func readZIP64Extra(
        _ bytes: [UInt8],
        from: Int,
        to: Int,
        uncompressed: inout UInt64,
        compressed: inout UInt64,
        offset: inout UInt64
    ) throws(Failure) {
        var position = from
        while position + 4 <= to {
            let id = uint16(bytes, position)
            let size = Int(uint16(bytes, position + 2))
            let body = position + 4
            guard body + size <= to else { return }
            if id == 0x0001 {
                var cursor = body
                for field in [0, 1, 2] {
                    let value = field == 0 ? uncompressed : field == 1 ? compressed : offset
                    guard value == 0xFFFF_FFFF else { continue }
                    guard cursor + 8 <= body + size else {
                        throw Failure(message: "ZIP64 extra field is too short")
                    }
                    let wide = uint64(bytes, cursor)
                    cursor += 8
                    switch field {
                    case 0: uncompressed = wide
                    case 1: compressed = wide
                    default: offset = wide
                    }
                }
                return
            }
            position = body + size
        }
    }

    private static func uint16(_ bytes: [UInt8], _ at: Int) -> UInt16 {
        UInt16(bytes[at]) | UInt16(bytes[at + 1]) << 8
    }

    private static func uint32(_ bytes: [UInt8], _ at: Int) -> UInt32 {
        UInt32(uint16(bytes, at)) | UInt32(uint16(bytes, at + 2)) << 16
    }

    private static func uint64(_ bytes: [UInt8], _ at: Int) -> UInt64 {
        UInt64(uint32(bytes, at)) | UInt64(uint32(bytes, at + 4)) << 32
    }
}
