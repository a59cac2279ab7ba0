import FleetModel
import Foundation

extension SQLStorage {
    public func host(id: String) async throws -> HostRecord? {
        try await engine.read { db in
            try SQLRow.fetchOne(db, sql: "SELECT * FROM hosts WHERE id = ?", arguments: [id]).map(Self.host)
        }
    }

    public func replaceLabels(
        hostID: String,
        expectedLabels: [String: String],
        expectedTags: [String],
        labels: [String: String],
        tags: [String],
        actor: String,
        now: Date
    ) async throws -> Bool? {
        let labelsJSON = try Self.json(labels)
        let tagsJSON = try Self.json(tags.sorted())
        return try await write { db -> Bool? in
            guard
                let row = try SQLRow.fetchOne(
                    db,
                    sql: "SELECT labels, tags FROM hosts WHERE id = ?",
                    arguments: [hostID]
                )
            else { return nil }
            let currentLabels = try Self.decode([String: String].self, row["labels"], what: "labels of host \(hostID)")
            let currentTags = try Self.decode([String].self, row["tags"], what: "tags of host \(hostID)")
            guard currentLabels == expectedLabels, currentTags.sorted() == expectedTags.sorted() else { return false }
            return try Self.writeLabels(hostID: hostID, labelsJSON, tagsJSON, actor: actor, now: now, db)
        }
    }

    public func setLabels(
        hostID: String,
        labels: [String: String],
        tags: [String],
        actor: String,
        now: Date
    ) async throws
        -> Bool
    {
        let labelsJSON = try Self.json(labels)
        let tagsJSON = try Self.json(tags.sorted())
        return try await write { db in
            try Self.writeLabels(hostID: hostID, labelsJSON, tagsJSON, actor: actor, now: now, db)
        }
    }

    /// Writes a host's labels and tags with their event; `false` when there is no such host.
    static func writeLabels(
        hostID: String,
        _ labelsJSON: String,
        _ tagsJSON: String,
        actor: String,
        now: Date,
        _ db: any SQLSession
    ) throws -> Bool {
        try db.execute(
            sql: "UPDATE hosts SET labels = ?, tags = ? WHERE id = ?",
            arguments: [labelsJSON, tagsJSON, hostID]
        )
        guard db.changesCount == 1 else { return false }
        try insertEvent(
            EventRecord(
                at: now,
                actor: actor,
                action: "host.labels.changed",
                target: "host:\(hostID)",
                details: "{\"labels\":\(labelsJSON),\"tags\":\(tagsJSON)}"
            ),
            db
        )
        return true
    }

    public func hosts(_ query: HostQuery) async throws -> HostPage {
        var conditions: [String] = []
        var arguments: [SQLValue] = []
        if let search = query.search, !search.isEmpty {
            // Case-insensitive on both engines (SQLite's LIKE is, PostgreSQL's is not).
            conditions.append("LOWER(hostname) LIKE LOWER(?) ESCAPE '\\'")
            let escaped = search.replacingOccurrences(of: "\\", with: "\\\\")
                .replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_")
            arguments.append(("%\(escaped)%").sqlValue)
        }
        if let osID = query.osID {
            conditions.append("os_id = ?")
            arguments.append((osID).sqlValue)
        }
        if let version = query.osVersionID {
            conditions.append("os_version_id = ?")
            arguments.append((version).sqlValue)
        }
        if let reboot = query.rebootRequired {
            conditions.append("reboot_required = ?")
            arguments.append((reboot).sqlValue)
        }
        if let since = query.seenSince {
            conditions.append("last_seen >= ?")
            arguments.append((Self.millis(since)).sqlValue)
        }
        if let notSince = query.notSeenSince {
            conditions.append("last_seen < ?")
            arguments.append((Self.millis(notSince)).sqlValue)
        }
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let columns = HostCursor.columns(query.sort)
        let direction = query.descending ? "DESC" : "ASC"
        // Ties broken by id, in the same direction, so (sort values, id) orders the hosts totally.
        let order = (columns.map(\.name) + ["id"]).map { "\($0) \(direction)" }.joined(separator: ", ")
        let limit = max(0, min(query.limit, 1000))
        let filterArguments = SQLArguments(arguments)
        var pageConditions = conditions
        var pageArguments = arguments
        var offset = max(0, query.offset)
        if let after = query.after {
            guard after.sort == query.sort, after.descending == query.descending,
                after.values.count == columns.count
            else {
                throw StoreError(code: .invalidData, message: "the cursor continues another sort of the hosts")
            }
            let names = (columns.map(\.name) + ["id"]).joined(separator: ", ")
            let marks = Array(repeating: "?", count: columns.count + 1).joined(separator: ", ")
            pageConditions.append("(\(names)) \(query.descending ? "<" : ">") (\(marks))")
            for (value, column) in zip(after.values, columns) {
                guard let bound = column.integer ? Int64(value)?.sqlValue : value.sqlValue else {
                    throw StoreError(code: .invalidData, message: "the cursor's \(column.name) is not a number")
                }
                pageArguments.append(bound)
            }
            pageArguments.append(after.id.sqlValue)
            offset = 0
        }
        let pageWhere = pageConditions.isEmpty ? "" : "WHERE " + pageConditions.joined(separator: " AND ")
        let sort = query.sort
        let descending = query.descending
        let skip = offset
        let pageBindings = SQLArguments(pageArguments)
        return try await engine.read { db in
            let total =
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM hosts \(whereClause)", arguments: filterArguments) ?? 0
            let rows = try SQLRow.fetchAll(
                db,
                sql: "SELECT * FROM hosts \(pageWhere) ORDER BY \(order) LIMIT \(limit) OFFSET \(skip)",
                arguments: pageBindings
            )
            var next: HostCursor?
            if limit > 0, rows.count == limit, let last = rows.last {
                next = HostCursor(
                    sort: sort,
                    descending: descending,
                    values: columns.map { column in
                        column.integer ? String(last[column.name] as Int64) : (last[column.name] as String)
                    },
                    id: last["id"]
                )
            }
            return HostPage(hosts: try rows.map(Self.host), total: total, next: next)
        }
    }

