import Foundation

extension SQLStorage {
    /// Writes `messages` to the outbox inside the caller's transaction.
    static func enqueueOutbox(_ messages: [OutboxMessage], now: Date, _ db: any SQLSession) throws {
        guard !messages.isEmpty else { return }
        let insert = try db.cachedStatement(
            sql: """
                INSERT INTO webhook_outbox (idempotency_key, url, format, event, body, created_at, next_attempt_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """
        )
        for message in messages {
            try insert.execute(arguments: [
                UUID().uuidString.lowercased(), message.url, message.format, message.event, message.body,
                millis(now), millis(now),
            ])
        }
    }

    public func enqueueWebhooks(_ messages: [OutboxMessage], now: Date) async throws {
        guard !messages.isEmpty else { return }
        try await write { db in try Self.enqueueOutbox(messages, now: now, db) }
    }

    private static let deliveryColumns = """
        id, idempotency_key, url, format, event, body, created_at, attempts, next_attempt_at, delivered_at, dead_at,
        last_error
        """

    private static func delivery(_ row: SQLRow) -> OutboxDelivery {
        OutboxDelivery(
            id: row["id"],
            idempotencyKey: row["idempotency_key"],
            message: OutboxMessage(url: row["url"], format: row["format"], event: row["event"], body: row["body"]),
            createdAt: date(row["created_at"]),
            attempts: Int(row["attempts"] as Int64),
            nextAttemptAt: date(row["next_attempt_at"]),
            deliveredAt: (row["delivered_at"] as Int64?).map(date),
            deadAt: (row["dead_at"] as Int64?).map(date),
            lastError: row["last_error"]
        )
    }

    public func claimWebhookDeliveries(
        owner: String,
        now: Date,
        until: Date,
        limit: Int
    ) async throws
        -> [OutboxDelivery]
    {
        // Any replica delivers; a claim keeps the others off a message while one is sending it,
        // and lapses (the message is claimable again) if that replica dies mid-send.
        let skipLocked = dialect == .postgres ? "FOR UPDATE SKIP LOCKED" : ""
        return try await write { db in
            try SQLRow.fetchAll(
                db,
                sql: """
                    UPDATE webhook_outbox SET claimed_by = ?, claim_expires_at = ?
                    WHERE id IN (
                        SELECT id FROM webhook_outbox
                        WHERE delivered_at IS NULL AND dead_at IS NULL AND next_attempt_at <= ? AND claim_expires_at < ?
                        ORDER BY next_attempt_at, id LIMIT ?
                        \(skipLocked)
                    )
                    RETURNING \(Self.deliveryColumns)
                    """,
                arguments: [owner, Self.millis(until), Self.millis(now), Self.millis(now), max(1, min(limit, 1000))]
            )
            .map(Self.delivery)
            .sorted { ($0.nextAttemptAt, $0.id) < ($1.nextAttemptAt, $1.id) }
        }
    }

    public func recordWebhookAttempt(
        id: Int64,
        owner: String,
        now: Date,
        error: String?,
        retryAt: Date?
    ) async throws {
        try await write { db in
            if error == nil {
                try db.execute(
                    sql: """
                        UPDATE webhook_outbox SET attempts = attempts + 1, delivered_at = ?, claimed_by = NULL,
                            claim_expires_at = 0, last_error = NULL
                        WHERE id = ? AND claimed_by = ? AND delivered_at IS NULL
                        """,
                    arguments: [Self.millis(now), id, owner]
                )
                return
            }
            let dead = retryAt == nil
            try db.execute(
                sql: """
                    UPDATE webhook_outbox SET attempts = attempts + 1, last_error = ?, claimed_by = NULL,
                        claim_expires_at = 0, next_attempt_at = ?, dead_at = ?
                    WHERE id = ? AND claimed_by = ? AND delivered_at IS NULL AND dead_at IS NULL
                    """,
                arguments: [
                    String((error ?? "").prefix(1000)), Self.millis(retryAt ?? now) as Int64,
                    dead ? Self.millis(now) as Int64 : nil, id, owner,
                ]
            )
            guard dead, db.changesCount == 1 else { return }
            try Self.insertEvent(
                EventRecord(
                    at: now,
                    actor: "system",
                    action: "webhook.dead_letter",
                    target: "webhook:\(id)",
                    details: try Self.json(["error": String((error ?? "").prefix(200))])
                ),
                db
            )
        }
    }

    public func webhookDeliveries(
        state: OutboxDelivery.State?,
        limit: Int,
        offset: Int
    ) async throws -> [OutboxDelivery] {
        let filter: String
        switch state {
        case nil: filter = ""
        case .pending: filter = "WHERE delivered_at IS NULL AND dead_at IS NULL"
        case .delivered: filter = "WHERE delivered_at IS NOT NULL"
        case .dead: filter = "WHERE dead_at IS NOT NULL"
        }
        return try await engine.read { db in
            try SQLRow.fetchAll(
                db,
                sql: "SELECT \(Self.deliveryColumns) FROM webhook_outbox \(filter) ORDER BY id DESC LIMIT ? OFFSET ?",
                arguments: [max(1, min(limit, 10_000)), max(0, offset)]
            ).map(Self.delivery)
        }
    }

    public func retryWebhookDelivery(id: Int64, actor: String, now: Date) async throws -> OutboxDelivery {
        try await write { db in
            try db.execute(
                sql: """
                    UPDATE webhook_outbox SET dead_at = NULL, attempts = 0, next_attempt_at = ?, claim_expires_at = 0,
                        claimed_by = NULL
                    WHERE id = ? AND dead_at IS NOT NULL
                    """,
                arguments: [Self.millis(now), id]
            )
            guard db.changesCount == 1 else {
                let exists = try Bool.fetchOne(db, sql: "SELECT 1 FROM webhook_outbox WHERE id = ?", arguments: [id])
                throw exists == true
                    ? StoreError(code: .conflict, message: "webhook delivery \(id) is not a dead letter")
                    : StoreError(code: .notFound, message: "no webhook delivery with id \(id)")
            }
            try Self.insertEvent(
                EventRecord(at: now, actor: actor, action: "webhook.retried", target: "webhook:\(id)", details: "{}"),
                db
            )
            guard
                let row = try SQLRow.fetchOne(
                    db,
                    sql: "SELECT \(Self.deliveryColumns) FROM webhook_outbox WHERE id = ?",
                    arguments: [id]
                )
            else { throw StoreError(code: .notFound, message: "no webhook delivery with id \(id)") }
            return Self.delivery(row)
        }
    }
}
