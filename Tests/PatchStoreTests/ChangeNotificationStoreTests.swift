import ChangeControl
import Foundation
import PatchTestSupport
import RolloutEngine
import Testing

@testable import PatchStore

/// Changes announced by committed writes reach subscribers: in the writing process on SQLite, in
/// every replica sharing the database on PostgreSQL (LISTEN/NOTIFY); rolled-back writes announce
/// nothing; a listener that lost its connection reconnects and wakes its subscribers.
@Suite struct ChangeNotificationStoreTests {
    static let start = T.base

    /// Waits until `store`'s engine listens to other processes (PostgreSQL) and drops the wake-up
    /// that listening sends every subscriber.
    static func settle(_ store: SQLStorage, _ subscriptions: [ChangeSubscription]) async throws {
        if let engine = store.engine as? PostgresEngine {
            let deadline = ContinuousClock.now + .seconds(30)
            while engine.listener.listenCount == 0, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(engine.listener.listenCount > 0, "the listener never listened")
        }
        for subscription in subscriptions { _ = await subscription.next(timeout: .zero) }
    }

    static func abort(_ store: SQLStorage, _ id: String, at seconds: TimeInterval) async throws {
        _ = try await store.updateRollout(id: id) { rollout in
            _ = try rollout.apply(.abort, reason: "test")
            return [EventRecord(at: start + seconds, actor: "t", action: "rollout.abort", target: "rollout:\(id)")]
        }
    }

    @Test func aCommittedRolloutWriteIsHeardByTheSubscribersOfEveryReplica() async throws {
        let fixture = try await StoreFixture.make()
        // On PostgreSQL the writer is another replica (its own engine and connections); SQLite has
        // one process, whose own writes are announced.
        let writer = StoreFixture.postgresURL == nil ? fixture.store : try await fixture.reopen()
        let rollout = try RolloutTaskRowsTests.rollout(hosts: 3)
        try await writer.createRollout(rollout, events: [], now: Self.start)
        let watched = fixture.store.subscribe(to: .rollout(rollout.id))
        let other = fixture.store.subscribe(to: .rollout("RO-other"))
        defer {
            watched.cancel()
            other.cancel()
        }
        try await Self.settle(fixture.store, [watched, other])

        try await Self.abort(writer, rollout.id, at: 1)
        #expect(await watched.next(timeout: .seconds(30)), "the write was not heard")
        #expect(try await fixture.store.rollout(id: rollout.id)?.state == .aborted, "heard after it committed")
        #expect(await other.next(timeout: .milliseconds(300)) == false, "another rollout's subscriber stays asleep")

        // A write that changes nothing (no events) announces nothing.
        _ = try await writer.updateRollout(id: rollout.id) { _ in [] }
        #expect(await watched.next(timeout: .milliseconds(300)) == false)

        // A creation is announced too; announcements between two waits collapse into one.
        let second = try RolloutTaskRowsTests.rollout(hosts: 2, id: "RO-other")
        try await writer.createRollout(second, events: [], now: Self.start)
        #expect(await other.next(timeout: .seconds(30)))
        if writer !== fixture.store { await writer.close() }
    }

    @Test func aRolledBackWriteAnnouncesNothing() async throws {
        let fixture = try await StoreFixture.make()
        let watched = fixture.store.subscribe(to: .rollout("RO-x"))
        defer { watched.cancel() }
        try await Self.settle(fixture.store, [watched])
        struct Refused: Error {}
        await #expect(throws: Refused.self) {
            try await fixture.write { db in
                try db.announce(.rollout("RO-x"))
                throw Refused()
            }
        }
        #expect(await watched.next(timeout: .milliseconds(500)) == false)
        try await fixture.write { db in try db.announce(.rollout("RO-x")) }
        #expect(await watched.next(timeout: .seconds(30)))
    }

    @Test func aWaitEndsWhenItsTaskIsCancelledOrItsSubscriptionEnds() async throws {
        let fixture = try await StoreFixture.make()
        let watched = fixture.store.subscribe(to: .rollout("RO-y"))
        try await Self.settle(fixture.store, [watched])
        let waiting = Task { await watched.next(timeout: .seconds(600)) }
        try await Task.sleep(for: .milliseconds(50))
        waiting.cancel()
        #expect(await waiting.value == false)
        let ending = Task { await watched.next(timeout: .seconds(600)) }
        try await Task.sleep(for: .milliseconds(50))
        watched.cancel()
        #expect(await ending.value == false)
    }

    /// The listener's connection dropped (a PostgreSQL restart, an administrator ending it): its
    /// subscribers are woken (they may have missed changes), it listens again, and later changes
    /// from another replica are heard.
    @Test(StoreFixture.needsPostgres) func theListenerReconnectsAfterItsConnectionWasEnded() async throws {
        guard StoreFixture.postgresURL != nil else { return }
        let fixture = try await StoreFixture.make()
        let engine = try #require(fixture.store.engine as? PostgresEngine)
        let writer = try await fixture.reopen()
        let rollout = try RolloutTaskRowsTests.rollout(hosts: 2)
        try await writer.createRollout(rollout, events: [], now: Self.start)
        let watched = fixture.store.subscribe(to: .rollout(rollout.id))
        defer { watched.cancel() }
        try await Self.settle(fixture.store, [watched])

        let ended = try await writer.engine.write { db in
            try Int.fetchOne(
                db,
                sql: """
                    SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity
                    WHERE datname = current_database() AND query LIKE 'LISTEN%'
                    """
            )
        }
        #expect(ended == 1, "one listening session")
        #expect(await watched.next(timeout: .seconds(30)), "woken when the listener lost its connection")
        let deadline = ContinuousClock.now + .seconds(30)
        while engine.listener.listenCount < 2, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(engine.listener.listenCount == 2, "listening again")
        _ = await watched.next(timeout: .zero)
        try await Self.abort(writer, rollout.id, at: 1)
        #expect(await watched.next(timeout: .seconds(30)), "a change after the reconnect is heard")
        await writer.close()
    }
}
