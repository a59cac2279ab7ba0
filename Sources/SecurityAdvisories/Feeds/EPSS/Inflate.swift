/// A DEFLATE (RFC 1951) decoder: stored, fixed-Huffman and dynamic-Huffman blocks.
///
/// Foundation on Linux has no decompression API and the domain module links no C library, so the
/// EPSS reader carries this small decoder. Huffman codes are decoded through one lookup table per
/// code (indexed by the next `maxLength` input bits, least significant first), which keeps a debug
/// build usable on the 10 MB daily EPSS file.
struct Inflater {
    /// Why inflating failed; the gzip reader turns it into a ``SecurityAdvisoriesError``.
    struct Failure: Error, Sendable, Equatable {
        /// What is wrong, in words.
        var message: String
    }

    private let input: [UInt8]
    private let outputLimit: Int
    private var position: Int
    private var bitBuffer: UInt64 = 0
    private var bitCount: Int = 0

    /// Creates a decoder for the DEFLATE stream that starts at `offset` in `input`; decoding fails
    /// rather than let the output grow past `outputLimit` bytes (a stream can expand ~1000-fold).
    init(_ input: [UInt8], offset: Int = 0, outputLimit: Int = .max) {
        self.input = input
        self.outputLimit = outputLimit
        self.position = offset
    }

    /// The offset of the first byte after the stream (valid once ``inflate(into:)`` returned).
    var endOffset: Int { position - bitCount / 8 }

    /// Decodes every block up to the final one, appending the output to `output`.
    mutating func inflate(into output: inout [UInt8]) throws(Failure) {
        var isFinal = false
        while !isFinal {
            isFinal = try bits(1) == 1
            switch try bits(2) {
            case 0: try storedBlock(into: &output)
            case 1: try huffmanBlock(literals: Self.fixedLiterals, distances: Self.fixedDistances, into: &output)
            case 2:
                let (literals, distances) = try dynamicTables()
                try huffmanBlock(literals: literals, distances: distances, into: &output)
            default: throw Failure(message: "invalid block type 3")
            }
        }
        // Give back whole bytes read ahead into the bit buffer; the trailer starts after the stream.
        bitBuffer = 0
        bitCount -= bitCount % 8
    }

    // MARK: Bits

    private mutating func refill(_ needed: Int) {
        while bitCount < needed, position < input.count {
            bitBuffer |= UInt64(input[position]) << UInt64(bitCount)
            position += 1
            bitCount += 8
        }
    }

    private mutating func bits(_ count: Int) throws(Failure) -> Int {
        if count == 0 { return 0 }
        refill(count)
        guard bitCount >= count else { throw Failure(message: "unexpected end of compressed data") }
        let value = Int(bitBuffer & ((1 << UInt64(count)) - 1))
        bitBuffer >>= UInt64(count)
        bitCount -= count
        return value
    }

    // MARK: Blocks

    private mutating func storedBlock(into output: inout [UInt8]) throws(Failure) {
        // Skip to the byte boundary, then LEN and NLEN.
        _ = try bits(bitCount % 8)
        let length = try bits(16)
        let complement = try bits(16)
        guard length == (~complement & 0xFFFF) else {
            throw Failure(message: "stored block length \(length) does not match its complement")
        }
        try checkRoom(for: length, after: output.count)
        // Bytes still in the bit buffer come first.
        var remaining = length
        while remaining > 0, bitCount >= 8 {
            output.append(UInt8(try bits(8)))
            remaining -= 1
        }
        guard position + remaining <= input.count else {
            throw Failure(message: "unexpected end of compressed data in a stored block")
        }
        output.append(contentsOf: input[position..<position + remaining])
        position += remaining
    }

    private mutating func huffmanBlock(
        literals: HuffmanTable,
        distances: HuffmanTable,
        into output: inout [UInt8]
    ) throws(Failure) {
        while true {
            let symbol = try decode(literals)
            if symbol < 256 {
                try checkRoom(for: 1, after: output.count)
                output.append(UInt8(symbol))
                continue
            }
            if symbol == 256 { return }
            let lengthIndex = symbol - 257
            guard lengthIndex < Self.lengthBase.count else { throw Failure(message: "invalid length symbol \(symbol)") }
            let length = Self.lengthBase[lengthIndex] + (try bits(Self.lengthExtra[lengthIndex]))
            let distanceSymbol = try decode(distances)
            guard distanceSymbol < 30 else { throw Failure(message: "invalid distance symbol \(distanceSymbol)") }
            let distance = Self.distanceBase[distanceSymbol] + (try bits(Self.distanceExtra[distanceSymbol]))
            guard distance <= output.count else {
                throw Failure(message: "distance \(distance) reaches before the start of the output")
            }
            try checkRoom(for: length, after: output.count)
            let start = output.count - distance
            for offset in 0..<length {
                output.append(output[start + offset])
            }
        }
    }

    private func checkRoom(for count: Int, after produced: Int) throws(Failure) {
        guard count <= outputLimit - produced else {
            throw Failure(message: "output exceeds the limit of \(outputLimit) bytes")
        }
    }

