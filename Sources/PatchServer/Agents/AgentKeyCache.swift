import Crypto
import PatchStore
import Synchronization

/// The identities of agents seen unrevoked — host id and parsed Ed25519 key — kept in memory so
/// that verifying a signed request (every heartbeat) reads nothing from the database. An agent's id,
/// host and key never change; only its revocation does, and revocation is not trusted from here:
/// the write transaction that accepts the request (nonce, heartbeat) checks it
/// (``PatchStorage/recordNonce(agentID:nonce:now:forgetBefore:)`` throws ``StoreError/Code/revoked``).
/// An entry is dropped when this server revokes the agent (its next request is refused before its
/// body is read) and when that write refuses it (a revocation by re-enrollment or by another
/// replica), so a revoked agent costs at most one body read.
final class AgentKeyCache: Sendable {
    /// A verified agent identity.
    struct Entry: Sendable {
        var record: AgentRecord
        var publicKey: Curve25519.Signing.PublicKey
    }

    /// Agents kept at most (about 250 bytes each); past it, lookups read the database.
    static let capacity = 1_000_000

    private let entries = Mutex<[String: Entry]>([:])

    func entry(agentID: String) -> Entry? { entries.withLock { $0[agentID] } }

    /// Remembers an unrevoked agent (a revoked one is never entered).
    func remember(_ entry: Entry) {
        guard !entry.record.isRevoked else { return }
        entries.withLock { entries in
            if entries.count < Self.capacity || entries[entry.record.id] != nil { entries[entry.record.id] = entry }
        }
    }

    /// Forgets an agent (after its revocation).
    func forget(agentID: String) { _ = entries.withLock { $0.removeValue(forKey: agentID) } }

}
