import FleetModel
import Foundation

extension SQLStorage {
    public func createEnrollmentToken(_ token: EnrollmentTokenRecord, actor: String) async throws {
        do {
            try await insertEnrollmentToken(token, actor: actor)
        } catch  where isUniqueViolation(error) {
            throw StoreError(code: .conflict, message: "an enrollment token with id \(token.id) already exists")
        }
    }

    public func enrollmentTokens(limit: Int) async throws -> [EnrollmentTokenRecord] {
        let limit = max(0, min(limit, 10_000))
        return try await engine.read { db in
            try SQLRow.fetchAll(
                db,
                sql: "SELECT * FROM enrollment_tokens ORDER BY created_at DESC, id LIMIT \(limit)"
            ).map { row in
                EnrollmentTokenRecord(
                    id: row["id"],
                    secretHash: row["secret_hash"],
                    usesAllowed: Int(row["uses_allowed"] as Int64),
                    usesConsumed: Int(row["uses_consumed"] as Int64),
                    createdAt: Self.date(row["created_at"] as Int64),
                    expiresAt: Self.date(row["expires_at"] as Int64),
                    createdBy: row["created_by"],
                    hostID: row["host_id"]
                )
            }
        }
    }

    public func revokeEnrollmentToken(id: String, actor: String, now: Date) async throws -> Bool {
        try await write { db in
            guard
                try Int64.fetchOne(db, sql: "SELECT expires_at FROM enrollment_tokens WHERE id = ?", arguments: [id])
                    != nil
            else { return false }
            try db.execute(
                sql: "UPDATE enrollment_tokens SET expires_at = ? WHERE id = ? AND expires_at > ?",
                arguments: [Self.millis(now), id, Self.millis(now)]
            )
            try Self.insertEvent(
                EventRecord(
                    at: now,
                    actor: actor,
                    action: "enrollment_token.revoked",
                    target: "enrollment_token:\(id)",
                    details: "{}"
                ),
                db
            )
            return true
        }
    }

