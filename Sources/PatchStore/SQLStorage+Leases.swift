import Foundation

extension SQLStorage {
    public func acquireLease(name: String, owner: String, now: Date, until: Date) async throws -> LeaseGrant? {
        try await write { db -> LeaseGrant? in
            // One statement: take the lease when it is free or lapsed, renew it when it is ours.
            // The token grows only when the holder changes, so a renewal keeps the holder's writes valid.
            let token = try Int64.fetchOne(
                db,
                sql: """
                    INSERT INTO leases (name, owner, token, expires_at) VALUES (?, ?, 1, ?)
                    ON CONFLICT (name) DO UPDATE SET
                        token = CASE WHEN leases.owner = excluded.owner AND leases.expires_at >= ?
                            THEN leases.token ELSE leases.token + 1 END,
                        owner = excluded.owner, expires_at = excluded.expires_at
                    WHERE leases.owner = excluded.owner OR leases.expires_at < ?
                    RETURNING token
                    """,
                arguments: [name, owner, Self.millis(until), Self.millis(now), Self.millis(now)]
            )
            return token.map { LeaseGrant(name: name, owner: owner, token: $0, expiresAt: until) }
        }
    }

    public func releaseLease(_ grant: LeaseGrant) async throws {
        try await write { db in
            try db.execute(
                sql: "UPDATE leases SET expires_at = 0 WHERE name = ? AND owner = ? AND token = ?",
                arguments: [grant.name, grant.owner, grant.token]
            )
        }
    }

    public func lease(name: String) async throws -> LeaseGrant? {
        try await engine.read { db in
            try SQLRow.fetchOne(
                db,
                sql: "SELECT owner, token, expires_at FROM leases WHERE name = ?",
                arguments: [name]
            ).map {
                LeaseGrant(name: name, owner: $0["owner"], token: $0["token"], expiresAt: Self.date($0["expires_at"]))
            }
        }
    }

    /// Refuses the write unless `grant` still holds its lease: the same holder with the same token.
    /// (A lease that lapsed without anyone taking it over still fences nothing: the token is the
    /// fence.) Called inside the write transaction it guards.
    static func checkLease(_ grant: LeaseGrant?, _ db: any SQLSession) throws {
        try checkHolder(
            grant,
            sql: "SELECT owner, token FROM leases WHERE name = ?",
            db,
            message: { "lease '\($0.name)' token \($0.token) of \($0.owner) is no longer held" }
        )
    }

    /// Refuses a rollout write made under a tick lease that another replica has since claimed.
    static func checkRolloutTick(_ grant: LeaseGrant?, _ db: any SQLSession) throws {
        try checkHolder(
            grant,
            sql: "SELECT tick_owner, tick_token FROM rollouts WHERE id = ?",
            db,
            message: { "the tick lease of rollout \($0.name) (token \($0.token)) was taken over" }
        )
    }

    /// Throws ``StoreError/Code/fenced`` unless `sql` (the holder and token of `grant.name`, in
    /// that order) reads `grant`'s holder and token.
    private static func checkHolder(
        _ grant: LeaseGrant?,
        sql: String,
        _ db: any SQLSession,
        message: (LeaseGrant) -> String
    ) throws {
        guard let grant else { return }
        let row = try SQLRow.fetchOne(db, sql: sql, arguments: [grant.name])
        let owner: String? = row?[0]
        let token: Int64? = row?[1]
        guard owner == grant.owner, token == grant.token else {
            throw StoreError(code: .fenced, message: message(grant))
        }
    }

    public func claimRolloutTicks(owner: String, now: Date, until: Date, only id: String?) async throws -> [LeaseGrant]
    {
        // Rollouts a tick moves on (running, rolling back) or with reports to apply, whose tick
        // lease is free, lapsed or ours (renewed: same token, so this replica's own ticks, which
        // the optimistic check in the tick's write orders, do not fence each other). PostgreSQL skips rows another replica is claiming at this
        // moment instead of waiting for it; SQLite has one writer.
        let skipLocked = dialect == .postgres ? "FOR UPDATE SKIP LOCKED" : ""
        let filter = id == nil ? "" : "AND r.id = ?"
        let untilMillis: Int64 = Self.millis(until)
        let nowMillis: Int64 = Self.millis(now)
        let arguments: SQLArguments =
            [owner, nowMillis, owner, untilMillis, owner, nowMillis] + (id.map { [$0] as SQLArguments } ?? [])
        return try await write { db in
            try SQLRow.fetchAll(
                db,
                sql: """
                    UPDATE rollouts SET
                        tick_token = CASE WHEN tick_owner = ? AND tick_expires_at >= ? THEN tick_token
                            ELSE tick_token + 1 END,
                        tick_owner = ?, tick_expires_at = ?
                    WHERE id IN (
                        SELECT r.id FROM rollouts r
                        WHERE (r.tick_owner = ? OR r.tick_expires_at < ?) \(filter)
                            AND (r.state IN ('running', 'rolling-back')
                                OR EXISTS (
                                    SELECT 1 FROM plan_reports p
                                    WHERE p.applied_at IS NULL AND p.plan_id >= r.id || '-' AND p.plan_id < r.id || '.'
                                ))
                        ORDER BY r.created_at, r.id
                        \(skipLocked)
                    )
                    RETURNING id, tick_token, created_at
                    """,
                arguments: arguments
            )
            .sorted { ($0["created_at"] as Int64, $0["id"] as String) < ($1["created_at"], $1["id"]) }
            .map { LeaseGrant(name: $0["id"], owner: owner, token: $0["tick_token"], expiresAt: until) }
        }
    }
}
