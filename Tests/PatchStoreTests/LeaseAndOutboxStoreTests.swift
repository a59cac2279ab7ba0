import ChangeControl
import Foundation
import RolloutEngine
import Testing

@testable import PatchStore

/// Leases (leader, rollout ticks) and the webhook outbox: the replica-coordination contract, on
/// both engines.
@Suite struct LeaseAndOutboxStoreTests {
    static let start = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func aLeaseIsHeldRenewedAndTakenOverOnlyOnceItLapses() async throws {
        let fixture = try await StoreFixture.make()
        let store = fixture.store
        let a = try #require(
            try await store.acquireLease(name: "leader", owner: "a", now: Self.start, until: Self.start + 15)
        )
        #expect(a.token == 1)
        // Held: b cannot take it.
        #expect(
            try await store.acquireLease(name: "leader", owner: "b", now: Self.start + 5, until: Self.start + 20) == nil
        )
        // a renews: same token, later expiry.
        let renewed = try #require(
            try await store.acquireLease(name: "leader", owner: "a", now: Self.start + 10, until: Self.start + 25)
        )
        #expect(renewed.token == a.token)
        #expect(try await store.lease(name: "leader")?.expiresAt == Self.start + 25)
        // a stalls past its lease: b takes it over with a greater token.
        let b = try #require(
            try await store.acquireLease(name: "leader", owner: "b", now: Self.start + 26, until: Self.start + 41)
        )
        #expect(b.token > a.token)
        // a comes back: it cannot renew, and a write fenced by its old grant is refused.
        #expect(
            try await store.acquireLease(name: "leader", owner: "a", now: Self.start + 27, until: Self.start + 42)
                == nil
        )
        await #expect(throws: StoreError.self) {
            _ = try await store.expireLapsedElevations(now: Self.start + 27, fence: a)
        }
        do {
            _ = try await store.expireLapsedElevations(now: Self.start + 27, fence: a)
        } catch let error as StoreError {
            #expect(error.code == .fenced)
        }
        #expect(try await store.expireLapsedElevations(now: Self.start + 27, fence: b).isEmpty)
        // A release lets a take it at once, with yet another token.
        try await store.releaseLease(b)
        let again = try #require(
            try await store.acquireLease(name: "leader", owner: "a", now: Self.start + 28, until: Self.start + 43)
        )
        #expect(again.token > b.token)
        // A release by a stale grant changes nothing.
        try await store.releaseLease(b)
        #expect(try await store.lease(name: "leader")?.owner == "a")
    }

    @Test func concurrentCandidatesElectExactlyOneLeader() async throws {
        let fixture = try await StoreFixture.make()
        let store = fixture.store
        let winners = try await withThrowingTaskGroup(of: LeaseGrant?.self) { group in
            for index in 0..<8 {
                group.addTask {
                    try await store.acquireLease(
                        name: "leader",
                        owner: "replica-\(index)",
                        now: Self.start,
                        until: Self.start + 15
                    )
                }
            }
            return try await group.reduce(into: [LeaseGrant]()) { if let grant = $1 { $0.append(grant) } }
        }
        #expect(winners.count == 1)
        #expect(try await store.lease(name: "leader")?.owner == winners.first?.owner)
    }

    @Test func aRolloutTickLeaseFencesAStaleReplica() async throws {
        let fixture = try await StoreFixture.make()
        let store = fixture.store
        let rollout = try RolloutTaskRowsTests.rollout(hosts: 6)
        try await store.createRollout(rollout, events: [], now: Self.start)
        let a = try await store.claimRolloutTicks(owner: "a", now: Self.start, until: Self.start + 15, only: nil)
        #expect(a.map(\.name) == [rollout.id])
        // b cannot claim what a holds.
        #expect(
            try await store.claimRolloutTicks(owner: "b", now: Self.start + 1, until: Self.start + 16, only: nil)
                .isEmpty
        )
        // a renews its own claim: the same token (its own ticks are ordered by the optimistic check).
        let renewed = try await store.claimRolloutTicks(
            owner: "a",
            now: Self.start + 2,
            until: Self.start + 17,
            only: nil
        )
        #expect(renewed.map(\.token) == a.map(\.token))
        // a stalls past its lease; b claims it and ticks.
        let b = try await store.claimRolloutTicks(owner: "b", now: Self.start + 18, until: Self.start + 33, only: nil)
        #expect(b.map(\.name) == [rollout.id])
        #expect(b[0].token > a[0].token)
        let ticked = try await store.updateRollout(id: rollout.id, applying: [], fence: b[0], outbox: []) {
            rollout in
            _ = rollout.tick(now: Self.start + 16)
            return [
                EventRecord(at: Self.start + 16, actor: "system", action: "rollout.ticked", target: "x", details: "{}")
            ]
        }
        // a resumes and writes what it computed before it stalled: refused, nothing changes.
        do {
            _ = try await store.updateRollout(id: rollout.id, applying: [], fence: a[0], outbox: []) {
                rollout in
                rollout.tasks[0].reason = "stale"
                return [EventRecord(at: Self.start + 17, actor: "system", action: "stale", target: "x", details: "{}")]
            }
            Issue.record("a stale tick was written")
        } catch let error as StoreError {
            #expect(error.code == .fenced)
        }
        #expect(try await store.rollout(id: rollout.id) == ticked)
        // A finished rollout is not claimed.
        _ = try await store.updateRollout(id: rollout.id) { rollout in
            _ = try rollout.apply(.abort, reason: "test")
            return [EventRecord(at: Self.start + 18, actor: "t", action: "rollout.abort", target: "x", details: "{}")]
        }
        #expect(
            try await store.claimRolloutTicks(owner: "b", now: Self.start + 40, until: Self.start + 55, only: nil)
                .isEmpty
        )
    }

    static func message(_ n: Int) -> OutboxMessage {
        OutboxMessage(url: "http://hooks.test/\(n)", format: "generic", event: "started", body: #"{"n":\#(n)}"#)
    }

    @Test func theOutboxDeliversAtLeastOnceRetriesAndKeepsDeadLetters() async throws {
        let fixture = try await StoreFixture.make()
        let store = fixture.store
        try await store.enqueueWebhooks((1...3).map(Self.message), now: Self.start)
        // Two replicas claim at once: each message goes to one of them.
        let a = try await store.claimWebhookDeliveries(owner: "a", now: Self.start, until: Self.start + 60, limit: 2)
        let b = try await store.claimWebhookDeliveries(owner: "b", now: Self.start, until: Self.start + 60, limit: 10)
        #expect(a.count == 2 && b.count == 1)
        #expect(Set((a + b).map(\.id)).count == 3)
        #expect(Set((a + b).map(\.idempotencyKey)).count == 3)
        // a delivers one, fails the other (retry later); b dies holding its claim.
        try await store.recordWebhookAttempt(id: a[0].id, owner: "a", now: Self.start + 1, error: nil, retryAt: nil)
        try await store.recordWebhookAttempt(
            id: a[1].id,
            owner: "a",
            now: Self.start + 1,
            error: "answered 500",
            retryAt: Self.start + 10
        )
        #expect(
            try await store.claimWebhookDeliveries(owner: "c", now: Self.start + 5, until: Self.start + 65, limit: 10)
                .isEmpty
        )
        // After b's claim lapses and a's retry is due, c gets both, with the same idempotency keys.
        let c = try await store.claimWebhookDeliveries(
            owner: "c",
            now: Self.start + 61,
            until: Self.start + 121,
            limit: 10
        )
        #expect(Set(c.map(\.id)) == Set([a[1].id, b[0].id]))
        #expect(Set(c.map(\.idempotencyKey)) == Set([a[1].idempotencyKey, b[0].idempotencyKey]))
        #expect(c.first { $0.id == a[1].id }?.attempts == 1)
        // b's late success is ignored (it no longer holds the claim); c's outcomes count.
        try await store.recordWebhookAttempt(id: b[0].id, owner: "b", now: Self.start + 62, error: nil, retryAt: nil)
        #expect(try await store.webhookDeliveries(state: .delivered, limit: 10, offset: 0).map(\.id) == [a[0].id])
        try await store.recordWebhookAttempt(id: b[0].id, owner: "c", now: Self.start + 62, error: nil, retryAt: nil)
        try await store.recordWebhookAttempt(
            id: a[1].id,
            owner: "c",
            now: Self.start + 62,
            error: "answered 500",
            retryAt: nil
        )
        let dead = try await store.webhookDeliveries(state: .dead, limit: 10, offset: 0)
        #expect(dead.map(\.id) == [a[1].id])
        #expect(dead.first?.attempts == 2)
        #expect(dead.first?.lastError == "answered 500")
        // Paging: newest first, the offset skips.
        let all = try await store.webhookDeliveries(state: nil, limit: 10, offset: 0).map(\.id)
        #expect(all == all.sorted(by: >))
        #expect(try await store.webhookDeliveries(state: nil, limit: 1, offset: 1).map(\.id) == [all[1]])
        #expect(
            try await store.claimWebhookDeliveries(
                owner: "c",
                now: Self.start + 9999,
                until: Self.start + 99999,
                limit: 10
            ).isEmpty
        )
        let events = try await store.auditEvents(afterID: 0, since: nil, target: "webhook:\(a[1].id)", limit: 10)
        #expect(events.map(\.action) == ["webhook.dead_letter"])
        // Retried by hand: pending again, due now, attempts reset, audited.
        let retried = try await store.retryWebhookDelivery(id: a[1].id, actor: "admin", now: Self.start + 100)
        #expect(retried.state == .pending && retried.attempts == 0)
        #expect(
            try await store.claimWebhookDeliveries(
                owner: "c",
                now: Self.start + 100,
                until: Self.start + 160,
                limit: 10
            ).map(\.id) == [a[1].id]
        )
        await #expect(throws: StoreError.self) {
            _ = try await store.retryWebhookDelivery(id: a[0].id, actor: "admin", now: Self.start + 101)
        }
        await #expect(throws: StoreError.self) {
            _ = try await store.retryWebhookDelivery(id: 999_999, actor: "admin", now: Self.start + 101)
        }
    }

    @Test func outboxMessagesAreWrittenWithTheRolloutOrNotAtAll() async throws {
        let fixture = try await StoreFixture.make()
        let store = fixture.store
        let rollout = try RolloutTaskRowsTests.rollout(hosts: 4)
        try await store.createRollout(rollout, events: [], outbox: [Self.message(1)], now: Self.start)
        // A write that throws (its body refuses) leaves no message behind.
        await #expect(throws: StoreError.self) {
            _ = try await store.updateRollout(
                id: rollout.id,
                applying: [],
                fence: nil,
                outbox: [Self.message(2)]
            ) {
                _ in throw StoreError(code: .conflict, message: "changed")
            }
        }
        _ = try await store.updateRollout(id: rollout.id, applying: [], fence: nil, outbox: [Self.message(3)]) {
            rollout in
            _ = rollout.tick(now: Self.start)
            return [EventRecord(at: Self.start, actor: "system", action: "rollout.ticked", target: "x", details: "{}")]
        }
        let pending = try await store.webhookDeliveries(state: .pending, limit: 10, offset: 0)
        #expect(Set(pending.map(\.message.url)) == ["http://hooks.test/1", "http://hooks.test/3"])
    }
}
