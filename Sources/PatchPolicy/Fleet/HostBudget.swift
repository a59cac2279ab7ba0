import Foundation

/// A limit a policy gives in hosts: a count (`2`) or a share of the hosts concerned (`"25%"`) —
/// a service's disruption budget, an environment's error budget, canary size or wave size.
///
/// Values are validated when read: a count in `0...maximumCount`, a percentage that is finite and
/// in `0...100`. Rollouts turn it into their own budget type; this one only says what the policy
/// asks for.
public enum HostBudget: Sendable, Hashable, Codable, CustomStringConvertible {
    /// This many hosts.
    case count(Int)
    /// This percentage (`0...100`) of the hosts concerned.
    case percent(Double)

    /// The most hosts a count may name: far beyond any fleet, far below anything that overflows.
    public static let maximumCount = 1_000_000

    /// Why a text is not a budget, in words that name the text.
    struct Invalid: Error {
        let message: String
    }

    /// Reads `2`, `25%` or `12.5%`.
    ///
    /// - Parameter allowsZero: whether `0` (and `0%`) is a budget: an error budget of 0 tolerates
    ///   no failure, but a wave or a disruption budget of 0 hosts would never let a host through.
    static func parse(_ text: String, allowsZero: Bool) -> Result<HostBudget, Invalid> {
        let shape = "a count of hosts (\(allowsZero ? 0 : 1)…\(maximumCount)) or a percentage such as \"25%\""
        let found = "'\(text.count > 40 ? String(text.prefix(40)) + "…" : text)'"
        if text.hasSuffix("%") {
            let number = text.dropLast().trimmingCharacters(in: .whitespaces)
            // Digits, one dot: no signs, exponents, `nan` or `inf` spellings.
            guard !number.isEmpty, number.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }),
                number.filter({ $0 == "." }).count <= 1, let value = Double(number), value.isFinite
            else {
                return .failure(Invalid(message: "expected \(shape), found \(found)"))
            }
            guard value <= 100 else {
                return .failure(Invalid(message: "expected a percentage of at most 100%, found \(found)"))
            }
            guard allowsZero || value > 0 else {
                return .failure(
                    Invalid(message: "expected more than 0%: a budget of no host lets none through, found \(found)")
                )
            }
            return .success(.percent(value))
        }
        if text.hasPrefix("-"), text.dropFirst().allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }),
            text.count > 1
        {
            return .failure(Invalid(message: "expected \(shape), found a negative number \(found)"))
        }
        guard !text.isEmpty, text.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            return .failure(Invalid(message: "expected \(shape), found \(found)"))
        }
        // Digits only: too many of them for an Int is still "too large", not "not a number".
        guard let value = Int(text), value <= maximumCount else {
            return .failure(
                Invalid(message: "expected at most \(maximumCount) hosts (or a percentage), found \(found)")
            )
        }
        guard allowsZero || value > 0 else {
            return .failure(
                Invalid(message: "expected at least 1 host: a budget of 0 lets none through, found \(found)")
            )
        }
        return .success(.count(value))
    }

    public var description: String {
        switch self {
        case .count(let value): "\(value)"
        case .percent(let share): share == share.rounded() ? "\(Int(share))%" : "\(share)%"
        }
    }

    /// Decodes a count (`2`) or a string (`"2"`, `"25%"`), validated as when read from a policy.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text: String
        if let count = try? container.decode(Int.self) {
            text = String(count)
        } else {
            text = try container.decode(String.self).trimmingCharacters(in: .whitespaces)
        }
        switch Self.parse(text, allowsZero: true) {
        case .success(let budget): self = budget
        case .failure(let invalid):
            throw DecodingError.dataCorruptedError(in: container, debugDescription: invalid.message)
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
