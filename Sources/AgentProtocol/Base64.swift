import Foundation

/// Standard base64 (RFC 4648 §4) with padding, through Foundation, accepting only the canonical
/// spelling: a key or a signature has exactly one encoding.
public enum Base64 {
    /// Encodes bytes.
    public static func encode(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
    }

    /// Decodes padded base64; `nil` when the text is not the canonical base64 of some bytes (wrong
    /// length or padding, characters outside the alphabet, whitespace, or non-zero bits after the
    /// last byte).
    public static func decode(_ text: String) -> [UInt8]? {
        guard text.utf8.count % 4 == 0, let data = Data(base64Encoded: text) else { return nil }
        let bytes = [UInt8](data)
        // Foundation is lenient about padding and trailing bits; the canonical encoding is not.
        guard encode(bytes) == text else { return nil }
        return bytes
    }
}
