import Foundation

/// A limit given as a number of hosts or a share of them (`3`, `10%`).
public enum Budget: Sendable, Hashable, Codable, CustomStringConvertible {
    /// At most this many.
    case count(Int)
    /// At most this percentage (0 < p ≤ 100) of the total, rounded down but at least 1.
    case percent(Double)

    /// Parses `3` or `10%`.
    public init(parsing text: String, field: String) throws {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.hasSuffix("%") {
            guard let value = Double(trimmed.dropLast()), value > 0, value <= 100 else {
                throw RolloutEngineError(.invalid, field: field, "'\(text)' is not a percentage in (0, 100]")
            }
            self = .percent(value)
        } else {
            guard let value = Int(trimmed), value >= 0 else {
                throw RolloutEngineError(.invalid, field: field, "'\(text)' is not a count or a percentage such as 10%")
            }
            self = try Self.count(value, field: field)
        }
    }

    /// The limit for `total` hosts: a count as is, a percentage of the total rounded down, at least 1.
    public func limit(of total: Int) -> Int {
        switch self {
        case .count(let value): value
        case .percent(let share): max(1, Int((Double(total) * share / 100).rounded(.down)))
        }
    }

    /// How many failures a budget tolerates among `total` hosts: a count as is, a percentage of
    /// the total rounded down — with no minimum, so 10% of a 2-host wave tolerates no failure
    /// (ask for a count to tolerate one).
    public func tolerance(of total: Int) -> Int {
        switch self {
        case .count(let value): value
        case .percent(let share): Int((Double(max(0, total)) * share / 100).rounded(.down))
        }
    }

    public var description: String {
        switch self {
        case .count(let value): "\(value)"
        case .percent(let share): share == share.rounded() ? "\(Int(share))%" : "\(share)%"
        }
    }

    /// The most hosts a count may name: far beyond any fleet, far below anything that overflows.
    public static let maximumCount = 1_000_000

    /// A count of hosts in `0...maximumCount`.
    static func count(_ value: Int, field: String) throws -> Budget {
        guard value >= 0 else {
            throw RolloutEngineError(.invalid, field: field, "\(value) is negative; give a count ≥ 0 or a percentage")
        }
        guard value <= maximumCount else {
            throw RolloutEngineError(
                .invalid,
                field: field,
                "\(value) is more than \(maximumCount) hosts; give a smaller count or a percentage such as 10%"
            )
        }
        return .count(value)
    }

    /// Decodes a count (`3`) or a string (`"3"`, `"10%"`). An invalid value is a `DecodingError` at
    /// the value's coding path, so the answer names the field (`options.canary`), not "budget".
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let field = decoder.codingPath.last?.stringValue ?? "budget"
        do {
            if let count = try? container.decode(Int.self) {
                self = try Self.count(count, field: field)
            } else if let text = try? container.decode(String.self) {
                self = try Budget(parsing: text, field: field)
            } else {
                throw RolloutEngineError(
                    .invalid,
                    field: field,
                    "is not a count in 0...\(Self.maximumCount) or a percentage such as \"10%\""
                )
            }
        } catch let error as RolloutEngineError {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.message)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .count(let value): try container.encode(value)
        case .percent: try container.encode(description)
        }
    }
}
