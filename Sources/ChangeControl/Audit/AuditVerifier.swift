import Crypto
import Foundation

/// One thing wrong with the audit log.
public struct AuditProblem: Sendable, Hashable, Codable, CustomStringConvertible {
    /// What kind of tampering (or damage) it looks like.
    public enum Kind: String, Sendable, Hashable, Codable {
        /// An event's content no longer matches its hash.
        case edited
        /// Events are missing from the chain.
        case deleted
        /// An event is not part of the chain.
        case inserted
        /// Events are out of chain order.
        case reordered
        /// An event's hash was recomputed after an edit, breaking the link to its successor.
        case rewritten
        /// A checkpoint's signature is invalid or the chain no longer matches it.
        case checkpoint
    }

    /// The kind.
    public var kind: Kind
    /// The event concerned (stored id).
    public var eventID: Int64
    /// What was found.
    public var message: String

    public var description: String { "event \(eventID): \(kind.rawValue): \(message)" }
}

/// The result of verifying the audit log.
public struct AuditVerification: Sendable, Hashable, Codable {
    /// Events checked.
    public var events: Int
    /// Checkpoints checked.
    public var checkpoints: Int
    /// Events after the last checkpoint (chained but not yet sealed by a signature). The unsealed
    /// tail could be cut off without a trace; the server seals every minute and at shutdown, the CLI
    /// after its writes.
    public var unsealed: Int
    /// When the oldest unsealed event was written; `nil` when everything is sealed.
    public var unsealedSince: Date? = nil
    /// What is wrong; empty when the log is intact.
    public var problems: [AuditProblem]

    /// Whether the log verified clean.
    public var isIntact: Bool { problems.isEmpty }
}

/// Checks the hash chain and the signed checkpoints, and says which events were edited, deleted,
/// inserted or reordered.
public enum AuditVerifier {
    /// Verifies `events` (any order; sorted by id here) against `checkpoints` signed with `key`.
    public static func verify(
        events unsorted: [AuditEvent],
        checkpoints: [AuditCheckpoint],
        key: Curve25519.Signing.PublicKey?
    ) -> AuditVerification {
        let events = unsorted.sorted { $0.id < $1.id }
        var problems: [AuditProblem] = []
        var indexByHash: [String: Int] = [:]
        for (index, event) in events.enumerated() where indexByHash[event.hash] == nil {
            indexByHash[event.hash] = index
        }
        func report(_ kind: AuditProblem.Kind, _ index: Int, _ message: String) {
            problems.append(AuditProblem(kind: kind, eventID: events[index].id, message: message))
        }
        // Content: each event must hash to its stored hash.
        var contentIntact: [Bool] = []
        for (index, event) in events.enumerated() {
            let intact = AuditChain.hash(of: event, previousHash: event.previousHash) == event.hash
            contentIntact.append(intact)
            if !intact {
                report(
                    .edited,
                    index,
                    "its content (\(event.action) on \(event.target) by \(event.actor)) does not match its hash"
                )
            }
        }
        // Links: each event must name the hash of the one stored before it.
        var expected = AuditChain.genesis
        var index = 0
        while index < events.count {
            let event = events[index]
            defer { index += 1 }
            if event.previousHash == expected {
                expected = event.hash
                continue
            }
            let previousID = index > 0 ? events[index - 1].id : 0
            let next = index + 1 < events.count ? events[index + 1] : nil
            if let next, event.previousHash == next.hash, next.previousHash == expected {
                report(.reordered, index, "events \(event.id) and \(next.id) are swapped")
                expected = event.hash
                index += 1
                continue
            }
            if index > 0, event.previousHash == events[index - 1].previousHash {
                // This event skips the one stored before it, which links into the chain itself:
                // that one was slipped in.
                let before = index > 1 ? "event \(events[index - 2].id)" : "the start"
                report(.inserted, index - 1, "not part of the chain: event \(event.id) links to \(before)")
                expected = event.hash
                continue
            }
            if let next, next.previousHash == expected {
                report(
                    .inserted,
                    index,
                    "not part of the chain: event \(next.id) links to \(previousID == 0 ? "the start" : "event \(previousID)")"
                )
                continue
            }
            if let linked = indexByHash[event.previousHash], linked != index - 1 {
                report(
                    .reordered,
                    index,
                    "follows event \(events[linked].id) in the chain but is stored after \(previousID == 0 ? "the start" : "event \(previousID)")"
                )
                expected = event.hash
                continue
            }
            if event.id > previousID + 1 {
                let range = event.id == previousID + 2 ? "\(previousID + 1)" : "\(previousID + 1)…\(event.id - 1)"
                report(.deleted, index, "event \(range) is missing: the chain breaks before this event")
            } else if index > 0, contentIntact[index - 1] {
                problems.append(
                    AuditProblem(
                        kind: .rewritten,
                        eventID: previousID,
                        message: "its hash was recomputed: event \(event.id) links to a hash no stored event has"
                    )
                )
            } else if index > 0 {
                report(.deleted, index, "links to a hash no stored event has")
            } else {
                report(.deleted, index, "the first stored event does not start the chain")
            }
            expected = event.hash
        }
        // Checkpoints: signed by the server's key, and the chain still passes through each.
        var lastSealed: Int64 = 0
        for checkpoint in checkpoints.sorted(by: { $0.eventID < $1.eventID }) {
            if let key, !checkpoint.isValid(for: key) {
                problems.append(
                    AuditProblem(
                        kind: .checkpoint,
                        eventID: checkpoint.eventID,
                        message: "checkpoint signature is invalid"
                    )
                )
                continue
            }
            guard let event = events.first(where: { $0.id == checkpoint.eventID }) else {
                problems.append(
                    AuditProblem(
                        kind: .deleted,
                        eventID: checkpoint.eventID,
                        message: "missing, but a checkpoint signed at \(checkpoint.signedAt) sealed it"
                    )
                )
                continue
            }
            if event.hash != checkpoint.headHash {
                problems.append(
                    AuditProblem(
                        kind: .checkpoint,
                        eventID: checkpoint.eventID,
                        message:
                            "hash differs from the one sealed by the checkpoint signed at \(checkpoint.signedAt): the chain up to here was rewritten"
                    )
                )
            }
            lastSealed = max(lastSealed, checkpoint.eventID)
        }
        return AuditVerification(
            events: events.count,
            checkpoints: checkpoints.count,
            unsealed: events.filter { $0.id > lastSealed }.count,
            unsealedSince: events.first { $0.id > lastSealed }?.at,
            problems: problems
        )
    }
}
