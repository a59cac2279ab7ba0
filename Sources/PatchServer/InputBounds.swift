import Foundation
import Hummingbird
import HummingbirdCore

/// Range checks for numbers that come from outside (JSON bodies, query strings, headers, agent
/// reports), made before any arithmetic or conversion: in Swift an overflow traps, and a trap takes
/// the whole server down. A value out of range is a 400 problem naming the field and the value.
enum InputBounds {
    /// `value` when it lies in `range`; otherwise a 400 problem.
    @discardableResult
    static func check<T: BinaryInteger>(_ value: T, _ field: String, in range: ClosedRange<T>) throws -> T {
        guard range.contains(value) else {
            throw Problem.badRequest(
                "field '\(field)' must be between \(range.lowerBound) and \(range.upperBound), got \(value)"
            )
        }
        return value
    }

    /// An optional integer in `range`, or `defaultValue` when absent.
    static func check<T: BinaryInteger>(
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
    static func check(_ value: Double, _ field: String, in range: ClosedRange<Double>) throws -> Double {
        guard value.isFinite, range.contains(value) else {
            throw Problem.badRequest(
                "field '\(field)' must be a finite number between \(range.lowerBound) and \(range.upperBound), got \(value)"
            )
        }
        return value
    }

    /// Seconds given as an integer, checked and converted to a `TimeInterval`.
    static func seconds(_ value: Int, _ field: String, in range: ClosedRange<Int>) throws -> TimeInterval {
        TimeInterval(try check(value, field, in: range))
    }

    /// The integer a query parameter holds, when it is a plain decimal within `range`.
    static func queryInteger(_ text: Substring, _ name: String, in range: ClosedRange<Int>) throws -> Int {
        guard text.utf8.count <= 20, let value = Int(text) else {
            throw Problem.badRequest("query parameter '\(name)' must be an integer, got '\(text.prefix(40))'")
        }
        guard range.contains(value) else {
            throw Problem.badRequest(
                "query parameter '\(name)' must be between \(range.lowerBound) and \(range.upperBound), got \(value)"
            )
        }
        return value
    }

    /// A whole number of seconds for display, never trapping on huge, negative or non-finite values.
    static func wholeSeconds(_ value: Double) -> Int {
        guard value.isFinite, value > 0 else { return 0 }
        return value >= Double(Int32.max) * 1000 ? Int(Int32.max) * 1000 : Int(value)
    }

    /// The deepest offset a list accepts: far beyond any real list, far below overflow.
    static let maximumOffset = 100_000_000
}

extension FlatDictionary where Key == Substring, Value == Substring {
    /// A path parameter, percent-decoded (`/api/v1/users/al%69ce` names `alice`); a malformed
    /// escape is a 400.
    func requireDecoded(_ name: String) throws -> String {
        guard let raw = self[Substring(name)] else { throw Problem.badRequest("path parameter '\(name)' is missing") }
        guard let decoded = String(raw).removingPercentEncoding else {
            throw Problem.badRequest("path parameter '\(name)' has a malformed percent escape: '\(raw.prefix(64))'")
        }
        return decoded
    }
}