    private mutating func decode(_ table: HuffmanTable) throws(Failure) -> Int {
        refill(table.maxLength)
        // Near the end of input fewer bits may remain; the missing high bits read as zero.
        let index = Int(bitBuffer & UInt64((1 << table.maxLength) - 1))
        let entry = table.entries[index]
        let length = Int(entry & 0xF)
        guard length > 0 else { throw Failure(message: "invalid Huffman code") }
        guard length <= bitCount else { throw Failure(message: "unexpected end of compressed data") }
        bitBuffer >>= UInt64(length)
        bitCount -= length
        return Int(entry >> 4)
    }

    private mutating func dynamicTables() throws(Failure) -> (HuffmanTable, HuffmanTable) {
        let literalCount = try bits(5) + 257
        let distanceCount = try bits(5) + 1
        let codeLengthCount = try bits(4) + 4
        guard literalCount <= 286, distanceCount <= 30 else {
            throw Failure(message: "too many length or distance codes")
        }
        var codeLengthLengths = [Int](repeating: 0, count: 19)
        for index in 0..<codeLengthCount {
            codeLengthLengths[Self.codeLengthOrder[index]] = try bits(3)
        }
        let codeLengthTable = try HuffmanTable(lengths: codeLengthLengths)
        var lengths: [Int] = []
        lengths.reserveCapacity(literalCount + distanceCount)
        while lengths.count < literalCount + distanceCount {
            let symbol = try decode(codeLengthTable)
            switch symbol {
            case 0...15:
                lengths.append(symbol)
            case 16:
                guard let previous = lengths.last else { throw Failure(message: "repeat with no previous length") }
                lengths += repeatElement(previous, count: 3 + (try bits(2)))
            case 17:
                lengths += repeatElement(0, count: 3 + (try bits(3)))
            default:
                lengths += repeatElement(0, count: 11 + (try bits(7)))
            }
        }
        guard lengths.count == literalCount + distanceCount else {
            throw Failure(message: "code lengths overrun the declared count")
        }
        guard lengths[256] > 0 else { throw Failure(message: "no end-of-block code") }
        let literals = try HuffmanTable(lengths: Array(lengths[0..<literalCount]))
        let distances = try HuffmanTable(lengths: Array(lengths[literalCount...]))
        return (literals, distances)
    }

    // MARK: Constants (RFC 1951 §3.2.5, §3.2.6, §3.2.7)

    private static let lengthBase = [
        3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227,
        258,
    ]
    private static let lengthExtra = [
        0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
    ]
    private static let distanceBase = [
        1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097,
        6145, 8193, 12289, 16385, 24577,
    ]
    private static let distanceExtra = [
        0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13,
    ]
    private static let codeLengthOrder = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]

    // The fixed tables are built from valid lengths, so `try!` cannot fail.
    private static let fixedLiterals: HuffmanTable = {
        var lengths = [Int](repeating: 8, count: 288)
        for symbol in 144..<256 { lengths[symbol] = 9 }
        for symbol in 256..<280 { lengths[symbol] = 7 }
        return try! HuffmanTable(lengths: lengths)
    }()
    private static let fixedDistances: HuffmanTable = try! HuffmanTable(lengths: [Int](repeating: 5, count: 30))
}

/// A canonical Huffman code as a lookup table: entry = symbol << 4 | code length (0: no code).
struct HuffmanTable: Sendable {
    /// Indexed by the next ``maxLength`` bits of input, least significant bit first.
    let entries: [UInt32]
    /// The longest code length (at least 1).
    let maxLength: Int

    /// Builds the table for the code lengths of symbols 0…n-1 (RFC 1951 §3.2.2).
    init(lengths: [Int]) throws(Inflater.Failure) {
        let maxLength = max(lengths.max() ?? 0, 1)
        var counts = [Int](repeating: 0, count: 16)
        for length in lengths { counts[length] += 1 }
        counts[0] = 0
        // Reject over-subscribed codes; incomplete ones are allowed (a single distance code is legal).
        var left = 1
        for length in 1...15 {
            left = left * 2 - counts[length]
            guard left >= 0 else { throw Inflater.Failure(message: "over-subscribed Huffman code") }
        }
        var nextCode = [Int](repeating: 0, count: 16)
        var code = 0
        for length in 1...15 {
            code = (code + counts[length - 1]) << 1
            nextCode[length] = code
        }
        var entries = [UInt32](repeating: 0, count: 1 << maxLength)
        for (symbol, length) in lengths.enumerated() where length > 0 {
            let code = nextCode[length]
            nextCode[length] += 1
            var reversed = 0
            for bit in 0..<length where code & (1 << (length - 1 - bit)) != 0 {
                reversed |= 1 << bit
            }
            let entry = UInt32(symbol << 4 | length)
            var index = reversed
            while index < entries.count {
                entries[index] = entry
                index += 1 << length
            }
        }
        self.entries = entries
        self.maxLength = maxLength
    }
}
