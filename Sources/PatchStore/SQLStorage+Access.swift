import ChangeControl
import Foundation

extension SQLStorage {
    public func customRoles() async throws -> [Role] {
        try await engine.read { db in
            try SQLRow.fetchAll(db, sql: "SELECT * FROM custom_roles ORDER BY name").map {
                Role(
                    name: $0["name"],
                    permissions: Set(try Self.decode([Permission].self, $0["permissions"], what: "role permissions")),
                    summary: $0["summary"]
                )
            }
        }
    }

    public func saveCustomRole(_ role: Role, actor: String, now: Date) async throws {
        try await write { db in
            let before = try String.fetchOne(
                db,
                sql: "SELECT permissions FROM custom_roles WHERE name = ?",
                arguments: [role.name]
            )
            let permissions = try Self.json(role.permissions.sorted())
            try db.execute(
                sql: """
                    INSERT INTO custom_roles (name, permissions, summary) VALUES (?, ?, ?)
                    ON CONFLICT(name) DO UPDATE SET permissions = excluded.permissions, summary = excluded.summary
                    """,
                arguments: [role.name, permissions, role.summary]
            )
            try Self.insertEvent(
                EventRecord(
                    at: now,
                    actor: actor,
                    action: before == nil ? "role.created" : "role.updated",
                    target: "role:\(role.name)",
                    details: try Self.json(["before": before ?? "none", "after": permissions])
                ),
                db
            )
        }
    }

    public func grants(userID: String) async throws -> [RoleGrant] {
        try await engine.read { db in
            try SQLRow.fetchAll(
                db,
                sql: """
                    SELECT g.*, \(db.dialect == .postgres
                        ? "CASE e.body::jsonb->'breakGlass' WHEN 'true'::jsonb THEN 1 WHEN 'false'::jsonb THEN 0 END"
                        : "json_extract(e.body, '$.breakGlass')") AS break_glass
                    FROM role_grants g LEFT JOIN elevations e ON e.id = g.elevation_id
                    WHERE g.user_id = ? ORDER BY g.id
                    """,
                arguments: [userID]
            )
            .map {
                RoleGrant(
                    role: $0["role"],
                    scope: try GrantScope(parsing: $0["scope"]),
                    expiresAt: Self.date($0["expires_at"] as Int64?),
                    elevationID: $0["elevation_id"],
                    breakGlass: ($0["break_glass"] as Bool?) == true ? true : nil
                )
            }
        }
    }

    public func addGrant(userID: String, grant: RoleGrant, actor: String, now: Date) async throws {
        try await write { db in try Self.insertGrant(userID: userID, grant: grant, actor: actor, now: now, db) }
    }

    static func insertGrant(userID: String, grant: RoleGrant, actor: String, now: Date, _ db: any SQLSession) throws {
        try db.execute(
            sql: """
                INSERT INTO role_grants (user_id, role, scope, expires_at, elevation_id, created_at)
                VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING
                """,
            arguments: [
                userID, grant.role, grant.scope.description, millis(grant.expiresAt), grant.elevationID, millis(now),
            ]
        )
        try insertEvent(
            EventRecord(
                at: now,
                actor: actor,
                action: "role.granted",
                target: "user-id:\(userID)",
                details: try json(
                    [
                        "role": grant.role, "scope": grant.scope.description,
                        "expiresAt": grant.expiresAt.map { ISO8601DateFormatter().string(from: $0) } ?? "never",
                        "elevation": grant.elevationID ?? "none",
                    ]
                )
            ),
            db
        )
    }

    public func removeGrant(
        userID: String,
        role: String,
        scope: GrantScope,
        actor: String,
        now: Date
    ) async throws -> Bool {
        try await write { db in
            try db.execute(
                sql: "DELETE FROM role_grants WHERE user_id = ? AND role = ? AND scope = ? AND elevation_id IS NULL",
                arguments: [userID, role, scope.description]
            )
            guard db.changesCount > 0 else { return false }
            try Self.insertEvent(
                EventRecord(
                    at: now,
                    actor: actor,
                    action: "role.revoked",
                    target: "user-id:\(userID)",
                    details: try Self.json(["role": role, "scope": scope.description])
                ),
                db
            )
            return true
        }
    }

    public func users() async throws -> [UserRecord] {
        try await engine.read { db in
            try SQLRow.fetchAll(db, sql: "SELECT * FROM users ORDER BY username").map(Self.user)
        }
    }

    public func recordLoginFailure(
        username: String,
        source: String,
        at: Date,
        forgetBefore: Date
    ) async throws -> Int {
        try await write { db in
            try db.execute(sql: "DELETE FROM login_failures WHERE at < ?", arguments: [Self.millis(forgetBefore)])
            try db.execute(
                sql: "INSERT INTO login_failures (username, source, at) VALUES (?, ?, ?)",
                arguments: [username, source, Self.millis(at)]
            )
            try Self.insertEvent(
                EventRecord(
                    at: at,
                    actor: "anonymous",
                    action: "login.failed",
                    target: "user:\(username)",
                    details: try Self.json(["source": source])
                ),
                db
            )
            return try Int.fetchOne(
                db,
                sql: "SELECT COUNT(*) FROM login_failures WHERE username = ? AND source = ?",
                arguments: [username, source]
            ) ?? 0
        }
    }

    public func loginFailures(username: String, source: String, since: Date) async throws -> [Date] {
        try await engine.read { db in
            try Int64.fetchAll(
                db,
                sql: "SELECT at FROM login_failures WHERE username = ? AND source = ? AND at > ? ORDER BY at",
                arguments: [username, source, Self.millis(since)]
            ).map { Self.date($0) }
        }
    }

    public func clearLoginFailures(username: String, source: String) async throws {
        try await write { db in
            try db.execute(
                sql: "DELETE FROM login_failures WHERE username = ? AND source = ?",
                arguments: [username, source]
            )
        }
    }
}