    // The fleet summary's queries: each count is a range of an index (see the v13 migration),
    // never a pass over the hosts' rows evaluating every bucket per row. The counts that cover most
    // of a healthy fleet (online, seen within the hour, active agents) are the total (a count of
    // the smallest index's entries, decoding none) less their complement, which in a healthy fleet
    // is a range of a few entries instead of one of every host (hosts gone for good fall in it).
    static let fleetSummaryTotalsSQL = """
        SELECT (SELECT COUNT(*) FROM hosts) AS hosts,
            (SELECT COUNT(*) FROM hosts WHERE last_seen < ?) AS offline,
            (SELECT COUNT(*) FROM hosts WHERE reboot_required = 1) AS reboot,
            (SELECT COUNT(*) FROM hosts WHERE last_seen < ? - 3600000) AS before_h1,
            (SELECT COUNT(*) FROM hosts WHERE last_seen < ? - 3600000 AND last_seen >= ? - 86400000) AS d1,
            (SELECT COUNT(*) FROM hosts WHERE last_seen < ? - 86400000 AND last_seen >= ? - 604800000) AS d7,
            (SELECT COUNT(*) FROM hosts WHERE last_seen < ? - 604800000) AS older,
            (SELECT COUNT(*) FROM agents) - (SELECT COUNT(*) FROM agents WHERE revoked_at IS NOT NULL) AS agents
        """
    static let fleetSummaryOSSQL = "SELECT os_id, os_version_id, COUNT(*) AS n FROM hosts GROUP BY os_id, os_version_id"

    public func fleetSummary(now: Date, onlineSince: Date) async throws -> FleetSummary {
        let nowMillis = Self.millis(now)
        let onlineMillis = Self.millis(onlineSince)
        return try await engine.read { db in
            let totals = try SQLRow.fetchOne(
                db,
                sql: Self.fleetSummaryTotalsSQL,
                arguments: [onlineMillis, nowMillis, nowMillis, nowMillis, nowMillis, nowMillis, nowMillis]
            )
            var byOS: [String: Int] = [:]
            for row in try SQLRow.fetchAll(db, sql: Self.fleetSummaryOSSQL) {
                byOS["\(row["os_id"] as String) \(row["os_version_id"] as String)"] = row["n"]
            }
            let hosts: Int = totals?["hosts"] ?? 0
            let online = hosts - (totals?["offline"] ?? 0)
            return FleetSummary(
                hosts: hosts,
                online: online,
                stale: hosts - online,
                rebootPending: totals?["reboot"] ?? 0,
                byOS: byOS,
                activeAgents: totals?["agents"] ?? 0,
                lastSeenBuckets: [
                    "<1h": hosts - (totals?["before_h1"] ?? 0), "1-24h": totals?["d1"] ?? 0,
                    "1-7d": totals?["d7"] ?? 0, ">7d": totals?["older"] ?? 0,
                ]
            )
        }
    }

    static func host(_ row: SQLRow) throws -> HostRecord {
        HostRecord(
            id: row["id"],
            facts: try decode(HostFacts.self, row["facts_json"], what: "facts of host \(row["id"] as String)"),
            firstSeen: date(row["first_seen"] as Int64),
            lastSeen: date(row["last_seen"] as Int64),
            inventoryFingerprint: row["inventory_fingerprint"],
            packageCount: row["package_count"],
            labels: try decode([String: String].self, row["labels"], what: "labels of host \(row["id"] as String)"),
            tags: try decode([String].self, row["tags"], what: "tags of host \(row["id"] as String)"),
            duplicateOf: row["duplicate_of"]
        )
    }
}
