import Crypto
import Foundation

/// One entry of the audit log: who did what to what, when, in which request, whether under an
/// elevation, and a summary of the change. Each event carries the hash of the one before, so the log
/// is a chain: editing, deleting, inserting or reordering events breaks it.
public struct AuditEvent: Sendable, Hashable, Codable {
    /// Sequence number, assigned by the store.
    public var id: Int64
    /// When it happened.
    public var at: Date
    /// Who (`user:alice`, `agent:…`, `system`).
    public var actor: String
    /// What (`change.approved`, `access.denied`…).
    public var action: String
    /// To what (`change:CHG-3`, `host:…`).
    public var target: String
    /// JSON summary, with `before`/`after` for state changes.
    public var details: String
    /// The HTTP request that caused it, when one did.
    public var requestID: String?
    /// The elevation the actor acted under, when they relied on one.
    public var elevationID: String?
    /// Hash of the previous event (``AuditChain/genesis`` for the first).
    public var previousHash: String
    /// Hash of this event's content and ``previousHash``.
    public var hash: String

    /// Creates an event; call ``AuditChain/seal(_:after:)`` to set the hashes.
    public init(
        id: Int64 = 0,
        at: Date,
        actor: String,
        action: String,
        target: String,
        details: String = "{}",
        requestID: String? = nil,
        elevationID: String? = nil,
        previousHash: String = AuditChain.genesis,
        hash: String = ""
    ) {
        self.id = id
        self.at = at
        self.actor = actor
        self.action = action
        self.target = target
        self.details = details
        self.requestID = requestID
        self.elevationID = elevationID
        self.previousHash = previousHash
        self.hash = hash
    }

    /// Milliseconds since 1970, the precision the store keeps and the hash covers.
    public var atMilliseconds: Int64 { Int64((at.timeIntervalSince1970 * 1000).rounded()) }
}

/// The hash chain over audit events.
///
/// `hash = SHA-256(previousHash ‖ field₁ ‖ … ‖ field₇)` where each field is written as its UTF-8
/// byte length in decimal, `:`, the bytes, `\n` — time in milliseconds, actor, action, target,
/// details, request id, elevation id (absent = empty). The sequence number is not hashed: order is
/// what the links prove, so a moved event is told apart from an edited one.
public enum AuditChain {
    /// The previous-hash of the first event.
    public static let genesis = String(repeating: "0", count: 64)

    /// The hash of `event`'s content linked to `previousHash`.
    public static func hash(of event: AuditEvent, previousHash: String) -> String {
        var hasher = SHA256()
        for field in [
            previousHash, String(event.atMilliseconds), event.actor, event.action, event.target, event.details,
            event.requestID ?? "", event.elevationID ?? "",
        ] {
            let bytes = Array(field.utf8)
            hasher.update(data: Array("\(bytes.count):".utf8))
            hasher.update(data: bytes)
            hasher.update(data: [0x0A])
        }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    /// Links `event` after the event whose hash is `previousHash`.
    public static func seal(_ event: AuditEvent, after previousHash: String) -> AuditEvent {
        var sealed = event
        sealed.previousHash = previousHash
        sealed.hash = hash(of: event, previousHash: previousHash)
        return sealed
    }
}
