import Foundation

/// A notification to send, written to the outbox in the transaction that made it true.
public struct OutboxMessage: Sendable, Hashable {
    /// Where to POST it.
    public var url: String
    /// The webhook's body format (`generic`, `slack`).
    public var format: String
    /// What happened (`started`, `wave-verdict`, `completed`, …).
    public var event: String
    /// The JSON body.
    public var body: String

    /// Creates a message.
    public init(url: String, format: String, event: String, body: String) {
        self.url = url
        self.format = format
        self.event = event
        self.body = body
    }
}

/// A message in the outbox and how its delivery stands.
public struct OutboxDelivery: Sendable, Hashable {
    /// Where it stands.
    public enum State: String, Sendable, Hashable, CaseIterable {
        /// Waiting for its first or next attempt.
        case pending
        /// The receiver answered 2xx.
        case delivered
        /// Every attempt failed: a dead letter, kept until someone retries it.
        case dead
    }

    /// The outbox row.
    public var id: Int64
    /// Sent as the `Idempotency-Key` header with every attempt: the receiver drops repeats.
    public var idempotencyKey: String
    /// The message.
    public var message: OutboxMessage
    /// When it was written.
    public var createdAt: Date
    /// Attempts made so far.
    public var attempts: Int
    /// When the next attempt is due (pending only).
    public var nextAttemptAt: Date
    /// When the receiver accepted it.
    public var deliveredAt: Date?
    /// When it became a dead letter.
    public var deadAt: Date?
    /// The last failure.
    public var lastError: String?

    /// Where it stands.
    public var state: State { deliveredAt != nil ? .delivered : deadAt != nil ? .dead : .pending }

    /// Creates a delivery record.
    public init(
        id: Int64,
        idempotencyKey: String,
        message: OutboxMessage,
        createdAt: Date,
        attempts: Int,
        nextAttemptAt: Date,
        deliveredAt: Date?,
        deadAt: Date?,
        lastError: String?
    ) {
        self.id = id
        self.idempotencyKey = idempotencyKey
        self.message = message
        self.createdAt = createdAt
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.deliveredAt = deliveredAt
        self.deadAt = deadAt
        self.lastError = lastError
    }
}
