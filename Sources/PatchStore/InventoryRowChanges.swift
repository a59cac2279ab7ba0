import Foundation

/// The rows one inventory diff changes — host package rows deleted and inserted, catalog host
/// counts, history — written in that order: row by row with prepared statements on SQLite, as one
/// statement per kind on PostgreSQL (`json_to_recordset`, `ANY` over an array).
struct InventoryRowChanges {
    struct Inserted: Encodable {
        var package: Int64
        var since: Int64?
        var state: String?
    }

    struct History: Encodable {
        var oldPackage: Int64?
        var newPackage: Int64?
        var oldState: String?
        var newState: String?

        enum CodingKeys: String, CodingKey {
            case oldPackage = "old_package"
            case newPackage = "new_package"
            case oldState = "old_state"
            case newState = "new_state"
        }
    }

    struct Count: Encodable {
        var id: Int64
        var delta: Int64
    }

    /// Catalog ids whose host row goes (before any insert: a changed state re-inserts the same id).
    var deleted: [Int64] = []
    var inserted: [Inserted] = []
    var history: [History] = []
    /// Host count change per catalog id.
    private(set) var counts: [Int64: Int64] = [:]

    mutating func count(_ id: Int64, by delta: Int64) { counts[id, default: 0] += delta }

    func write(host: Int64, at: Int64, _ db: any SQLSession) throws {
        let counted = counts.filter { $0.value != 0 }.sorted { $0.key < $1.key }
        switch db.dialect {
        case .sqlite:
            let delete = try db.cachedStatement(sql: "DELETE FROM host_packages WHERE host = ? AND package = ?")
            for id in deleted { try delete.execute(arguments: [host, id]) }
            let insert = try db.cachedStatement(
                sql: "INSERT INTO host_packages (host, package, since, state) VALUES (?, ?, ?, ?)"
            )
            for row in inserted { try insert.execute(arguments: [host, row.package, row.since, row.state]) }
            let count = try db.cachedStatement(sql: "UPDATE packages SET host_count = host_count + ? WHERE id = ?")
            for (id, delta) in counted { try count.execute(arguments: [delta, id]) }
            let record = try db.cachedStatement(
                sql: """
                    INSERT INTO inventory_history (host, at, old_package, new_package, old_state, new_state)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """
            )
            for row in history {
                try record.execute(arguments: [host, at, row.oldPackage, row.newPackage, row.oldState, row.newState])
            }
        case .postgres:
            if !deleted.isEmpty {
                try db.execute(
                    sql: "DELETE FROM host_packages WHERE host = ? AND package = ANY(?::bigint[])",
                    arguments: [host, "{" + deleted.map(String.init).joined(separator: ",") + "}"]
                )
            }
            if !inserted.isEmpty {
                try db.execute(
                    sql: """
                        INSERT INTO host_packages (host, package, since, state)
                        SELECT ?, r.package, r.since, r.state
                        FROM json_to_recordset(?::json) AS r(package BIGINT, since BIGINT, state TEXT)
                        """,
                    arguments: [host, try Self.json(inserted)]
                )
            }
            if !counted.isEmpty {
                // In id order: concurrent writers lock the catalog rows in the same order.
                try db.execute(
                    sql: """
                        UPDATE packages p SET host_count = p.host_count + c.delta
                        FROM (SELECT * FROM json_to_recordset(?::json) AS r(id BIGINT, delta BIGINT) ORDER BY id) c
                        WHERE p.id = c.id
                        """,
                    arguments: [try Self.json(counted.map { Count(id: $0.key, delta: $0.value) })]
                )
            }
            if !history.isEmpty {
                try db.execute(
                    sql: """
                        INSERT INTO inventory_history (host, at, old_package, new_package, old_state, new_state)
                        SELECT ?, ?, r.old_package, r.new_package, r.old_state, r.new_state
                        FROM json_to_recordset(?::json)
                            AS r(old_package BIGINT, new_package BIGINT, old_state TEXT, new_state TEXT)
                        """,
                    arguments: [host, at, try Self.json(history)]
                )
            }
        }
    }

    private static func json<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try JSONEncoder().encode(value), as: UTF8.self)
    }
}
