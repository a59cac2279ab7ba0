import ChangeControl
import Foundation

extension SQLStorage {
    public func createChange(
        _ make: @escaping @Sendable (_ number: Int64) throws -> ChangeRequest,
        actor: String
    ) async throws -> ChangeRequest {
        try await write { db in
            let number = (try Int64.fetchOne(db, sql: "SELECT MAX(number) FROM change_requests") ?? 0) + 1
            let change = try make(number)
            try db.execute(
                sql: """
                    INSERT INTO change_requests (id, number, state, kind, requester_id, planned_start, updated_at, body)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    change.id, number, change.state.rawValue, change.kind.rawValue, change.requesterID,
                    Self.millis(change.plannedStart), Self.millis(change.updatedAt), try Self.json(change),
                ]
            )
            try Self.insertEvent(
                EventRecord(
                    at: change.createdAt,
                    actor: actor,
                    action: "change.created",
                    target: "change:\(change.id)",
                    details: try Self.json(["kind": change.kind.rawValue, "title": change.title, "after": "draft"])
                ),
                db
            )
            return change
        }
    }

    public func updateChange(
        id: String,
        actor: String,
        action: String,
        _ body: @escaping @Sendable (inout ChangeRequest) throws -> [String: String]
    ) async throws -> ChangeRequest {
        try await write { db in
            guard
                let text = try String.fetchOne(
                    db,
                    sql: "SELECT body FROM change_requests WHERE id = ?",
                    arguments: [id]
                )
            else { throw StoreError(code: .notFound, message: "no change request with id '\(id)'") }
            var change = try Self.decode(ChangeRequest.self, text, what: "change request \(id)")
            let before = change.state
            var details = try body(&change)
            details["before"] = before.rawValue
            details["after"] = change.state.rawValue
            details["revision"] = String(change.revision)
            try db.execute(
                sql: """
                    UPDATE change_requests SET state = ?, planned_start = ?, updated_at = ?, body = ? WHERE id = ?
                    """,
                arguments: [
                    change.state.rawValue, Self.millis(change.plannedStart), Self.millis(change.updatedAt),
                    try Self.json(change), id,
                ]
            )
            try Self.insertEvent(
                EventRecord(
                    at: change.updatedAt,
                    actor: actor,
                    action: "change.\(action)",
                    target: "change:\(id)",
                    details: try Self.json(details)
                ),
                db
            )
            return change
        }
    }

    public func change(id: String) async throws -> ChangeRequest? {
        try await engine.read { db in
            try String.fetchOne(db, sql: "SELECT body FROM change_requests WHERE id = ?", arguments: [id]).map {
                try Self.decode(ChangeRequest.self, $0, what: "change request \(id)")
            }
        }
    }

    public func changes(
        states: Set<ChangeState>?,
        limit: Int,
        offset: Int
    ) async throws -> (changes: [ChangeRequest], total: Int) {
        try await engine.read { db in
            var condition = ""
            var arguments: SQLArguments = []
            if let states {
                condition = "WHERE state IN (\(states.map { _ in "?" }.joined(separator: ",")))"
                arguments.append(contentsOf: SQLArguments(states.map(\.rawValue).sorted()))
            }
            let total =
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM change_requests \(condition)", arguments: arguments)
                ?? 0
            arguments.append(contentsOf: [limit, offset])
            let changes = try String.fetchAll(
                db,
                sql: "SELECT body FROM change_requests \(condition) ORDER BY number DESC LIMIT ? OFFSET ?",
                arguments: arguments
            ).map { try Self.decode(ChangeRequest.self, $0, what: "change request") }
            return (changes, total)
        }
    }

    public func changeTemplates() async throws -> [StandardChangeTemplate] {
        try await engine.read { db in
            try String.fetchAll(db, sql: "SELECT body FROM change_templates ORDER BY name").map {
                try Self.decode(StandardChangeTemplate.self, $0, what: "change template")
            }
        }
    }

    public func saveChangeTemplate(_ template: StandardChangeTemplate, actor: String, now: Date) async throws {
        try await write { db in
            let before = try String.fetchOne(
                db,
                sql: "SELECT body FROM change_templates WHERE name = ?",
                arguments: [template.name]
            )
            let body = try Self.json(template)
            try db.execute(
                sql:
                    "INSERT INTO change_templates (name, body) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET body = excluded.body",
                arguments: [template.name, body]
            )
            try Self.insertEvent(
                EventRecord(
                    at: now,
                    actor: actor,
                    action: before == nil ? "change_template.created" : "change_template.updated",
                    target: "change-template:\(template.name)",
                    details: try Self.json(["before": before ?? "none", "after": body])
                ),
                db
            )
        }
    }
}
