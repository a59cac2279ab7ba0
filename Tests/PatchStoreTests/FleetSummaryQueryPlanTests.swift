import GRDB
import Testing

@testable import PatchStore

/// The fleet summary is asked for on every dashboard load: each of its counts must be a range of a
/// covering index, never a pass over every host's row (wide rows with facts JSON — at 20,000
/// hosts that pass, evaluating every bucket per row, made the summary's p99 miss its goal).
@Suite(StoreFixture.sqliteOnly) struct FleetSummaryQueryPlanTests {
    @Test(arguments: [
        (SQLStorage.fleetSummaryTotalsSQL, "COVERING INDEX hosts_last_seen (last_seen<?)"),
        (SQLStorage.fleetSummaryTotalsSQL, "COVERING INDEX hosts_last_seen (last_seen>? AND last_seen<?)"),
        (SQLStorage.fleetSummaryTotalsSQL, "COVERING INDEX hosts_reboot_pending"),
        (SQLStorage.fleetSummaryOSSQL, "COVERING INDEX hosts_os"),
        (SQLStorage.fleetSummaryTotalsSQL, "COVERING INDEX agents_revoked (revoked_at>?)"),
    ])
    func summaryQueriesReadIndexesOnly(sql: String, index: String) async throws {
        let fixture = try StoreFixture()
        let queue = try fixture.rawQueue()
        let plan = try await queue.read { db in
            try Row.fetchAll(
                db,
                sql: "EXPLAIN QUERY PLAN " + sql,
                arguments: StatementArguments(
                    Array(repeating: 0, count: sql.filter { $0 == "?" }.count)
                )
            )
            .map { $0["detail"] as String }
        }
        #expect(plan.contains { $0.contains(index) }, "\(plan)")
        #expect(!plan.contains { $0 == "SCAN hosts" || $0 == "SCAN agents" }, "\(plan)")
    }
}
