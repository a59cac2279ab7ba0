import AsyncHTTPClient
import Foundation
import HTTPTypes
import Logging
import NIOCore
import NIOHTTP1
import PatchStore
import ServiceLifecycle

/// Posts the webhook outbox: at least once, with the message's idempotency key, retried with
/// exponential backoff, a dead letter after the last attempt. Every replica runs it; a claim keeps
/// the others off a message while one sends it, and a replica that dies mid-send leaves the claim
/// to lapse, so the message goes out again (the receiver drops it by its `Idempotency-Key`).
public struct WebhookDelivery: Sendable {
    /// Sends one message; throws when the receiver did not accept it.
    public typealias Send = @Sendable (_ delivery: OutboxDelivery) async throws -> Void

    let storage: any PatchStorage
    let clock: any WallClock
    let owner: String
    let maxAttempts: Int
    let logger: Logger
    let send: Send
    /// Wakes the loop when a message was written (the rollout scheduler notified).
    let wakeups = Wakeups()

    /// Creates the delivery loop of replica `owner`.
    public init(
        storage: any PatchStorage,
        clock: any WallClock,
        owner: String,
        maxAttempts: Int,
        logger: Logger,
        send: Send? = nil
    ) {
        self.storage = storage
        self.clock = clock
        self.owner = owner
        self.maxAttempts = max(1, maxAttempts)
        self.logger = logger
        self.send = send ?? WebhookDelivery.post
    }

    /// The delay before attempt `attempt + 1` after `attempt` failures: 5 s doubling, at most an
    /// hour, with up to a fifth of random jitter so that many failures do not retry in step.
    static func backoff(afterAttempt attempt: Int) -> TimeInterval {
        let base = min(3600, 5 * pow(2, Double(min(max(attempt - 1, 0), 20))))
        return base + Double.random(in: 0...(base / 5))
    }

    /// Sends every message due now; returns how many were delivered.
    @discardableResult
    public func deliverDue() async throws -> Int {
        var delivered = 0
        while true {
            let now = clock.now()
            let batch = try await storage.claimWebhookDeliveries(
                owner: owner,
                now: now,
                until: now.addingTimeInterval(60),
                limit: 20
            )
            if batch.isEmpty { return delivered }
            for delivery in batch {
                do {
                    try await send(delivery)
                    try await storage.recordWebhookAttempt(
                        id: delivery.id,
                        owner: owner,
                        now: clock.now(),
                        error: nil,
                        retryAt: nil
                    )
                    delivered += 1
                } catch {
                    let attempts = delivery.attempts + 1
                    let retryAt =
                        attempts >= maxAttempts
                        ? nil : clock.now().addingTimeInterval(Self.backoff(afterAttempt: attempts))
                    logger.warning(
                        retryAt == nil ? "webhook dead letter" : "webhook failed, will retry",
                        metadata: [
                            "pp.url": .string(delivery.message.url), "pp.delivery": .stringConvertible(delivery.id),
                            "pp.attempts": .stringConvertible(attempts), "pp.error": .string("\(error)"),
                        ]
                    )
                    try await storage.recordWebhookAttempt(
                        id: delivery.id,
                        owner: owner,
                        now: clock.now(),
                        error: "\(error)",
                        retryAt: retryAt
                    )
                }
            }
        }
    }

    /// Asks for a delivery round soon.
    func wake() { wakeups.wake() }

    static let post: Send = { delivery in
        var request = HTTPClientRequest(url: delivery.message.url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Idempotency-Key", value: delivery.idempotencyKey)
        request.headers.add(name: "X-PatchPilot-Event", value: delivery.message.event)
        request.headers.add(name: "X-PatchPilot-Delivery", value: String(delivery.id))
        request.body = .bytes(ByteBuffer(string: delivery.message.body))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        guard (200..<300).contains(response.status.code) else {
            throw Problem(.badGateway, "webhook \(delivery.message.url) answered \(response.status.code)")
        }
    }
}

/// Runs ``WebhookDelivery/deliverDue()`` every few seconds and when woken.
struct WebhookDeliveryService: Service {
    let delivery: WebhookDelivery
    let interval: Duration

    func run() async throws {
        let delivery = delivery
        await delivery.wakeups.run(every: interval) {
            do {
                try await delivery.deliverDue()
            } catch {
                delivery.logger.error("cannot deliver webhooks", metadata: ["pp.error": .string("\(error)")])
            }
        }
    }
}
