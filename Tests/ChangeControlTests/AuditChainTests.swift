import ChangeControl
import Crypto
import Foundation
import Testing

@Suite struct AuditChainTests {
    let key = Curve25519.Signing.PrivateKey()

    func chain(_ count: Int) -> [AuditEvent] {
        var events: [AuditEvent] = []
        var previous = AuditChain.genesis
        for index in 1...count {
            let event = AuditChain.seal(
                AuditEvent(
                    id: Int64(index),
                    at: Date(timeIntervalSince1970: 1_800_000_000 + Double(index)),
                    actor: "user:ann",
                    action: "change.step\(index)",
                    target: "change:CHG-1",
                    details: #"{"n":\#(index)}"#,
                    requestID: "req-\(index)"
                ),
                after: previous
            )
            previous = event.hash
            events.append(event)
        }
        return events
    }

    func verify(_ events: [AuditEvent], checkpoints: [AuditCheckpoint] = []) -> AuditVerification {
        AuditVerifier.verify(events: events, checkpoints: checkpoints, key: key.publicKey)
    }

    @Test func intactChainVerifies() throws {
        let events = chain(10)
        let checkpoint = try AuditCheckpoint.sign(eventID: 6, headHash: events[5].hash, signedAt: Date(), key: key)
        let result = verify(events, checkpoints: [checkpoint])
        #expect(result.isIntact)
        #expect(result.unsealed == 4)
    }

    @Test func hashCoversEveryField() {
        let base = chain(1)[0]
        var variants: [AuditEvent] = []
        for change in 0..<7 {
            var copy = base
            switch change {
            case 0: copy.at = copy.at.addingTimeInterval(0.001)
            case 1: copy.actor = "user:eve"
            case 2: copy.action = "x"
            case 3: copy.target = "x"
            case 4: copy.details = "{}"
            case 5: copy.requestID = nil
            default: copy.elevationID = "ELV-1"
            }
            variants.append(copy)
        }
        for variant in variants {
            #expect(AuditChain.hash(of: variant, previousHash: base.previousHash) != base.hash)
        }
    }

    @Test func editIsReported() {
        var events = chain(6)
        events[2].details = #"{"n":999}"#
        let problems = verify(events).problems
        #expect(problems.map(\.kind) == [.edited])
        #expect(problems.first?.eventID == 3)
    }

    @Test func editWithRecomputedHashIsReportedAsRewritten() throws {
        var events = chain(6)
        let checkpoint = try AuditCheckpoint.sign(eventID: 5, headHash: events[4].hash, signedAt: Date(), key: key)
        events[2].details = #"{"n":999}"#
        events[2] = AuditChain.seal(events[2], after: events[2].previousHash)
        let problems = verify(events, checkpoints: [checkpoint]).problems
        #expect(problems.contains { $0.kind == .rewritten && $0.eventID == 3 })
    }

    @Test func deletionIsReported() {
        var events = chain(6)
        events.remove(at: 3)
        let problems = verify(events).problems
        #expect(problems.count == 1)
        #expect(problems.first?.kind == .deleted)
        #expect(problems.first?.message.contains("event 4 is missing") == true)
    }

    @Test func insertionIsReported() {
        // An attacker shifts events 4… up by one and puts a forged, correctly hashed event at 4.
        let original = chain(6)
        var events = Array(original[0..<3])
        let forged = AuditChain.seal(
            AuditEvent(id: 4, at: Date(), actor: "user:eve", action: "user.created", target: "user:eve"),
            after: original[2].hash
        )
        events.append(forged)
        for event in original[3...] {
            var shifted = event
            shifted.id += 1
            events.append(shifted)
        }
        let problems = verify(events).problems
        #expect(problems.map(\.kind) == [.inserted])
        #expect(problems.first?.eventID == 4)
    }

    @Test func swapIsReported() {
        var events = chain(6)
        let third = events[2]
        events[2] = events[3]
        events[2].id = 3
        events[3] = third
        events[3].id = 4
        let problems = verify(events).problems
        #expect(problems.map(\.kind) == [.reordered])
        #expect(problems.first?.message == "events 3 and 4 are swapped")
    }

    @Test func checkpointsCatchARewrittenChainAndForgedSignatures() throws {
        let events = chain(5)
        let checkpoint = try AuditCheckpoint.sign(eventID: 5, headHash: events[4].hash, signedAt: Date(), key: key)
        // Rewrite the whole chain from event 2 with recomputed hashes: links are consistent again.
        var rewritten = events
        rewritten[1].actor = "user:eve"
        for index in 1..<rewritten.count {
            rewritten[index] = AuditChain.seal(rewritten[index], after: rewritten[index - 1].hash)
        }
        let problems = verify(rewritten, checkpoints: [checkpoint]).problems
        #expect(problems.map(\.kind) == [.checkpoint])
        // Deleting the sealed tail is caught by the checkpoint.
        #expect(verify(Array(events[0..<4]), checkpoints: [checkpoint]).problems.map(\.kind) == [.deleted])
        // A checkpoint signed with another key is refused.
        let forged = try AuditCheckpoint.sign(
            eventID: 5,
            headHash: events[4].hash,
            signedAt: Date(),
            key: Curve25519.Signing.PrivateKey()
        )
        #expect(verify(events, checkpoints: [forged]).problems.map(\.kind) == [.checkpoint])
    }
}
