import Foundation

/// A request body the API accepts: decodable from JSON and able to check itself (ranges, lengths,
/// counts) before the server acts on it.
public protocol APIRequestBody: Decodable, Sendable {
    /// Throws ``APIInputError`` naming the first offending field.
    func validate() throws
}

/// Decoding request bodies with errors that name the JSON path of the offending field.
public enum APIBody {
    /// Decodes and validates `T`. Dates are RFC 3339; an empty body (actions without options) reads
    /// as `{}`; a body of whitespace only is invalid JSON.
    public static func decode<T: APIRequestBody>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        let value = try decodeOnly(type, from: bytes)
        try value.validate()
        return value
    }

    /// Decodes `T` without validating it.
    public static func decodeOnly<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        // Only a body with no bytes at all reads as `{}`: whitespace alone is not JSON.
        let data = bytes.isEmpty ? Array("{}".utf8) : bytes
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        do {
            return try decoder.decode(type, from: Data(data))
        } catch let error as DecodingError {
            throw APIInputError(describe(error))
        }
    }

    /// A decoding error in words, with the JSON path of the field.
    public static func describe(_ error: DecodingError) -> String {
        func path(_ codingPath: [any CodingKey]) -> String {
            var text = ""
            for key in codingPath {
                if let index = key.intValue {
                    text += "[\(index)]"
                } else {
                    text += text.isEmpty ? key.stringValue : ".\(key.stringValue)"
                }
            }
            return text.isEmpty ? "(root)" : text
        }
        switch error {
        case .keyNotFound(let key, let context):
            let parent = path(context.codingPath)
            let field = parent == "(root)" ? key.stringValue : "\(parent).\(key.stringValue)"
            return "field '\(field)' is required"
        case .typeMismatch(let type, let context):
            return "field '\(path(context.codingPath))' has the wrong type (expected \(type))"
        case .valueNotFound(let type, let context):
            return "field '\(path(context.codingPath))' must not be null (expected \(type))"
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty { return "body is not valid JSON" }
            return "field '\(path(context.codingPath))' is invalid: \(context.debugDescription)"
        @unknown default:
            return "body could not be decoded: \(error)"
        }
    }
}
