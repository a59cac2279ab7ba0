/// An iCalendar DATE or DATE-TIME value with the way it was anchored (RFC 5545 section 3.3.5).
public struct CalendarDateTime: Sendable, Hashable, CustomStringConvertible {
    /// How the wall time is tied to a zone.
    public enum Anchor: Sendable, Hashable {
        /// `TZID=Europe/Berlin:20250310T220000` — local time in a named zone.
        case zone(String)
        /// `20250310T220000Z` — UTC.
        case utc
        /// `20250310T220000` — floating: the host's zone applies.
        case floating
        /// `VALUE=DATE:20250310` — a whole day, in the host's zone.
        case date
    }

    /// The wall time (midnight for a DATE).
    public var time: LocalDateTime
    /// The anchor.
    public var anchor: Anchor

    /// Creates a value.
    public init(_ time: LocalDateTime, anchor: Anchor) {
        self.time = time
        self.anchor = anchor
    }

    /// Whether this is a DATE (all-day) value.
    public var isDate: Bool { anchor == .date }

    /// The zone identifier to resolve the wall time in, given the host's zone for floating values.
    public func zoneIdentifier(host: String) -> String {
        switch anchor {
        case .zone(let id): return id
        case .utc: return "UTC"
        case .floating, .date: return host
        }
    }

    /// Parses `YYYYMMDD`, `YYYYMMDDTHHMMSS` or `YYYYMMDDTHHMMSSZ`; nil when malformed.
    static func parseValue(_ text: String) -> (time: LocalDateTime, isUTC: Bool, isDate: Bool)? {
        let bytes = Array(text.utf8)
        func number(_ from: Int, _ length: Int) -> Int? {
            guard from + length <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[from..<from + length] {
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            return value
        }
        guard bytes.count == 8 || bytes.count == 15 || bytes.count == 16,
            let year = number(0, 4), let month = number(4, 2), let day = number(6, 2)
        else { return nil }
        var time = LocalDateTime(year: year, month: month, day: day)
        var isUTC = false
        if bytes.count > 8 {
            guard bytes[8] == UInt8(ascii: "T"), let hour = number(9, 2), let minute = number(11, 2),
                let second = number(13, 2)
            else { return nil }
            if bytes.count == 16 {
                guard bytes[15] == UInt8(ascii: "Z") else { return nil }
                isUTC = true
            }
            time.hour = hour
            time.minute = minute
            time.second = second == 60 ? 59 : second
        }
        guard time.isValid else { return nil }
        return (time, isUTC, bytes.count == 8)
    }

    /// The property form: parameters (`;TZID=…` or `;VALUE=DATE`) and value, e.g. `;TZID=X:20250101T090000`.
    public var propertySuffix: String {
        switch anchor {
        case .zone(let id): return ";TZID=\(id):\(time.icalendarString())"
        case .utc: return ":\(time.icalendarString())Z"
        case .floating: return ":\(time.icalendarString())"
        case .date: return ";VALUE=DATE:\(time.icalendarString(dateOnly: true))"
        }
    }

    public var description: String { propertySuffix }
}
