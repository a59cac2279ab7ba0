import Foundation

extension SQLStorage {
    public func createUser(_ user: UserRecord, actor: String) async throws {
        do {
            try await write { db in
                try db.execute(
                    sql: """
                        INSERT INTO users (id, username, password_hash, role, created_at, must_change_password)
                        VALUES (?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        user.id, user.username, user.passwordHash, user.role, Self.millis(user.createdAt),
                        user.mustChangePassword ? 1 : 0,
                    ]
                )
                try Self.insertEvent(
                    EventRecord(
                        at: user.createdAt,
                        actor: actor,
                        action: "user.created",
                        target: "user:\(user.username)",
                        details: try Self.json(["role": user.role])
                    ),
                    db
                )
            }
        } catch  where isUniqueViolation(error) {
            throw StoreError(code: .conflict, message: "a user named '\(user.username)' already exists")
        }
    }

    public func user(named username: String) async throws -> UserRecord? {
        try await engine.read { db in
            try SQLRow.fetchOne(db, sql: "SELECT * FROM users WHERE username = ?", arguments: [username]).map(Self.user)
        }
    }

    public func user(id: String) async throws -> UserRecord? {
        try await engine.read { db in
            try SQLRow.fetchOne(db, sql: "SELECT * FROM users WHERE id = ?", arguments: [id]).map(Self.user)
        }
    }

    public func userCount() async throws -> Int {
        try await engine.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM users") ?? 0 }
    }

    public func createSession(_ session: SessionRecord) async throws {
        try await write { db in
            try db.execute(
                sql: "INSERT INTO sessions (id, user_id, csrf_token, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
                arguments: [
                    session.id, session.userID, session.csrfToken, Self.millis(session.createdAt),
                    Self.millis(session.expiresAt),
                ]
            )
            try db.execute(
                sql: "DELETE FROM sessions WHERE expires_at < ?",
                arguments: [Self.millis(session.createdAt)]
            )
        }
    }

    public func session(id: String, now: Date) async throws -> SessionRecord? {
        try await engine.read { db in
            try SQLRow.fetchOne(
                db,
                sql: "SELECT * FROM sessions WHERE id = ? AND expires_at > ?",
                arguments: [id, Self.millis(now)]
            ).map {
                SessionRecord(
                    id: $0["id"],
                    userID: $0["user_id"],
                    csrfToken: $0["csrf_token"],
                    createdAt: Self.date($0["created_at"] as Int64),
                    expiresAt: Self.date($0["expires_at"] as Int64)
                )
            }
        }
    }

    public func deleteSession(id: String) async throws {
        try await write { db in try db.execute(sql: "DELETE FROM sessions WHERE id = ?", arguments: [id]) }
    }

    public func createAPIToken(_ token: APITokenRecord, actor: String) async throws {
        do {
            try await insertAPIToken(token, actor: actor)
        } catch  where isUniqueViolation(error) {
            throw StoreError(code: .conflict, message: "an API token with id \(token.id) already exists")
        }
    }

    private func insertAPIToken(_ token: APITokenRecord, actor: String) async throws {
        try await write { db in
            try db.execute(
                sql: """
                    INSERT INTO api_tokens (id, user_id, name, secret_hash, created_at, expires_at, revoked, permissions)
                    VALUES (?, ?, ?, ?, ?, ?, 0, ?)
                    """,
                arguments: [
                    token.id, token.userID, token.name, token.secretHash, Self.millis(token.createdAt),
                    Self.millis(token.expiresAt), try token.permissions.map { try Self.json($0) },
                ]
            )
            try Self.insertEvent(
                EventRecord(
                    at: token.createdAt,
                    actor: actor,
                    action: "api_token.created",
                    target: "api_token:\(token.id)",
                    details: try Self.json(
                        [
                            "name": token.name, "user": token.userID,
                            "permissions": token.permissions?.joined(separator: ",") ?? "all",
                        ]
                    )
                ),
                db
            )
        }
    }

    public func apiToken(id: String) async throws -> APITokenRecord? {
        try await engine.read { db in
            try SQLRow.fetchOne(db, sql: "SELECT * FROM api_tokens WHERE id = ?", arguments: [id]).map(Self.apiToken)
        }
    }

    public func apiTokens(userID: String?) async throws -> [APITokenRecord] {
        try await engine.read { db in
            let rows =
                if let userID {
                    try SQLRow.fetchAll(
                        db,
                        sql: "SELECT * FROM api_tokens WHERE user_id = ? ORDER BY created_at DESC, id",
                        arguments: [userID]
                    )
                } else {
                    try SQLRow.fetchAll(db, sql: "SELECT * FROM api_tokens ORDER BY created_at DESC, id")
                }
            return try rows.map(Self.apiToken)
        }
    }

    public func revokeAPIToken(id: String, actor: String, now: Date) async throws -> Bool {
        try await write { db in
            try db.execute(sql: "UPDATE api_tokens SET revoked = 1 WHERE id = ? AND revoked = 0", arguments: [id])
            guard db.changesCount == 1 else {
                return try Bool.fetchOne(db, sql: "SELECT 1 FROM api_tokens WHERE id = ?", arguments: [id]) ?? false
            }
            try Self.insertEvent(
                EventRecord(at: now, actor: actor, action: "api_token.revoked", target: "api_token:\(id)"),
                db
            )
            return true
        }
    }

    static func apiToken(_ row: SQLRow) throws -> APITokenRecord {
        APITokenRecord(
            id: row["id"],
            userID: row["user_id"],
            name: row["name"],
            secretHash: row["secret_hash"],
            createdAt: date(row["created_at"] as Int64),
            expiresAt: date(row["expires_at"] as Int64?),
            revoked: row["revoked"],
            permissions: try (row["permissions"] as String?).map {
                try decode([String].self, $0, what: "token permissions")
            }
        )
    }

    static func user(_ row: SQLRow) -> UserRecord {
        UserRecord(
            id: row["id"],
            username: row["username"],
            passwordHash: row["password_hash"],
            role: row["role"],
            createdAt: date(row["created_at"] as Int64),
            disabledAt: date(row["disabled_at"] as Int64?),
            mustChangePassword: (row["must_change_password"] as Int64) != 0
        )
    }

    static func username(ofUser id: String, _ db: any SQLSession) throws -> String? {
        try String.fetchOne(db, sql: "SELECT username FROM users WHERE id = ?", arguments: [id])
    }

    public func setPassword(
        userID: String,
        passwordHash: String,
        mustChange: Bool,
        keepSession: String?,
        actor: String,
        now: Date
    ) async throws -> Bool {
        try await write { db in
            guard let username = try Self.username(ofUser: userID, db) else { return false }
            try db.execute(
                sql: "UPDATE users SET password_hash = ?, must_change_password = ? WHERE id = ?",
                arguments: [passwordHash, mustChange ? 1 : 0, userID]
            )
            // Every other session of the user ends: whoever knew the old password is signed out.
            try db.execute(
                sql: "DELETE FROM sessions WHERE user_id = ? AND id <> ?",
                arguments: [userID, keepSession ?? ""]
            )
            try Self.insertEvent(
                EventRecord(
                    at: now,
                    actor: actor,
                    action: mustChange ? "user.password-reset" : "user.password-changed",
                    target: "user:\(username)",
                    details: "{}"
                ),
                db
            )
            return true
        }
    }

    public func setUserDisabled(userID: String, disabled: Bool, actor: String, now: Date) async throws -> Bool {
        try await write { db in
            guard let username = try Self.username(ofUser: userID, db) else { return false }
            try db.execute(
                sql: "UPDATE users SET disabled_at = ? WHERE id = ?",
                arguments: [disabled ? Self.millis(now).sqlValue : SQLValue.null, userID.sqlValue]
            )
            if disabled { try db.execute(sql: "DELETE FROM sessions WHERE user_id = ?", arguments: [userID]) }
            try Self.insertEvent(
                EventRecord(
                    at: now,
                    actor: actor,
                    action: disabled ? "user.disabled" : "user.enabled",
                    target: "user:\(username)",
                    details: "{}"
                ),
                db
            )
            return true
        }
    }
}
