import Foundation
import Yams

/// A YAML node being read, with the file it came from and its field path (`sla.profiles[1]`), so
/// every error can say where it is and what was expected.
struct PolicyNode {
    let node: Node
    let path: String
    let file: String

    var mark: Mark? { node.mark }

    /// The node's location.
    var location: PolicyLocation {
        PolicyLocation(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1)
    }

    func error(_ message: String, at mark: Mark? = nil, field: String? = nil) -> PatchPolicyError {
        let mark = mark ?? self.mark
        let field = field ?? path
        return PatchPolicyError(
            code: .invalidPolicy,
            source: file,
            line: mark?.line,
            column: mark?.column,
            field: field.isEmpty ? nil : field,
            message: message
        )
    }

    func child(_ node: Node, key: String) -> PolicyNode {
        PolicyNode(node: node, path: path.isEmpty ? key : "\(path).\(key)", file: file)
    }

    func child(_ node: Node, index: Int) -> PolicyNode {
        PolicyNode(node: node, path: "\(path)[\(index)]", file: file)
    }

    private var kindName: String {
        switch node {
        case .scalar(let scalar): scalar.string.isEmpty ? "nothing" : "'\(scalar.string)'"
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .alias: "an alias"
        }
    }

    /// The node as a mapping whose keys must be among `allowed`.
    func mapping(allowed: [String]) throws(PatchPolicyError) -> PolicyMapping {
        guard case .mapping(let mapping) = node else { throw error("expected a mapping, found \(kindName)") }
        var entries: [(String, PolicyNode)] = []
        for (keyNode, value) in mapping {
            guard case .scalar(let scalar) = keyNode else {
                throw error("expected a string key", at: keyNode.mark)
            }
            let key = scalar.string
            let childNode = child(value, key: key)
            guard allowed.contains(key) else {
                throw error(
                    "unknown field '\(key)'; expected one of: \(allowed.joined(separator: ", "))",
                    at: keyNode.mark,
                    field: childNode.path
                )
            }
            entries.append((key, childNode))
        }
        return PolicyMapping(owner: self, entries: entries)
    }

    /// The node as a mapping with arbitrary keys (labels, per-severity deadlines).
    func pairs() throws(PatchPolicyError) -> [(key: String, value: PolicyNode)] {
        guard case .mapping(let mapping) = node else { throw error("expected a mapping, found \(kindName)") }
        var result: [(key: String, value: PolicyNode)] = []
        for (keyNode, value) in mapping {
            guard case .scalar(let scalar) = keyNode else { throw error("expected a string key", at: keyNode.mark) }
            result.append((scalar.string, child(value, key: scalar.string)))
        }
        return result
    }

    /// The node as a list.
    func sequence() throws(PatchPolicyError) -> [PolicyNode] {
        guard case .sequence(let sequence) = node else { throw error("expected a list, found \(kindName)") }
        return sequence.enumerated().map { child($1, index: $0) }
    }

    /// The node as a non-empty string.
    func string() throws(PatchPolicyError) -> String {
        guard case .scalar(let scalar) = node else { throw error("expected a string, found \(kindName)") }
        let text = scalar.string.trimmingCharacters(in: .whitespaces)
        if text.isEmpty { throw error("expected a non-empty string") }
        return text
    }

    /// The node as one string or a list of strings.
    func strings() throws(PatchPolicyError) -> [String] {
        if case .scalar = node { return [try string()] }
        var result: [String] = []
        for item in try sequence() { result.append(try item.string()) }
        return result
    }

    /// The node as an integer of at least `minimum`.
    func int(minimum: Int = 0) throws(PatchPolicyError) -> Int {
        guard case .scalar(let scalar) = node, let value = Int(scalar.string) else {
            throw error("expected an integer, found \(kindName)")
        }
        if value < minimum { throw error("expected an integer ≥ \(minimum), found \(value)") }
        return value
    }

    /// The node as a budget of hosts: a count (`2`) or a percentage (`"25%"`), see ``HostBudget``.
    func budget(allowsZero: Bool) throws(PatchPolicyError) -> HostBudget {
        guard case .scalar(let scalar) = node else {
            throw error("expected a count of hosts or a percentage such as \"25%\", found \(kindName)")
        }
        switch HostBudget.parse(scalar.string.trimmingCharacters(in: .whitespaces), allowsZero: allowsZero) {
        case .success(let budget): return budget
        case .failure(let invalid): throw error(invalid.message)
        }
    }

    /// The node as a boolean (`true`/`false`, `yes`/`no`).
    func bool() throws(PatchPolicyError) -> Bool {
        if case .scalar(let scalar) = node {
            switch scalar.string.lowercased() {
            case "true", "yes", "on": return true
            case "false", "no", "off": return false
            default: break
            }
        }
        throw error("expected true or false, found \(kindName)")
    }

    /// The node as an instant: `2026-03-01` (UTC midnight) or RFC 3339 `2026-03-01T08:00:00Z`.
    func date() throws(PatchPolicyError) -> Date {
        let text = try string()
        if let date = Self.parseDate(text) { return date }
        throw error("expected a date (YYYY-MM-DD) or date-time (YYYY-MM-DDTHH:MM:SSZ), found '\(text)'")
    }

    /// The node as one of a fixed set of words.
    func word<T>(_ choices: [(String, T)]) throws(PatchPolicyError) -> T {
        let text = try string()
        if let match = choices.first(where: { $0.0 == text }) { return match.1 }
        throw error("expected one of: \(choices.map(\.0).joined(separator: ", ")), found '\(text)'")
    }

    static func parseDate(_ text: String) -> Date? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        if text.count == 10, parts.count == 3, let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]),
            (1...12).contains(m), (1...31).contains(d)
        {
            let components = DateComponents(year: y, month: m, day: d)
            guard let date = calendar.date(from: components),
                calendar.component(.day, from: date) == d
            else { return nil }
            return date
        }
        return try? Date(text, strategy: .iso8601)
    }
}

/// A mapping's entries, read by key.
struct PolicyMapping {
    let owner: PolicyNode
    let entries: [(key: String, value: PolicyNode)]

    subscript(key: String) -> PolicyNode? { entries.first { $0.key == key }?.value }

    /// A field that must be present.
    func required(_ key: String) throws(PatchPolicyError) -> PolicyNode {
        if let value = self[key] { return value }
        throw owner.error("missing required field '\(key)'", field: owner.path.isEmpty ? key : "\(owner.path).\(key)")
    }
}

/// A place in a policy file.
public struct PolicyLocation: Sendable, Hashable, CustomStringConvertible {
    /// The file name.
    public var file: String
    /// 1-based line.
    public var line: Int
    /// 1-based column.
    public var column: Int

    /// Creates a location.
    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    public var description: String { "\(file):\(line):\(column)" }
}
