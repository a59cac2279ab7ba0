import Crypto
import Foundation

/// A signed statement "the chain's head was event N with hash H at time T". Rewriting the chain up
/// to N — even recomputing every hash — is caught because the signature key is not in the database.
public struct AuditCheckpoint: Sendable, Hashable, Codable {
    /// The head event's id.
    public var eventID: Int64
    /// Its hash.
    public var headHash: String
    /// When it was signed.
    public var signedAt: Date
    /// Base64 Ed25519 signature over ``message``.
    public var signature: String

    /// Creates a checkpoint record.
    public init(eventID: Int64, headHash: String, signedAt: Date, signature: String) {
        self.eventID = eventID
        self.headHash = headHash
        self.signedAt = signedAt
        self.signature = signature
    }

    /// What is signed: `patchpilot-audit-checkpoint\n<event id>\n<head hash>\n<signed at ms>`.
    public static func message(eventID: Int64, headHash: String, signedAt: Date) -> Data {
        let ms = Int64((signedAt.timeIntervalSince1970 * 1000).rounded())
        return Data("patchpilot-audit-checkpoint\n\(eventID)\n\(headHash)\n\(ms)".utf8)
    }

    /// Signs the head.
    public static func sign(
        eventID: Int64,
        headHash: String,
        signedAt: Date,
        key: Curve25519.Signing.PrivateKey
    ) throws -> AuditCheckpoint {
        let signature = try key.signature(for: message(eventID: eventID, headHash: headHash, signedAt: signedAt))
        return AuditCheckpoint(
            eventID: eventID,
            headHash: headHash,
            signedAt: signedAt,
            signature: Data(signature).base64EncodedString()
        )
    }

    /// Whether the signature is valid for `key`.
    public func isValid(for key: Curve25519.Signing.PublicKey) -> Bool {
        guard let bytes = Data(base64Encoded: signature) else { return false }
        return key.isValidSignature(bytes, for: Self.message(eventID: eventID, headHash: headHash, signedAt: signedAt))
    }
}
