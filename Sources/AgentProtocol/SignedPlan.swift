import Crypto
import Foundation

/// A plan as it travels: the exact JSON bytes that were signed (base64), the Ed25519 signature
/// over them, and the id of the signing key. Signing the bytes, not a re-encoding, avoids any
/// JSON canonicalisation question.
public struct SignedPlan: Sendable, Hashable, Codable {
    /// Base64 of the plan's JSON bytes.
    public var payload: String
    /// Base64 Ed25519 signature over the payload bytes, prefixed by the domain string `PP1-PLAN\n`.
    public var signature: String
    /// Hex SHA-256 of the signing public key (lets an agent say which key it expected).
    public var keyID: String

    /// Creates a signed plan from its parts.
    public init(payload: String, signature: String, keyID: String) {
        self.payload = payload
        self.signature = signature
        self.keyID = keyID
    }

    /// Signs a plan with the server's plan key.
    public static func sign(_ plan: UpdatePlan, key: Curve25519.Signing.PrivateKey) throws -> SignedPlan {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let bytes = Array(try encoder.encode(plan))
        let signature = try key.signature(for: Self.domain + bytes)
        return SignedPlan(
            payload: Base64.encode(bytes),
            signature: Base64.encode(Array(signature)),
            keyID: keyID(of: key.publicKey)
        )
    }

    /// The key id of a public key.
    public static func keyID(of key: Curve25519.Signing.PublicKey) -> String {
        Hex.encode(SHA256.hash(data: Array(key.rawRepresentation)))
    }

    static let domain = Array("PP1-PLAN\n".utf8)
}

/// Why an agent refuses a plan.
public enum PlanRejection: Error, Sendable, Hashable, CustomStringConvertible {
    /// The payload or signature is not valid base64 or JSON.
    case malformed(String)
    /// Signed by another key than the pinned one.
    case unknownKey(expected: String, got: String)
    /// The signature does not verify.
    case badSignature
    /// The plan is for another host.
    case wrongHost(expected: String, got: String)
    /// The plan has expired.
    case expired(expiresAt: Int64, now: Int64)
    /// The sequence number was already seen (a replay or an out-of-order plan).
    case replayed(sequence: Int64, lastSeen: Int64)

    public var description: String {
        switch self {
        case .malformed(let reason): "plan is malformed: \(reason)"
        case .unknownKey(let expected, let got): "plan is signed by key \(got), but this agent pinned \(expected)"
        case .badSignature: "plan signature does not verify"
        case .wrongHost(let expected, let got): "plan is for host \(got), this is host \(expected)"
        case .expired(let expiresAt, let now): "plan expired at \(expiresAt) (now \(now))"
        case .replayed(let sequence, let lastSeen): "plan sequence \(sequence) is not newer than \(lastSeen)"
        }
    }
}

/// The agent's side of plan verification: the pinned key, this host, and the highest sequence seen.
public struct PlanVerifier: Sendable, Hashable {
    /// The server plan key pinned at enrollment.
    public var pinnedKey: Curve25519.Signing.PublicKey
    /// This host's id.
    public var hostID: String
    /// The highest plan sequence accepted so far.
    public var lastSequence: Int64

    /// Creates a verifier.
    public init(pinnedKey: Curve25519.Signing.PublicKey, hostID: String, lastSequence: Int64) {
        self.pinnedKey = pinnedKey
        self.hostID = hostID
        self.lastSequence = lastSequence
    }

    public static func == (lhs: PlanVerifier, rhs: PlanVerifier) -> Bool {
        lhs.pinnedKey.rawRepresentation == rhs.pinnedKey.rawRepresentation && lhs.hostID == rhs.hostID
            && lhs.lastSequence == rhs.lastSequence
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(pinnedKey.rawRepresentation)
        hasher.combine(hostID)
        hasher.combine(lastSequence)
    }

    /// Verifies a signed plan at `now` (Unix seconds); on success advances ``lastSequence`` and
    /// returns the plan. Checks run in this order: key, signature, decoding, host, expiry, sequence.
    public mutating func accept(_ signed: SignedPlan, now: Int64) throws(PlanRejection) -> UpdatePlan {
        let expected = SignedPlan.keyID(of: pinnedKey)
        guard signed.keyID == expected else { throw .unknownKey(expected: expected, got: signed.keyID) }
        guard let payload = Base64.decode(signed.payload), let signature = Base64.decode(signed.signature) else {
            throw .malformed("payload or signature is not base64")
        }
        guard pinnedKey.isValidSignature(signature, for: SignedPlan.domain + payload) else { throw .badSignature }
        let plan: UpdatePlan
        do {
            plan = try JSONDecoder().decode(UpdatePlan.self, from: Data(payload))
        } catch {
            throw .malformed("\(error)")
        }
        guard plan.hostID == hostID else { throw .wrongHost(expected: hostID, got: plan.hostID) }
        guard now < plan.expiresAt else { throw .expired(expiresAt: plan.expiresAt, now: now) }
        guard plan.sequence > lastSequence else { throw .replayed(sequence: plan.sequence, lastSeen: lastSequence) }
        lastSequence = plan.sequence
        return plan
    }
}
