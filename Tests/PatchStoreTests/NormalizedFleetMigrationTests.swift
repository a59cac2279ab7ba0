import ChangeControl
import FleetModel
import Foundation
import GRDB
import PatchStore
import SecurityAdvisories
import Testing

/// v11 on a database written by the previous schema (see Fixtures/SOURCES.md): every host,
/// package, finding (with first seen and fixed at), history entry and audit event survives the
/// move to the normalized tables.
@Suite(StoreFixture.sqliteOnly) struct NormalizedFleetMigrationTests {
    struct OldFinding: Hashable {
        var host: String
        var package: String
        var architecture: String
        var advisory: String
        var installedVersion: String
        var severity: String
        var firstSeen: Int64
        var fixedAt: Int64?
    }

    @Test func everyHostPackageFindingAndEventSurvives() async throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("patchstore-migration-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("patchpilot.sqlite").path
        let fixture = try #require(
            Bundle.module.url(
                forResource: "schema-v10-demo-fleet.sqlite",
                withExtension: "gz",
                subdirectory: "Fixtures"
            )
        )
        let gunzip = Process()
        gunzip.executableURL = URL(fileURLWithPath: "/bin/gzip")
        gunzip.arguments = ["-dc", fixture.path]
        #expect(FileManager.default.createFile(atPath: path, contents: nil))
        gunzip.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try gunzip.run()
        gunzip.waitUntilExit()
        #expect(gunzip.terminationStatus == 0)

        // What the old schema holds.
        let old = try DatabaseQueue(path: path)
        let (hosts, packages, findings, history, events) = try await old.read { db in
            let hosts = try String.fetchAll(db, sql: "SELECT id FROM hosts ORDER BY id")
            var packages: [String: [InstalledPackage]] = [:]
            for row in try Row.fetchAll(
                db,
                sql: "SELECT * FROM installed_packages ORDER BY host_id, name, architecture"
            ) {
                packages[row["host_id"], default: []].append(
                    InstalledPackage(
                        name: row["name"],
                        architecture: row["architecture"],
                        version: row["version"],
                        sourceName: row["source_name"],
                        sourceVersion: row["source_version"],
                        state: PackageState(rawValue: row["state"]) ?? .notInstalled,
                        manager: PackageManagerKind(rawValue: row["manager"]) ?? .dpkg
                    )
                )
            }
            let findings = try Row.fetchAll(db, sql: "SELECT * FROM findings").map { row in
                OldFinding(
                    host: row["host_id"],
                    package: row["package"],
                    architecture: row["architecture"],
                    advisory: row["advisory_id"],
                    installedVersion: row["installed_version"],
                    severity: row["severity"],
                    firstSeen: row["first_seen"],
                    fixedAt: row["fixed_at"]
                )
            }
            var history: [String: [String]] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT * FROM inventory_changes ORDER BY id DESC") {
                let text = [
                    row["at"] as Int64 as Any, row["kind"] as String, row["name"] as String,
                    row["architecture"] as String,
                    row["old_version"] as String? ?? "-", row["new_version"] as String? ?? "-",
                    row["old_state"] as String? ?? "-", row["new_state"] as String? ?? "-",
                ].map { "\($0)" }.joined(separator: " ")
                history[row["host_id"], default: []].append(text)
            }
            let events = try Row.fetchAll(db, sql: "SELECT id, hash FROM events ORDER BY id").map {
                "\($0["id"] as Int64) \($0["hash"] as String)"
            }
            return (hosts, packages, findings, history, events)
        }
        try old.close()
        #expect(hosts.count == 12)
        #expect(findings.count == 357)
        #expect(findings.filter { $0.fixedAt != nil }.count == 2)

        let store = try SQLStorage(path: path)
        for host in hosts {
            let inventory = try await store.inventory(hostID: host)
            #expect(inventory.packages == (packages[host] ?? []), "inventory of \(host)")
            let changes = try await store.inventoryHistory(hostID: host, limit: 10_000, offset: 0)
            let texts = changes.map { change in
                [
                    "\(Int64((change.at.timeIntervalSince1970 * 1000).rounded()))", change.kind.rawValue, change.name,
                    change.architecture, change.oldVersion ?? "-", change.newVersion ?? "-", change.oldState ?? "-",
                    change.newState ?? "-",
                ].joined(separator: " ")
            }
            // Same entries; within one upload the order of the first inventory's additions may differ.
            #expect(texts.count == history[host]?.count, "history of \(host)")
            #expect(Set(texts) == Set(history[host] ?? []), "history of \(host)")
        }
        var query = FindingQuery()
        query.includeFixed = true
        query.limit = 10_000
        let page = try await store.findings(query)
        #expect(page.total == findings.count)
        let migrated = Set(
            page.findings.map {
                OldFinding(
                    host: $0.hostID,
                    package: $0.finding.package,
                    architecture: $0.finding.architecture,
                    advisory: $0.finding.advisory,
                    installedVersion: $0.finding.installedVersion,
                    severity: $0.finding.severity.rawValue,
                    firstSeen: Int64(($0.firstSeen.timeIntervalSince1970 * 1000).rounded()),
                    fixedAt: $0.fixedAt.map { Int64(($0.timeIntervalSince1970 * 1000).rounded()) }
                )
            }
        )
        #expect(
            migrated.subtracting(findings).isEmpty,
            "\(migrated.subtracting(findings).sorted { "\($0)" < "\($1)" }.prefix(3))"
        )
        #expect(
            Set(findings).subtracting(migrated).isEmpty,
            "\(Set(findings).subtracting(migrated).sorted { "\($0)" < "\($1)" }.prefix(3))"
        )
        let after = try await store.auditEvents(afterID: 0, since: nil, target: nil, limit: 100_000)
        #expect(after.map { "\($0.id) \($0.hash)" } == events)
        // Distinct packages are stored once: far fewer catalog rows than host rows.
        let (catalog, rows) = try await DatabaseQueue(path: path).read { db in
            (
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM packages") ?? 0,
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM host_packages") ?? 0
            )
        }
        #expect(rows == packages.values.map(\.count).reduce(0, +))
        #expect(catalog * 2 < rows)
    }
}
