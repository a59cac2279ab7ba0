import FleetModel
import Foundation
import PatchTestSupport
import Testing

@testable import PatchStore

/// Replicas registering the same new packages at the same moment (hosts of one release enrolling
/// through different replicas): every call succeeds and the catalog holds each package once.
@Suite struct ConcurrentCatalogStoreTests {
    @Test func replicasAddingTheSamePackagesTogetherNeverFail() async throws {
        let fixture = try await StoreFixture.make()
        let other = StoreFixture.postgresURL == nil ? fixture.store : try await fixture.reopen()
        for round in 0..<4 {
            let packages = (0..<120).map { pkg("lib-\(round)-\($0)", "1.\($0)-\(round)") }
            try await withThrowingTaskGroup(of: Int.self) { group in
                for store in [fixture.store, other, fixture.store, other] {
                    group.addTask { try await store.registerPackages(release: "debian-12", packages: packages).count }
                }
                // Each call answers the packages still waiting for correlation: all of them.
                for try await registered in group { #expect(registered == packages.count, "round \(round)") }
            }
            let rows = try await fixture.read { db in
                try Int.fetchOne(
                    db,
                    sql: "SELECT COUNT(*) FROM packages WHERE name LIKE ?",
                    arguments: ["lib-\(round)-%"]
                )
            }
            #expect(rows == packages.count, "round \(round): each package once")
        }
        if other !== fixture.store { await other.close() }
    }
}
