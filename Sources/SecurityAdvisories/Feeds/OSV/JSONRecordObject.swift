import Foundation

/// A JSON object (from `JSONSerialization`) that knows its path inside a record, so every error
/// names the source, the record and the field (`affected[2].ranges[0].events`).
struct JSONRecordObject {
    /// The object's members.
    let fields: [String: Any]
    /// The JSON path of this object inside the record; empty for the record itself.
    let path: String
    /// The file or URL.
    let source: String
    /// The record id, or its index (`#3`) when it has no usable id.
    let record: String

    /// The path of one member.
    func path(of key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// An error about one member, or about this object when `key` is `nil`.
    func error(_ code: SecurityAdvisoriesError.Code, _ key: String?, _ message: String) -> SecurityAdvisoriesError {
        let field = key.map { path(of: $0) } ?? (path.isEmpty ? nil : path)
        return SecurityAdvisoriesError(code: code, source: source, record: record, field: field, message: message)
    }

    /// A string member; `nil` when absent or `null`.
    func string(_ key: String) throws(SecurityAdvisoriesError) -> String? {
        guard let raw = fields[key], !(raw is NSNull) else { return nil }
        guard let text = raw as? String else {
            throw error(.invalidValue, key, "expected a string, found \(Self.kind(of: raw))")
        }
        return text
    }

    /// A string member that must be present and non-empty.
    func requiredString(_ key: String) throws(SecurityAdvisoriesError) -> String {
        guard let text = try string(key) else { throw error(.missingField, key, "required field is missing") }
        guard !text.isEmpty else { throw error(.invalidValue, key, "must not be empty") }
        return text
    }

    /// An RFC 3339 timestamp member; `nil` when absent.
    func date(_ key: String) throws(SecurityAdvisoriesError) -> Date? {
        guard let text = try string(key) else { return nil }
        guard let date = FeedDate.rfc3339(text) else {
            throw error(.invalidValue, key, "'\(text)' is not an RFC 3339 timestamp")
        }
        return date
    }

    /// An RFC 3339 timestamp member that must be present.
    func requiredDate(_ key: String) throws(SecurityAdvisoriesError) -> Date {
        guard let date = try date(key) else { throw error(.missingField, key, "required field is missing") }
        return date
    }

    /// An object member; `nil` when absent or `null`.
    func object(_ key: String) throws(SecurityAdvisoriesError) -> JSONRecordObject? {
        guard let raw = fields[key], !(raw is NSNull) else { return nil }
        guard let members = raw as? [String: Any] else {
            throw error(.invalidValue, key, "expected an object, found \(Self.kind(of: raw))")
        }
        return JSONRecordObject(fields: members, path: path(of: key), source: source, record: record)
    }

    /// An object member that must be present.
    func requiredObject(_ key: String) throws(SecurityAdvisoriesError) -> JSONRecordObject {
        guard let object = try object(key) else { throw error(.missingField, key, "required field is missing") }
        return object
    }

    /// An array member; `nil` when absent or `null`.
    func array(_ key: String) throws(SecurityAdvisoriesError) -> [Any]? {
        guard let raw = fields[key], !(raw is NSNull) else { return nil }
        guard let elements = raw as? [Any] else {
            throw error(.invalidValue, key, "expected an array, found \(Self.kind(of: raw))")
        }
        return elements
    }

    /// An array of objects; empty when absent.
    func objects(_ key: String) throws(SecurityAdvisoriesError) -> [JSONRecordObject] {
        guard let elements = try array(key) else { return [] }
        var objects: [JSONRecordObject] = []
        objects.reserveCapacity(elements.count)
        for (index, element) in elements.enumerated() {
            let elementPath = "\(path(of: key))[\(index)]"
            guard let members = element as? [String: Any] else {
                throw SecurityAdvisoriesError(
                    code: .invalidValue,
                    source: source,
                    record: record,
                    field: elementPath,
                    message: "expected an object, found \(Self.kind(of: element))"
                )
            }
            objects.append(JSONRecordObject(fields: members, path: elementPath, source: source, record: record))
        }
        return objects
    }

    /// An array of strings; empty when absent.
    func strings(_ key: String) throws(SecurityAdvisoriesError) -> [String] {
        guard let elements = try array(key) else { return [] }
        var strings: [String] = []
        strings.reserveCapacity(elements.count)
        for (index, element) in elements.enumerated() {
            guard let text = element as? String else {
                throw SecurityAdvisoriesError(
                    code: .invalidValue,
                    source: source,
                    record: record,
                    field: "\(path(of: key))[\(index)]",
                    message: "expected a string, found \(Self.kind(of: element))"
                )
            }
            strings.append(text)
        }
        return strings
    }

    /// The JSON kind of a value, for messages.
    static func kind(of value: Any) -> String {
        switch value {
        case is String: "a string"
        case is [Any]: "an array"
        case is [String: Any]: "an object"
        case is NSNull: "null"
        default: "a number or boolean"
        }
    }
}
