import Foundation

/// A position in a ``JSONTree`` that knows its path, so every accessor can throw an error naming
/// the source, the record and the field (`vulnerabilities[3].cve.published`).
struct JSONCursor: Sendable {
    /// The value here, or `nil` when the member is absent.
    let value: JSONTree?
    /// The JSON path from the record (or document) root.
    let path: String
    /// The input name.
    let source: String
    /// The record id, once known.
    var record: String?

    /// A cursor at the root of a document.
    init(root: JSONTree, source: String, path: String = "") {
        self.init(value: root, path: path, source: source, record: nil)
    }

    private init(value: JSONTree?, path: String, source: String, record: String?) {
        self.value = value
        self.path = path
        self.source = source
        self.record = record
    }

    /// The member `key` (absent when this is not an object or has no such member).
    subscript(key: String) -> JSONCursor {
        var member: JSONTree?
        if case .object(let members) = value { member = members[key] }
        return JSONCursor(value: member, path: path.isEmpty ? key : "\(path).\(key)", source: source, record: record)
    }

    /// Whether the member is absent or `null`.
    var isAbsent: Bool {
        switch value {
        case nil, .null?: true
        default: false
        }
    }

    /// The same position, attributed to `record` in errors.
    func inRecord(_ record: String?) -> JSONCursor {
        JSONCursor(value: value, path: path, source: source, record: record)
    }

    /// An error at this position.
    func error(_ code: SecurityAdvisoriesError.Code, _ message: String) -> SecurityAdvisoriesError {
        SecurityAdvisoriesError(code: code, source: source, record: record, field: path, message: message)
    }

    private func typeError(_ expected: String) -> SecurityAdvisoriesError {
        guard let value, value != .null else { return error(.missingField, "required field is missing") }
        return error(.invalidValue, "expected \(expected), found \(value.typeName)")
    }

    /// The required string here.
    func string() throws(SecurityAdvisoriesError) -> String {
        guard case .string(let text)? = value else { throw typeError("a string") }
        return text
    }

    /// The string here, `nil` when absent; a value of another type is an error.
    func optionalString() throws(SecurityAdvisoriesError) -> String? {
        isAbsent ? nil : try string()
    }

    /// The required number here (a numeric string is accepted too, as some feeds quote numbers).
    func number() throws(SecurityAdvisoriesError) -> Double {
        switch value {
        case .number(let number)?: return number
        case .string(let text)?:
            guard let number = Double(text) else { throw error(.invalidValue, "'\(text)' is not a number") }
            return number
        default: throw typeError("a number")
        }
    }

    /// The number here, `nil` when absent.
    func optionalNumber() throws(SecurityAdvisoriesError) -> Double? {
        isAbsent ? nil : try number()
    }

    /// The elements of the array here; absent means empty.
    func elements() throws(SecurityAdvisoriesError) -> [JSONCursor] {
        if isAbsent { return [] }
        guard case .array(let items)? = value else { throw typeError("an array") }
        return items.enumerated().map { index, item in
            JSONCursor(value: item, path: "\(path)[\(index)]", source: source, record: record)
        }
    }

    /// The strings of the array here; absent means empty.
    func strings() throws(SecurityAdvisoriesError) -> [String] {
        var result: [String] = []
        for element in try elements() {
            result.append(try element.string())
        }
        return result
    }

    /// The members of the object here, sorted by key; absent means empty.
    func members() throws(SecurityAdvisoriesError) -> [(key: String, value: JSONCursor)] {
        if isAbsent { return [] }
        guard case .object(let members)? = value else { throw typeError("an object") }
        return members.keys.sorted().map { key in (key, self[key]) }
    }

    /// The required object here (checked, so a string where an object belongs is reported).
    func requireObject() throws(SecurityAdvisoriesError) {
        guard case .object? = value else { throw typeError("an object") }
    }

    /// The required timestamp here (RFC 3339 / ISO 8601, or a calendar date meaning UTC midnight).
    func date() throws(SecurityAdvisoriesError) -> Date {
        let text = try string()
        guard let date = FeedTimestamp.parse(text) else {
            throw error(.invalidValue, "'\(text)' is not an ISO 8601 date or timestamp")
        }
        return date
    }

    /// The timestamp here, `nil` when absent.
    func optionalDate() throws(SecurityAdvisoriesError) -> Date? {
        isAbsent ? nil : try date()
    }
}
