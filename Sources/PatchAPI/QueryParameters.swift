/// The parameters of a URL query, decoded: `a=1&b=x%20y` → `["a": "1", "b": "x y"]` (the first
/// value of a repeated name wins; `+` is a space). The server hands over what its HTTP library
/// parsed; tests and fuzzers parse raw query text with ``init(parsing:)``.
public struct QueryParameters: Sendable, Hashable {
    /// The values by name.
    public var values: [String: String]

    /// Wraps already-decoded pairs.
    public init<S: Sequence>(_ pairs: S) where S.Element == (String, String) {
        var values: [String: String] = [:]
        for (name, value) in pairs where values[name] == nil { values[name] = value }
        self.values = values
    }

    /// Parses raw query text (without the `?`); malformed escapes are an error naming the parameter.
    public init(parsing query: String) throws {
        var pairs: [(String, String)] = []
        for part in query.split(separator: "&", omittingEmptySubsequences: true) {
            let halves = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = try Self.decode(halves[0], what: "query parameter name")
            let value = halves.count > 1 ? try Self.decode(halves[1], what: "query parameter '\(name)'") : ""
            pairs.append((name, value))
        }
        self.init(pairs)
    }

    /// The value of `name`, if present.
    public subscript(_ name: String) -> String? { values[name] }

    /// The value of `name` unless it is absent or empty.
    public func nonEmpty(_ name: String) -> String? { values[name].flatMap { $0.isEmpty ? nil : $0 } }

    /// An integer parameter within `range` (absent: `nil`).
    public func integer(_ name: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let text = values[name] else { return nil }
        guard text.utf8.count <= 20, let value = Int(text) else {
            throw APIInputError(field: "query parameter '\(name)'", "must be an integer, got '\(text.prefix(40))'")
        }
        guard range.contains(value) else {
            throw APIInputError(
                field: "query parameter '\(name)'",
                "must be between \(range.lowerBound) and \(range.upperBound), got \(value)"
            )
        }
        return value
    }

    /// A boolean parameter (`true` or `false`; absent or empty: `nil`).
    public func boolean(_ name: String) throws -> Bool? {
        guard let text = nonEmpty(name) else { return nil }
        switch text {
        case "true": return true
        case "false": return false
        default:
            throw APIInputError(field: "query parameter '\(name)'", "must be true or false, got '\(text.prefix(40))'")
        }
    }

    /// A parameter that must be one of `allowed` (absent or empty: `nil`).
    public func oneOf(_ name: String, _ allowed: [String]) throws -> String? {
        guard let text = nonEmpty(name) else { return nil }
        guard allowed.contains(text) else {
            throw APIInputError(
                field: "query parameter '\(name)'",
                "must be one of \(allowed.joined(separator: ", ")), got '\(text.prefix(40))'"
            )
        }
        return text
    }

    /// `limit` (1…`maxLimit`, default `defaultLimit`) and `offset` (0…``InputBounds/maximumOffset``).
    public func paging(defaultLimit: Int, maxLimit: Int) throws -> (limit: Int, offset: Int) {
        let limit = try integer("limit", in: 1...maxLimit) ?? defaultLimit
        let offset = try integer("offset", in: 0...InputBounds.maximumOffset) ?? 0
        return (limit, offset)
    }

    /// Percent-decodes one component (`+` is a space unless `plusIsSpace` is off).
    public static func decode(_ text: Substring, what: String, plusIsSpace: Bool = true) throws -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "+") where plusIsSpace: bytes.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                    throw APIInputError(field: what, "has a malformed percent escape: '\(text.prefix(64))'")
                }
                bytes.append(high << 4 | low)
            default: bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Percent-decodes a path segment (`+` stays a plus).
    public static func decodePath(_ text: Substring, what: String) throws -> String {
        try decode(text, what: what, plusIsSpace: false)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
