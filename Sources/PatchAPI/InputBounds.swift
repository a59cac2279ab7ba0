/// Range checks for numbers that come from outside (JSON bodies, query strings, headers, agent
/// reports), made before any arithmetic or conversion: in Swift an overflow traps, and a trap takes
/// the whole server down. A value out of range is an ``APIInputError`` naming the field and value.
public enum InputBounds {
    /// `value` when it lies in `range`.
    @discardableResult
    public static func check<T: BinaryInteger>(_ value: T, _ field: String, in range: ClosedRange<T>) throws -> T {
        guard range.contains(value) else {
            throw APIInputError(
                field: field,
                "must be between \(range.lowerBound) and \(range.upperBound), got \(value)"
            )
        }
        return value
    }

    /// An optional integer in `range`, or `defaultValue` when absent.
    public static func check<T: BinaryInteger>(
        _ value: T?,
        _ field: String,
        in range: ClosedRange<T>,
        default defaultValue: T
    ) throws -> T {
        guard let value else { return defaultValue }
        return try check(value, field, in: range)
    }

    /// A finite floating-point value in `range`.
    @discardableResult
    public static func check(_ value: Double, _ field: String, in range: ClosedRange<Double>) throws -> Double {
        guard value.isFinite, range.contains(value) else {
            throw APIInputError(
                field: field,
                "must be a finite number between \(range.lowerBound) and \(range.upperBound), got \(value)"
            )
        }
        return value
    }

    /// Seconds given as an integer, checked and converted.
    public static func seconds(_ value: Int, _ field: String, in range: ClosedRange<Int>) throws -> Double {
        Double(try check(value, field, in: range))
    }

    /// A count of elements at most `maximum`.
    public static func count(_ count: Int, _ field: String, atMost maximum: Int) throws {
        guard count <= maximum else { throw APIInputError(field: field, "has \(count) entries; at most \(maximum)") }
    }

    /// A whole number of seconds for display, never trapping on huge, negative or non-finite values.
    public static func wholeSeconds(_ value: Double) -> Int {
        guard value.isFinite, value > 0 else { return 0 }
        return value >= Double(Int32.max) * 1000 ? Int(Int32.max) * 1000 : Int(value)
    }

    /// The deepest offset a list accepts: far beyond any real list, far below overflow.
    public static let maximumOffset = 100_000_000
}

/// Checks on strings from outside.
public enum TextField {
    /// A non-empty string of at most `max` UTF-8 bytes without control characters.
    public static func check(_ value: String, _ field: String, max: Int) throws {
        guard !value.isEmpty else { throw APIInputError(field: field, "must not be empty") }
        guard value.utf8.count <= max else { throw APIInputError(field: field, "is longer than \(max) bytes") }
        guard !value.utf8.contains(where: { $0 < 0x20 || $0 == 0x7f }) else {
            throw APIInputError(field: field, "contains control characters")
        }
    }

    /// An optional string of at most `max` bytes (may be empty).
    public static func checkLength(_ value: String?, _ field: String, max: Int) throws {
        guard let value else { return }
        guard value.utf8.count <= max else { throw APIInputError(field: field, "is longer than \(max) bytes") }
    }
}
