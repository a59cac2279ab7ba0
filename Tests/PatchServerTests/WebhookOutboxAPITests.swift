import ChangeControl
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import PatchStore
import Synchronization
import Testing

@testable import PatchServer

/// The webhook outbox through the server: a receiver that fails leaves a dead letter, visible in the
/// API; a retry by an admin delivers it with the same idempotency key.
@Suite struct WebhookOutboxAPITests {
    struct List: Decodable {
        struct Item: Decodable {
            var id: Int64
            var state: String
            var attempts: Int
            var idempotencyKey: String
            var lastError: String?
        }
        var deliveries: [Item]
    }

    @Test func aDeadLetterIsListedAndRetriedWithTheSameIdempotencyKey() async throws {
        let harness = try await Harness.make { $0.webhookMaxAttempts = 2 }
        let failing = Mutex(true)
        let received = Mutex<[String]>([])
        let built = try await buildRouter(
            configuration: harness.configuration,
            dependencies: ServerDependencies(
                storage: harness.storage,
                clock: harness.clock,
                logger: Harness.logger,
                webhookSender: { delivery in
                    if failing.withLock({ $0 }) { throw Problem(.badGateway, "receiver answered 500") }
                    received.withLock { $0.append(delivery.idempotencyKey) }
                }
            )
        )
        let webhooks = built.webhooks
        let router = built.router
        try await harness.storage.enqueueWebhooks(
            [OutboxMessage(url: "http://hooks.test/a", format: "generic", event: "started", body: "{}")],
            now: harness.clock.now()
        )
        // First attempt fails; the retry is not due yet.
        #expect(try await webhooks.deliverDue() == 0)
        #expect(try await webhooks.deliverDue() == 0)
        // Past the backoff (5 s plus jitter): the second and last attempt fails too → dead letter.
        harness.clock.advance(10)
        #expect(try await webhooks.deliverDue() == 0)
        try await Application(router: router).test(.router) { client in
            let dead = try await client.execute(
                uri: "/api/v1/webhooks/deliveries?state=dead",
                method: .get,
                headers: harness.bearer(.admin)
            )
            #expect(dead.status == .ok)
            let list = try dead.json(List.self)
            let letter = try #require(list.deliveries.first)
            #expect(list.deliveries.count == 1)
            #expect(letter.attempts == 2 && letter.state == "dead")
            #expect(letter.lastError?.contains("500") == true)
            // A viewer may not retry.
            let refused = try await client.execute(
                uri: "/api/v1/webhooks/deliveries/\(letter.id)/retry",
                method: .post,
                headers: harness.bearer(.viewer)
            )
            #expect(refused.status == .forbidden)
            let bad = try await client.execute(
                uri: "/api/v1/webhooks/deliveries?state=lost",
                method: .get,
                headers: harness.bearer(.admin)
            )
            #expect(bad.status == .badRequest)
            failing.withLock { $0 = false }
            let retried = try await client.execute(
                uri: "/api/v1/webhooks/deliveries/\(letter.id)/retry",
                method: .post,
                headers: harness.bearer(.admin)
            )
            #expect(retried.status == .ok)
            #expect(try await webhooks.deliverDue() == 1)
            #expect(received.withLock { $0 } == [letter.idempotencyKey])
            // Retrying a delivered message is a conflict; an unknown id is not found.
            let again = try await client.execute(
                uri: "/api/v1/webhooks/deliveries/\(letter.id)/retry",
                method: .post,
                headers: harness.bearer(.admin)
            )
            #expect(again.status == .conflict)
            let unknown = try await client.execute(
                uri: "/api/v1/webhooks/deliveries/987654/retry",
                method: .post,
                headers: harness.bearer(.admin)
            )
            #expect(unknown.status == .notFound)
        }
        let actions = try await harness.storage.auditEvents(afterID: 0, since: nil, target: nil, limit: 1000).map(
            \.action
        )
        #expect(actions.contains("webhook.dead_letter") && actions.contains("webhook.retried"))
    }
}