    private func insertEnrollmentToken(_ token: EnrollmentTokenRecord, actor: String) async throws {
        try await write { db in
            try db.execute(
                sql: """
                    INSERT INTO enrollment_tokens
                        (id, secret_hash, uses_allowed, uses_consumed, created_at, expires_at, created_by, host_id)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    token.id, token.secretHash, token.usesAllowed, token.usesConsumed, Self.millis(token.createdAt),
                    Self.millis(token.expiresAt), token.createdBy, token.hostID,
                ]
            )
            try Self.insertEvent(
                EventRecord(
                    at: token.createdAt,
                    actor: actor,
                    action: "enrollment_token.created",
                    target: "enrollment_token:\(token.id)",
                    details: try Self.json([
                        "uses": String(token.usesAllowed),
                        "expiresAt": ISO8601DateFormatter().string(from: token.expiresAt),
                        "reenrollHost": token.hostID ?? "",
                    ])
                ),
                db
            )
        }
    }

    public func enroll(
        tokenID: String,
        secretHash: String,
        registration: AgentRegistration,
        now: Date
    ) async throws -> EnrollmentOutcome {
        let factsJSON = try Self.json(registration.facts)
        return try await write { db -> EnrollmentOutcome in
            guard
                let token = try SQLRow.fetchOne(
                    db,
                    sql: "SELECT * FROM enrollment_tokens WHERE id = ?",
                    arguments: [tokenID]
                )
            else { return .rejected(reason: "unknown enrollment token \(tokenID)") }
            guard (token["secret_hash"] as String) == secretHash else {
                return .rejected(reason: "wrong secret for enrollment token \(tokenID)")
            }
            guard (token["expires_at"] as Int64) > Self.millis(now) else {
                return .rejected(reason: "enrollment token \(tokenID) expired")
            }
            guard (token["uses_consumed"] as Int) < (token["uses_allowed"] as Int) else {
                return .rejected(reason: "enrollment token \(tokenID) has no uses left")
            }
            let facts = registration.facts
            let existingHost = try String.fetchOne(
                db,
                sql: "SELECT id FROM hosts WHERE machine_id = ?",
                arguments: [facts.machineID]
            )
            let boundHost: String? = token["host_id"]
            if let boundHost, boundHost != existingHost {
                return .rejected(
                    reason: "re-enroll token \(tokenID) is for host \(boundHost), not the machine id presented"
                )
            }
            try db.execute(
                sql: "UPDATE enrollment_tokens SET uses_consumed = uses_consumed + 1 WHERE id = ?",
                arguments: [tokenID]
            )
            let hostID = boundHost ?? registration.newHostID
            // Only a re-enroll token for the host may take an existing host over (and revoke its
            // agents). Anyone else presenting a known machine id gets a new host flagged as a duplicate.
            let duplicateOf = boundHost == nil ? existingHost : nil
            if boundHost == nil {
                try db.execute(
                    sql: """
                        INSERT INTO hosts (id, machine_id, hostname, os_id, os_version_id, kernel_running,
                            reboot_required, facts_json, first_seen, last_seen, inventory_fingerprint, package_count,
                            duplicate_of, number)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, 0, ?, (SELECT COALESCE(MAX(number), 0) + 1 FROM hosts))
                        """,
                    arguments: [
                        hostID, duplicateOf == nil ? facts.machineID : "\(facts.machineID)#duplicate:\(hostID)",
                        facts.hostname, facts.os.id, facts.os.versionID, facts.kernelRunning, facts.rebootRequired,
                        factsJSON, Self.millis(now), Self.millis(now), duplicateOf,
                    ]
                )
            } else {
                try Self.updateFacts(hostID: hostID, facts: facts, factsJSON: factsJSON, now: now, db)
                try db.execute(
                    sql: "UPDATE agents SET revoked_at = ? WHERE host_id = ? AND revoked_at IS NULL",
                    arguments: [Self.millis(now), hostID]
                )
            }
            try db.execute(
                sql: """
                    INSERT INTO agents (id, host_id, public_key, enrolled_at, revoked_at, enrollment_token_id)
                    VALUES (?, ?, ?, ?, NULL, ?)
                    """,
                arguments: [registration.agentID, hostID, registration.publicKey, Self.millis(now), tokenID]
            )
            try Self.insertEvent(
                EventRecord(
                    at: now,
                    actor: "agent:\(registration.agentID)",
                    action: "agent.enrolled",
                    target: "host:\(hostID)",
                    details: try Self.json([
                        "hostname": facts.hostname, "enrollmentToken": tokenID,
                        "reenrolled": boundHost == nil ? "false" : "true",
                    ])
                ),
                db
            )
            if let duplicateOf {
                try Self.insertEvent(
                    EventRecord(
                        at: now,
                        actor: "agent:\(registration.agentID)",
                        action: "host.duplicate_machine_id",
                        target: "host:\(hostID)",
                        details: try Self.json([
                            "duplicateOf": duplicateOf, "machineID": facts.machineID, "hostname": facts.hostname,
                        ])
                    ),
                    db
                )
                return .duplicate(agentID: registration.agentID, hostID: hostID, duplicateOf: duplicateOf)
            }
            return .enrolled(agentID: registration.agentID, hostID: hostID)
        }
    }

    public func agent(id: String) async throws -> AgentRecord? {
        try await engine.read { db in
            // Every signed agent request asks: a cached statement is parsed and authorized once.
            try SQLRow.fetchOne(db.cachedStatement(sql: "SELECT * FROM agents WHERE id = ?"), arguments: [id])
                .map(Self.agent)
        }
    }

    public func agents() async throws -> [AgentRecord] {
        try await engine.read { db in
            try SQLRow.fetchAll(db, sql: "SELECT * FROM agents ORDER BY enrolled_at DESC, id").map(Self.agent)
        }
    }

    public func agents(limit: Int, after: AgentCursor?) async throws -> AgentPage {
        let limit = max(0, min(limit, 10_000))
        return try await engine.read { db in
            let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM agents") ?? 0
            let rows: [SQLRow]
            if let after {
                rows = try SQLRow.fetchAll(
                    db,
                    sql: """
                        SELECT * FROM agents WHERE enrolled_at < ? OR (enrolled_at = ? AND id > ?)
                        ORDER BY enrolled_at DESC, id LIMIT ?
                        """,
                    arguments: [after.enrolledAtMillis, after.enrolledAtMillis, after.id, limit]
                )
            } else {
                rows = try SQLRow.fetchAll(
                    db,
                    sql: "SELECT * FROM agents ORDER BY enrolled_at DESC, id LIMIT ?",
                    arguments: [limit]
                )
            }
            var next: AgentCursor?
            if limit > 0, rows.count == limit, let last = rows.last {
                next = AgentCursor(enrolledAtMillis: last["enrolled_at"], id: last["id"])
            }
            return AgentPage(agents: rows.map(Self.agent), total: total, next: next)
        }
    }

    public func revokeAgent(id: String, actor: String, now: Date) async throws -> Bool {
        try await write { db in
            guard
                let row = try SQLRow.fetchOne(
                    db,
                    sql: "SELECT host_id, revoked_at FROM agents WHERE id = ?",
                    arguments: [id]
                )
            else { return false }
            let hostID: String = row["host_id"]
            guard (row["revoked_at"] as Int64?) == nil else { return true }
            try db.execute(sql: "UPDATE agents SET revoked_at = ? WHERE id = ?", arguments: [Self.millis(now), id])
            try Self.insertEvent(
                EventRecord(
                    at: now,
                    actor: actor,
                    action: "agent.revoked",
                    target: "agent:\(id)",
                    details: try Self.json(["host": hostID])
                ),
                db
            )
            return true
        }
    }

    public func recordNonce(agentID: String, nonce: String, now: Date, forgetBefore: Date) async throws -> Bool {
        await pruneNoncesIfDue(before: forgetBefore, now: now)
        return try await write { db in
            try Self.insertNonce(agentID: agentID, nonce: nonce, now: now, forgetBefore: forgetBefore, db)
        }
    }

    /// Forgets the nonces seen before `before` — at most once per ``NoncePruning/interval`` per
    /// process, as housekeeping (on PostgreSQL at READ COMMITTED: replicas pruning together never
    /// abort each other or a check-in). Nonces are kept longer than the replay window meanwhile,
    /// never shorter. A failure is left to the next prune.
    func pruneNoncesIfDue(before: Date, now: Date) async {
        guard noncePruning.claim(now: now) else { return }
        _ = try? await engine.housekeeping { db in
            try db.execute(sql: "DELETE FROM agent_nonces WHERE seen_at < ?", arguments: [Self.millis(before)])
        }
    }

    public func recordHeartbeat(
        agentID: String,
        nonce: String,
        hostID: String,
        facts: HostFacts,
        now: Date,
        forgetNoncesBefore: Date
    ) async throws -> HeartbeatRecord? {
        let factsJSON = try Self.json(facts)
        await pruneNoncesIfDue(before: forgetNoncesBefore, now: now)
        // Check-ins arriving together share one transaction (they write no audit event).
        return try await engine.batchedWrite { db -> HeartbeatRecord? in
            guard try Self.insertNonce(agentID: agentID, nonce: nonce, now: now, forgetBefore: forgetNoncesBefore, db)
            else { return nil }
            try Self.updateFacts(hostID: hostID, facts: facts, factsJSON: factsJSON, now: now, db)
            guard db.changesCount == 1 else { throw StoreError(code: .notFound, message: "no host with id \(hostID)") }
            let fingerprint = try String.fetchOne(
                db.cachedStatement(sql: "SELECT inventory_fingerprint FROM hosts WHERE id = ?"),
                arguments: [hostID]
            )
            return HeartbeatRecord(inventoryFingerprint: fingerprint)
        }
    }

    static func insertNonce(
        agentID: String,
        nonce: String,
        now: Date,
        forgetBefore: Date,
        _ db: any SQLSession
    ) throws -> Bool {
        // Run on every signed request: cached statements, parsed and authorized once.
        // Revocation is checked here, in the write that accepts the request, so a server that
        // verified the signature with a cached key cannot let a revoked agent through: the
        // revocation either committed before this transaction (refused here) or after it (the
        // request was accepted before the revocation, as it would be without any cache).
        if try Int64.fetchOne(
            db.cachedStatement(sql: "SELECT revoked_at FROM agents WHERE id = ?"),
            arguments: [agentID]
        ) != nil {
            throw StoreError(code: .revoked, message: "agent \(agentID) is revoked")
        }
        // Expired nonces are deleted apart (``pruneNoncesIfDue(before:now:)``): check-ins deleting
        // the same rows would abort each other on PostgreSQL. One last seen before `forgetBefore`
        // counts as new even where it was not pruned yet.
        try db.cachedStatement(
            sql: """
                INSERT INTO agent_nonces (agent_id, nonce, seen_at) VALUES (?, ?, ?)
                ON CONFLICT (agent_id, nonce) DO UPDATE SET seen_at = excluded.seen_at
                WHERE agent_nonces.seen_at < ?
                """
        )
        .execute(arguments: [agentID, nonce, millis(now), millis(forgetBefore)])
        return db.changesCount == 1
    }

    static func agent(_ row: SQLRow) -> AgentRecord {
        AgentRecord(
            id: row["id"],
            hostID: row["host_id"],
            publicKey: row["public_key"],
            enrolledAt: date(row["enrolled_at"] as Int64),
            revokedAt: date(row["revoked_at"] as Int64?),
            enrollmentTokenID: row["enrollment_token_id"]
        )
    }

    static func updateFacts(hostID: String, facts: HostFacts, factsJSON: String, now: Date, _ db: any SQLSession) throws
    {
        try db.cachedStatement(
            sql: """
                UPDATE hosts SET hostname = ?, os_id = ?, os_version_id = ?, kernel_running = ?,
                    reboot_required = ?, facts_json = ?, last_seen = ?
                WHERE id = ?
                """
        )
        .execute(
            arguments: [
                facts.hostname, facts.os.id, facts.os.versionID, facts.kernelRunning, facts.rebootRequired,
                factsJSON, millis(now), hostID,
            ]
        )
    }
}
