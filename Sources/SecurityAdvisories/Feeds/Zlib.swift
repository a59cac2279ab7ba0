import CSystemZlib

/// DEFLATE decompression and CRC-32 through the system's zlib: raw streams (ZIP members) and gzip
/// files (RFC 1952, concatenated members; zlib checks each member's header, CRC-32 and length).
/// The output is bounded: decompression fails rather than grow past `outputLimit` bytes (a stream
/// can expand about 1000-fold).
enum Zlib {
    /// Why decompression failed, in words; callers wrap it in their module's error.
    struct Failure: Error, Sendable, Equatable {
        var message: String
    }

    enum Format {
        /// A bare DEFLATE stream (RFC 1951), as stored in a ZIP member.
        case raw
        /// One gzip member (RFC 1952): header, DEFLATE stream, CRC-32 and length trailer.
        case gzip

        var windowBits: Int32 {
            switch self {
            case .raw: -15
            case .gzip: 15 + 16
            }
        }
    }

    /// Decompresses the stream that starts at `offset` in `input`, appending to `output`; returns
    /// the offset of the first byte after the stream (after the trailer for gzip).
    static func inflate(
        _ input: [UInt8],
        from offset: Int = 0,
        format: Format,
        outputLimit: Int,
        into output: inout [UInt8]
    ) throws(Failure) -> Int {
        precondition(offset >= 0 && offset <= input.count)
        var stream = z_stream()
        let initialized = inflateInit2_(&stream, format.windowBits, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard initialized == Z_OK else { throw Failure(message: "zlib could not start (code \(initialized))") }
        defer { inflateEnd(&stream) }
        let chunk = 64 * 1024
        var buffer = [UInt8](repeating: 0, count: chunk)
        var result: Int32 = Z_OK
        var failure: Failure?
        input.withUnsafeBufferPointer { source in
            let remaining = source.count - offset
            stream.next_in = UnsafeMutablePointer(mutating: source.baseAddress.map { $0 + offset })
            // A single call takes at most UInt32.max bytes; feed larger inputs in slices.
            var fed = min(remaining, Int(UInt32.max))
            stream.avail_in = UInt32(fed)
            repeat {
                let produced: Int = buffer.withUnsafeMutableBufferPointer { target in
                    stream.next_out = target.baseAddress
                    stream.avail_out = UInt32(chunk)
                    result = CSystemZlib.inflate(&stream, Z_NO_FLUSH)
                    return chunk - Int(stream.avail_out)
                }
                if produced > 0 {
                    guard output.count <= outputLimit - produced else {
                        failure = Failure(message: "the output exceeds the limit of \(outputLimit) bytes")
                        return
                    }
                    output.append(contentsOf: buffer[0..<produced])
                }
                if stream.avail_in == 0, fed < remaining {
                    let more = min(remaining - fed, Int(UInt32.max))
                    stream.avail_in = UInt32(more)
                    fed += more
                    result = Z_OK
                }
                if result == Z_BUF_ERROR && stream.avail_in == 0 {
                    failure = Failure(message: "truncated: the data end before the compressed stream does")
                    return
                }
            } while result == Z_OK
            if result != Z_STREAM_END, failure == nil {
                failure = Failure(message: message(result, stream.msg))
            }
        }
        if let failure { throw failure }
        return offset + Int(stream.total_in)
    }

    /// The CRC-32 (ISO-HDLC, as in gzip and ZIP) of `bytes`.
    static func crc32<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> UInt32 {
        let value = bytes.withContiguousStorageIfAvailable { buffer in checksum(buffer) }
        return value ?? Array(bytes).withUnsafeBufferPointer { checksum($0) }
    }

    private static func checksum(_ buffer: UnsafeBufferPointer<UInt8>) -> UInt32 {
        var crc: UInt = CSystemZlib.crc32(0, nil, 0)
        var start = 0
        while start < buffer.count {
            let length = min(buffer.count - start, Int(UInt32.max))
            crc = CSystemZlib.crc32(crc, buffer.baseAddress! + start, UInt32(length))
            start += length
        }
        return UInt32(truncatingIfNeeded: crc)
    }

    /// zlib's reason in the words the feed readers have always used.
    private static func message(_ code: Int32, _ text: UnsafePointer<CChar>?) -> String {
        let zlib = text.map { String(cString: $0) } ?? "zlib error \(code)"
        switch zlib {
        case "incorrect data check": return "CRC-32 mismatch (zlib: \(zlib))"
        case "incorrect length check": return "length mismatch (zlib: \(zlib))"
        case "incorrect header check": return "not a gzip stream (zlib: \(zlib))"
        default: return "corrupt compressed data (zlib: \(zlib))"
        }
    }
}
