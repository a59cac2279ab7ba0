import Foundation

/// Parses feed timestamps without `DateFormatter`: RFC 3339 (`2024-07-01T09:06:31.434165Z`,
/// `2014-09-20T00:00:00Z`, `+02:00` offsets) and the calendar dates some feeds use.
enum FeedDate {
    /// An RFC 3339 timestamp, with or without fractional seconds; a bare `YYYY-MM-DD` is midnight UTC,
    /// and a time without an offset is read as UTC.
    static func rfc3339(_ text: String) -> Date? {
        var text = text
        return text.withUTF8 { parse(Array($0)[...]) }
    }

    /// Midnight UTC of a civil date, or `nil` when the date does not exist.
    static func utcMidnight(year: Int, month: Int, day: Int) -> Date? {
        guard (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year) else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        return Date(timeIntervalSince1970: TimeInterval(days) * 86_400)
    }

    private static func parse(_ bytes: ArraySlice<UInt8>) -> Date? {
        var cursor = bytes.startIndex
        func number(_ width: Int) -> Int? {
            guard bytes.endIndex - cursor >= width else { return nil }
            var value = 0
            for byte in bytes[cursor..<cursor + width] {
                guard byte >= 0x30, byte <= 0x39 else { return nil }
                value = value * 10 + Int(byte - 0x30)
            }
            cursor += width
            return value
        }
        func expect(_ byte: UInt8) -> Bool {
            guard cursor < bytes.endIndex, bytes[cursor] == byte else { return false }
            cursor += 1
            return true
        }
        guard let year = number(4), expect(UInt8(ascii: "-")), let month = number(2), expect(UInt8(ascii: "-")),
            let day = number(2), let midnight = utcMidnight(year: year, month: month, day: day)
        else { return nil }
        if cursor == bytes.endIndex { return midnight }
        guard cursor < bytes.endIndex,
            [UInt8(ascii: "T"), UInt8(ascii: "t"), UInt8(ascii: " ")].contains(bytes[cursor])
        else { return nil }
        cursor += 1
        guard let hour = number(2), hour < 24, expect(UInt8(ascii: ":")), let minute = number(2), minute < 60,
            expect(UInt8(ascii: ":")), let second = number(2), second <= 60
        else { return nil }
        var fraction = 0.0
        if expect(UInt8(ascii: ".")) {
            var scale = 0.1
            let start = cursor
            while cursor < bytes.endIndex, bytes[cursor] >= 0x30, bytes[cursor] <= 0x39 {
                fraction += Double(bytes[cursor] - 0x30) * scale
                scale /= 10
                cursor += 1
            }
            guard cursor > start else { return nil }
        }
        var offset = 0
        if cursor < bytes.endIndex {
            let sign = bytes[cursor]
            cursor += 1
            switch sign {
            case UInt8(ascii: "Z"), UInt8(ascii: "z"): break
            case UInt8(ascii: "+"), UInt8(ascii: "-"):
                guard let offsetHours = number(2), expect(UInt8(ascii: ":")), let offsetMinutes = number(2) else {
                    return nil
                }
                offset = (offsetHours * 60 + offsetMinutes) * 60 * (sign == UInt8(ascii: "-") ? -1 : 1)
            default: return nil
            }
            guard cursor == bytes.endIndex else { return nil }
        }
        let seconds = Double(hour * 3600 + minute * 60 + second - offset) + fraction
        return midnight.addingTimeInterval(seconds)
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    private static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
        let yearOfEra = shiftedYear - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
