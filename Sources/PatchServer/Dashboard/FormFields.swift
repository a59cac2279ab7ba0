import Foundation
import NIOCore

/// A dashboard form's fields (`application/x-www-form-urlencoded`), and the JSON body they describe
/// for the API route the form acts through. A field's name says where its value goes and what it
/// is: `title` → `{"title": "…"}`; `content.environments:list` → a list (values split on commas
/// and new lines; repeated fields add to it); `settings.canary:int` → an integer; `dryRun:bool` →
/// `true` when checked (`on`, `true`, `yes`; a hidden `false` field before the box sends false when it
/// is not, the later field winning); `content.options:json` → JSON text; `rollbackPlan:text`
/// → a string kept even when empty; `content.packages:packages` → `[{"name", "version"}]` from
/// `name` or `name=version` items; `labels:map` → `{"key": "value"}` from `key=value` lines. Other empty values are left out (the API's default applies). Names starting with `_` (and `csrf`) steer the form
/// and are not sent.
struct FormFields {
    /// The fields in form order (names and values decoded).
    private(set) var pairs: [(name: String, value: String)]

    static let maximumFields = 500
    static let maximumDepth = 4

    /// Decodes a form body; a malformed escape or too many fields is a 400.
    init(_ body: String) throws {
        var pairs: [(String, String)] = []
        for item in body.split(separator: "&", omittingEmptySubsequences: true) {
            guard pairs.count < Self.maximumFields else {
                throw Problem.badRequest("the form has more than \(Self.maximumFields) fields")
            }
            let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = try Self.decode(parts[0], what: "a field name")
            let value = try Self.decode(parts.count > 1 ? parts[1] : "", what: "form field '\(name)'")
            pairs.append((name, value))
        }
        self.pairs = pairs
    }

    /// The first value of `name`.
    subscript(_ name: String) -> String? { pairs.first { $0.name == name }?.value }

    /// The fields the API receives (not the steering ones), in form order.
    var apiFields: [(name: String, value: String)] { pairs.filter { !$0.name.hasPrefix("_") && $0.name != "csrf" } }

    /// The JSON object the API fields describe.
    func json() throws -> ByteBuffer {
        var root: [String: Any] = [:]
        for (name, value) in apiFields {
            let typed = name.split(separator: ":", maxSplits: 1)
            let path = typed[0].split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            let kind = typed.count > 1 ? String(typed[1]) : "string"
            guard path.count <= Self.maximumDepth,
                path.allSatisfy({ key in
                    !key.isEmpty && key.utf8.count <= 64
                        && key.unicodeScalars.allSatisfy {
                            CharacterSet.alphanumerics.contains($0) || $0 == "_" || $0 == "-"
                        }
                })
            else { throw Problem.badRequest("form field '\(name)': not a field name this console writes") }
            let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
            let converted: Any
            switch kind {
            case "string":
                guard !trimmed.isEmpty else { continue }
                converted = value
            case "text":
                converted = value
            case "packages":
                // One package per line or comma: `openssl` (the newest the baseline approves) or
                // `openssl=3.0.13-1~deb12u1`.
                var targets = Self.value(at: path, in: root) as? [[String: Any]] ?? []
                for item in value.split(whereSeparator: { $0 == "," || $0.isNewline }) {
                    let entry = item.trimmingCharacters(in: .whitespaces)
                    guard !entry.isEmpty else { continue }
                    let parts = entry.split(separator: "=", maxSplits: 1).map {
                        $0.trimmingCharacters(in: .whitespaces)
                    }
                    var target: [String: Any] = ["name": parts[0]]
                    if parts.count > 1, !parts[1].isEmpty { target["version"] = parts[1] }
                    targets.append(target)
                }
                converted = targets
            case "int":
                guard !trimmed.isEmpty else { continue }
                guard let number = Int(trimmed), abs(number) <= 1_000_000_000_000 else {
                    throw Problem.badRequest(
                        "form field '\(path.joined(separator: "."))': '\(trimmed)' is not a whole number"
                    )
                }
                converted = number
            case "number":
                guard !trimmed.isEmpty else { continue }
                guard let number = Double(trimmed), number.isFinite, abs(number) <= 1e12 else {
                    throw Problem.badRequest(
                        "form field '\(path.joined(separator: "."))': '\(trimmed)' is not a number"
                    )
                }
                converted = number
            case "bool":
                converted = ["on", "true", "yes", "1"].contains(trimmed.lowercased())
            case "list":
                let items = value.split(whereSeparator: { $0 == "," || $0.isNewline }).map {
                    $0.trimmingCharacters(in: .whitespaces)
                }.filter { !$0.isEmpty }
                let existing = Self.value(at: path, in: root) as? [String] ?? []
                converted = existing + items
            case "map":
                // One `key=value` per line; kept even when empty (an empty map replaces the old one).
                var entries = Self.value(at: path, in: root) as? [String: String] ?? [:]
                for (number, line) in value.split(whereSeparator: \.isNewline).enumerated() {
                    let entry = line.trimmingCharacters(in: .whitespaces)
                    guard !entry.isEmpty else { continue }
                    let parts = entry.split(separator: "=", maxSplits: 1).map {
                        $0.trimmingCharacters(in: .whitespaces)
                    }
                    guard parts.count == 2, !parts[0].isEmpty else {
                        throw Problem.badRequest(
                            "form field '\(path.joined(separator: "."))' line \(number + 1): '\(entry.prefix(80))' is not key=value"
                        )
                    }
                    entries[parts[0]] = parts[1]
                }
                converted = entries
            case "json":
                guard !trimmed.isEmpty else { continue }
                guard
                    let parsed = try? JSONSerialization.jsonObject(
                        with: Data(trimmed.utf8),
                        options: [.fragmentsAllowed]
                    )
                else {
                    throw Problem.badRequest("form field '\(path.joined(separator: "."))': not valid JSON")
                }
                converted = parsed
            default:
                throw Problem.badRequest("form field '\(name)': unknown kind '\(kind)'")
            }
            try Self.set(converted, at: path, in: &root, name: name)
        }
        let data = try JSONSerialization.data(withJSONObject: root, options: [.sortedKeys, .withoutEscapingSlashes])
        return ByteBuffer(bytes: data)
    }

    private static func value(at path: [String], in object: [String: Any]) -> Any? {
        var current: Any? = object
        for key in path { current = (current as? [String: Any])?[key] }
        return current
    }

    private static func set(_ value: Any, at path: [String], in object: inout [String: Any], name: String) throws {
        guard let key = path.first else { return }
        if path.count == 1 {
            object[key] = value
            return
        }
        var child: [String: Any]
        switch object[key] {
        case nil: child = [:]
        case let existing as [String: Any]: child = existing
        default: throw Problem.badRequest("form field '\(name)': '\(key)' is both a value and a group")
        }
        try set(value, at: Array(path.dropFirst()), in: &child, name: name)
        object[key] = child
    }

    /// `+` is a space; `%XX` escapes are UTF-8 bytes.
    private static func decode(_ text: Substring, what: String) throws -> String {
        let spaced = text.replacingOccurrences(of: "+", with: " ")
        guard let decoded = spaced.removingPercentEncoding else {
            throw Problem.badRequest("\(what): malformed percent escape in '\(text.prefix(100))'")
        }
        return decoded
    }
}
