/// An RFC 5545 duration (`P1W`, `PT2H30M`, `-P1DT12H`), applied in wall-clock time.
public struct CalendarDuration: Sendable, Hashable, CustomStringConvertible {
    /// Whole days (weeks are stored as 7 days each, but remembered for export).
    public var days: Int
    /// Seconds beyond the days.
    public var seconds: Int
    /// Whether the text used the week form (`P2W`).
    public var usesWeeks: Bool
    /// Whether the duration is negative.
    public var isNegative: Bool

    /// Creates a duration.
    public init(days: Int = 0, seconds: Int = 0, negative: Bool = false) {
        self.days = days
        self.seconds = seconds
        self.usesWeeks = false
        self.isNegative = negative
    }

    /// The signed number of seconds in wall-clock terms (a day counts as 86,400 s).
    public var totalSeconds: Int { (isNegative ? -1 : 1) * (days * 86_400 + seconds) }

    /// Parses RFC 5545 `dur-value`; returns nil when malformed.
    public static func parse(_ text: String) -> CalendarDuration? {
        var chars = Array(text.uppercased().utf8)
        guard !chars.isEmpty else { return nil }
        var result = CalendarDuration()
        if chars[0] == UInt8(ascii: "+") || chars[0] == UInt8(ascii: "-") {
            result.isNegative = chars[0] == UInt8(ascii: "-")
            chars.removeFirst()
        }
        guard chars.first == UInt8(ascii: "P"), chars.count > 1 else { return nil }
        var index = 1
        var inTime = false
        var number: Int?
        var seen = Set<UInt8>()
        var sawTimeUnit = false
        while index < chars.count {
            let c = chars[index]
            index += 1
            if c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") {
                let digit = Int(c - UInt8(ascii: "0"))
                let (value, overflow) = (number ?? 0).multipliedReportingOverflow(by: 10)
                guard !overflow, value <= 100_000_000 else { return nil }
                number = value + digit
                continue
            }
            if c == UInt8(ascii: "T") {
                guard !inTime, number == nil else { return nil }
                inTime = true
                continue
            }
            guard let value = number, !seen.contains(c) else { return nil }
            seen.insert(c)
            number = nil
            switch (c, inTime) {
            case (UInt8(ascii: "W"), false):
                guard seen.count == 1, index == chars.count else { return nil }
                result.days = value * 7
                result.usesWeeks = true
            case (UInt8(ascii: "D"), false): result.days = value
            case (UInt8(ascii: "H"), true):
                guard !seen.contains(UInt8(ascii: "S")) && !seen.contains(UInt8(ascii: "M")) else { return nil }
                result.seconds += value * 3600
                sawTimeUnit = true
            case (UInt8(ascii: "M"), true):
                guard !seen.contains(UInt8(ascii: "S")) else { return nil }
                result.seconds += value * 60
                sawTimeUnit = true
            case (UInt8(ascii: "S"), true):
                result.seconds += value
                sawTimeUnit = true
            default: return nil
            }
        }
        guard number == nil, !seen.isEmpty, !inTime || sawTimeUnit else { return nil }
        return result
    }

    /// The RFC 5545 text form.
    public var description: String {
        var text = isNegative ? "-P" : "P"
        if usesWeeks && seconds == 0 && days % 7 == 0 { return text + "\(days / 7)W" }
        if days > 0 { text += "\(days)D" }
        if seconds > 0 || days == 0 {
            text += "T"
            if seconds / 3600 > 0 { text += "\(seconds / 3600)H" }
            if seconds / 60 % 60 > 0 { text += "\(seconds / 60 % 60)M" }
            if seconds % 60 > 0 || seconds == 0 { text += "\(seconds % 60)S" }
        }
        return text
    }
}
