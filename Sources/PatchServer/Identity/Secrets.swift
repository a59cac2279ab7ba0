import AgentProtocol
import Crypto

/// A bearer secret of the form `<prefix>_<id>_<secret>`: the id is stored in clear to find the
/// record, the secret only as its SHA-256 (it has 256 bits of entropy, so a fast hash is enough;
/// passwords, which have little entropy, use bcrypt instead).
public struct BearerSecret: Sendable, Hashable {
    /// `ppt` for API tokens, `ppe` for enrollment tokens.
    public var prefix: String
    /// The public id.
    public var id: String
    /// The secret part.
    public var secret: String

    /// Generates a new random secret.
    public static func generate(prefix: String) -> BearerSecret {
        var generator = SystemRandomNumberGenerator()
        let id = Hex.encode((0..<8).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
        let secret = Hex.encode((0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
        return BearerSecret(prefix: prefix, id: id, secret: secret)
    }

    /// Parses `<prefix>_<id>_<secret>`; `nil` when the text has another shape or prefix.
    public init?(parsing text: String, prefix: String) {
        let parts = text.split(separator: "_", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == prefix, !parts[1].isEmpty, !parts[2].isEmpty else { return nil }
        self.init(prefix: prefix, id: String(parts[1]), secret: String(parts[2]))
    }

    /// Creates a secret from its parts.
    public init(prefix: String, id: String, secret: String) {
        self.prefix = prefix
        self.id = id
        self.secret = secret
    }

    /// The full token text, shown once to its owner.
    public var text: String { "\(prefix)_\(id)_\(secret)" }

    /// The stored hash of the secret part.
    public var secretHash: String { Self.hash(secret) }

    /// Hex SHA-256 of a secret.
    public static func hash(_ secret: String) -> String { Hex.encode(SHA256.hash(data: Array(secret.utf8))) }

    /// A random URL-safe value for cookies, nonces and CSRF tokens.
    public static func randomToken(bytes: Int = 32) -> String {
        var generator = SystemRandomNumberGenerator()
        return Hex.encode((0..<bytes).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
    }
}

/// Compares two strings in time that depends only on their lengths.
func constantTimeEquals(_ lhs: String, _ rhs: String) -> Bool {
    let left = Array(lhs.utf8)
    let right = Array(rhs.utf8)
    guard left.count == right.count else { return false }
    var difference: UInt8 = 0
    for index in left.indices { difference |= left[index] ^ right[index] }
    return difference == 0
}
