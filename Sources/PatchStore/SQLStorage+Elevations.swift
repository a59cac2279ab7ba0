import ChangeControl
import Foundation

extension SQLStorage {
    public func createElevation(_ elevation: Elevation, actor: String) async throws {
        try await write { db in
            try Self.saveElevation(elevation, insert: true, db)
            try Self.insertEvent(
                EventRecord(
                    at: elevation.requestedAt,
                    actor: actor,
                    action: elevation.breakGlass ? "elevation.break_glass" : "elevation.requested",
                    target: "elevation:\(elevation.id)",
                    details: try Self.json(
                        [
                            "role": elevation.role, "scope": elevation.scope.description,
                            "minutes": String(Int(elevation.duration / 60)), "reason": elevation.reason,
                            "after": elevation.state.rawValue,
                        ]
                    )
                ),
                db
            )
            if let grant = elevation.grant {
                try Self.insertGrant(
                    userID: elevation.userID,
                    grant: grant,
                    actor: actor,
                    now: elevation.requestedAt,
                    db
                )
            }
        }
    }

    public func updateElevation(
        id: String,
        actor: String,
        action: String,
        now: Date,
        _ body: @escaping @Sendable (inout Elevation) throws -> Void
    ) async throws -> Elevation {
        try await write { db in
            guard let text = try String.fetchOne(db, sql: "SELECT body FROM elevations WHERE id = ?", arguments: [id])
            else {
                throw StoreError(code: .notFound, message: "no elevation with id '\(id)'")
            }
            var elevation = try Self.decode(Elevation.self, text, what: "elevation \(id)")
            let before = elevation.state
            try body(&elevation)
            try Self.saveElevation(elevation, insert: false, db)
            try Self.insertEvent(
                EventRecord(
                    at: now,
                    actor: actor,
                    action: "elevation.\(action)",
                    target: "elevation:\(id)",
                    details: try Self.json(["before": before.rawValue, "after": elevation.state.rawValue])
                ),
                db
            )
            if before != .active, let grant = elevation.grant {
                try Self.insertGrant(userID: elevation.userID, grant: grant, actor: actor, now: now, db)
            }
            if before == .active && elevation.state != .active {
                try db.execute(sql: "DELETE FROM role_grants WHERE elevation_id = ?", arguments: [id])
            }
            return elevation
        }
    }

    public func elevation(id: String) async throws -> Elevation? {
        try await engine.read { db in
            try String.fetchOne(db, sql: "SELECT body FROM elevations WHERE id = ?", arguments: [id]).map {
                try Self.decode(Elevation.self, $0, what: "elevation")
            }
        }
    }

    public func elevations(userID: String?, limit: Int) async throws -> [Elevation] {
        try await engine.read { db in
            let rows: [String]
            if let userID {
                rows = try String.fetchAll(
                    db,
                    sql: "SELECT body FROM elevations WHERE user_id = ? ORDER BY requested_at DESC LIMIT ?",
                    arguments: [userID, limit]
                )
            } else {
                rows = try String.fetchAll(
                    db,
                    sql: "SELECT body FROM elevations ORDER BY requested_at DESC LIMIT ?",
                    arguments: [limit]
                )
            }
            return try rows.map { try Self.decode(Elevation.self, $0, what: "elevation") }
        }
    }

    /// Marks every active elevation whose time is up as expired, removes its grant and records
    /// `elevation.expired` — also for grants that ran out while the server was down.
    public func expireLapsedElevations(now: Date, fence: LeaseGrant?) async throws -> [Elevation] {
        try await write { db in
            try Self.checkLease(fence, db)
            let rows = try String.fetchAll(
                db,
                sql: "SELECT body FROM elevations WHERE state = 'active' AND expires_at <= ?",
                arguments: [Self.millis(now)]
            )
            var expired: [Elevation] = []
            for text in rows {
                var elevation = try Self.decode(Elevation.self, text, what: "elevation")
                guard elevation.expireIfLapsed(at: now) else { continue }
                try Self.saveElevation(elevation, insert: false, db)
                try db.execute(sql: "DELETE FROM role_grants WHERE elevation_id = ?", arguments: [elevation.id])
                try Self.insertEvent(
                    EventRecord(
                        at: now,
                        actor: "system",
                        action: "elevation.expired",
                        target: "elevation:\(elevation.id)",
                        details: try Self.json(
                            [
                                "user": elevation.username, "role": elevation.role, "before": "active",
                                "after": "expired",
                                "expiresAt": elevation.expiresAt.map { ISO8601DateFormatter().string(from: $0) } ?? "",
                            ]
                        )
                    ),
                    db
                )
                expired.append(elevation)
            }
            return expired
        }
    }

    static func saveElevation(_ elevation: Elevation, insert: Bool, _ db: any SQLSession) throws {
        let body = try json(elevation)
        if insert {
            try db.execute(
                sql:
                    "INSERT INTO elevations (id, user_id, state, expires_at, requested_at, body) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [
                    elevation.id, elevation.userID, elevation.state.rawValue, millis(elevation.expiresAt),
                    millis(elevation.requestedAt), body,
                ]
            )
        } else {
            try db.execute(
                sql: "UPDATE elevations SET state = ?, expires_at = ?, body = ? WHERE id = ?",
                arguments: [elevation.state.rawValue, millis(elevation.expiresAt), body, elevation.id]
            )
        }
    }
}
