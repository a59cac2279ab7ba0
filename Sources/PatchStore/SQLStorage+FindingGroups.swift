import Foundation
import SecurityAdvisories

/// Fleet-wide passes over findings without one row per host finding: the package findings are
/// read once each, and for each distinct package the hosts that run it come from the covering
/// index `host_packages(package, host, state, since)` — a few bytes per host, no table lookup.
extension SQLStorage {
    public func reduceOpenFindingGroups<State: Sendable>(
        into state: State,
        _ body: @escaping @Sendable (inout State, OpenFindingGroup) throws -> Void
    ) async throws -> State {
        try await engine.read { db in
            var state = state
            // When each host's first inventory arrived: the start of a baseline package's lineage.
            var inventorySince: [Int64: Int64] = [:]
            let hosts = try SQLRow.fetchCursor(db, sql: "SELECT number, COALESCE(inventory_since, 0) FROM hosts")
            while let row = try hosts.next() { inventorySince[row[0] as Int64] = row[1] as Int64 }
            // Starts kept where a host's own history differs from the derived one: package →
            // advisory → host → start.
            var kept: [Int64: [String: [Int64: Int64]]] = [:]
            let starts = try SQLRow.fetchCursor(
                db,
                sql: "SELECT host, package, advisory_id, first_seen FROM finding_starts"
            )
            while let row = try starts.next() {
                kept[row[1] as Int64, default: [:]][row[2] as String, default: [:]][row[0] as Int64] = row[3] as Int64
            }
            let findings = try SQLRow.fetchCursor(
                db,
                sql: """
                    SELECT pf.package AS package_id, p.name AS package, p.architecture, p.version AS installed_version,
                        p.source_name AS source_package, p.source_version, pf.advisory_id, pf.aliases,
                        pf.fixed_version, pf.status, pf.severity, pf.cvss, pf.epss, pf.epss_percentile, pf.kev,
                        pf.kev_due, pf.first_seen
                    FROM package_findings pf JOIN packages p ON p.id = pf.package
                    WHERE p.host_count > 0
                    ORDER BY pf.package, pf.id
                    """
            )
            let members = try db.makeStatement(
                sql: "SELECT host, since FROM host_packages WHERE package = ? AND state IS NULL ORDER BY host"
            )
            var aliases: [String: [String]] = [:]
            var current: Int64 = -1
            var numbers: [Int64] = []
            var lineageStarts: [Int64] = []
            while let row = try findings.next() {
                let package: Int64 = row["package_id"]
                if package != current {
                    current = package
                    numbers.removeAll(keepingCapacity: true)
                    lineageStarts.removeAll(keepingCapacity: true)
                    let hostRows = try SQLRow.fetchCursor(members, arguments: [package])
                    while let member = try hostRows.next() {
                        let number: Int64 = member[0]
                        numbers.append(number)
                        lineageStarts.append((member[1] as Int64?) ?? inventorySince[number] ?? 0)
                    }
                }
                guard !numbers.isEmpty else { continue }
                let appeared: Int64 = row["first_seen"]
                var startMillis = lineageStarts.map { max($0, appeared) }
                let advisory: String = row["advisory_id"]
                if let own = kept[package]?[advisory] {
                    for (index, number) in numbers.enumerated() {
                        if let start = own[number] { startMillis[index] = start }
                    }
                }
                try body(
                    &state,
                    OpenFindingGroup(
                        finding: try Self.finding(row, aliases: &aliases),
                        hosts: numbers,
                        startMillis: startMillis
                    )
                )
            }
            return state
        }
    }

    public func fleetHosts(decode: @escaping @Sendable (Int64, Int) -> Bool) async throws -> [FleetHost] {
        try await engine.read { db in
            var result: [FleetHost] = []
            // What placement reads: the OS release (not uptime or boot id, which change with every
            // heartbeat), labels and tags. The whole record is read only for hosts to decode.
            let rows = try SQLRow.fetchCursor(
                db,
                sql: """
                    SELECT number, id, hostname, \(db.dialect == .postgres
                        ? "(facts_json::jsonb->'os')::text" : "json_extract(facts_json, '$.os')") AS os, labels, tags
                    FROM hosts ORDER BY number
                    """
            )
            var wanted: [Int64: Int] = [:]
            while let row = try rows.next() {
                let number: Int64 = row["number"]
                var hasher = Hasher()
                hasher.combine(row["os"] as String?)
                hasher.combine(row["labels"] as String)
                hasher.combine(row["tags"] as String)
                let key = hasher.finalize()
                if decode(number, key) { wanted[number] = result.count }
                result.append(
                    FleetHost(
                        number: number,
                        id: row["id"],
                        hostname: row["hostname"],
                        descriptionKey: key,
                        record: nil
                    )
                )
            }
            if !wanted.isEmpty {
                let records = try SQLRow.fetchCursor(db, sql: "SELECT * FROM hosts ORDER BY number")
                while let row = try records.next() {
                    guard let index = wanted[row["number"] as Int64] else { continue }
                    result[index].record = try Self.host(row)
                }
            }
            return result
        }
    }
}

extension SQLStorage {
    public func reportRevision() async throws -> Int64 {
        try await engine.read { db in try Int64.fetchOne(db, sql: "SELECT value FROM report_revision WHERE id = 1") ?? 0
        }
    }
}
