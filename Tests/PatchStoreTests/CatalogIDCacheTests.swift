import AgentProtocol
import FleetModel
import GRDB
import Testing

@testable import PatchStore

/// The in-memory catalog ids: only committed, correlated rows enter, and uploads that use them
/// land on the same catalog rows as lookups would.
@Suite struct CatalogIDCacheTests {
    @Test func holdsCorrelatedRowsOnlyAndUploadsReuseTheirIDs() async throws {
        let fixture = try await StoreFixture.make()
        let store = fixture.store
        let openssl = pkg("openssl", "3.0.11-1~deb12u2")
        let curl = pkg("curl", "7.88.1-10+deb12u5")
        func identity(_ package: InstalledPackage) -> CatalogWriter.Identity {
            CatalogWriter.Identity(release: "Debian:12", package: package)
        }

        let fresh = try await store.registerPackages(release: "Debian:12", packages: [openssl, curl])
        #expect(Set(fresh.map(\.package.name)) == ["openssl", "curl"])
        #expect(store.catalogIDs.id(identity(openssl)) == nil, "not correlated yet")
        let opensslID = try #require(fresh.first { $0.package.name == "openssl" }?.id)
        _ = try await store.recordCorrelation([PackageCorrelation(packageID: opensslID, findings: [])], now: T.base)

        // Correlated rows are remembered on the next look; uncorrelated ones are still reported.
        #expect(
            try await store.registerPackages(release: "Debian:12", packages: [openssl, curl]).map(\.package.name) == [
                "curl"
            ]
        )
        #expect(store.catalogIDs.id(identity(openssl)) == opensslID)
        #expect(store.catalogIDs.id(identity(curl)) == nil)
        // Another release is another identity.
        #expect(store.catalogIDs.id(CatalogWriter.Identity(release: "Debian:11", package: openssl)) == nil)
        // From memory now, with the same answer.
        #expect(
            try await store.registerPackages(release: "Debian:12", packages: [openssl, curl]).map(\.package.name) == [
                "curl"
            ]
        )

        // An inventory naming a remembered package refers to its catalog row, adding none.
        try await fixture.makeToken()
        let host = try await fixture.enrollHost(facts(hostname: "web-1"))
        let list = [openssl, curl]
        _ = try await store.replaceInventory(
            hostID: host,
            expectedFingerprint: nil,
            packages: list,
            fingerprint: InventoryFingerprint.of(list),
            now: T.base
        )
        let rows = try await fixture.read { db in
            try SQLRow.fetchAll(db, sql: "SELECT id, name, host_count FROM packages ORDER BY id")
        }
        #expect(rows.count == 2)
        #expect(rows.first { ($0["name"] as String) == "openssl" }.map { $0["id"] as Int64 } == opensslID)
        #expect(rows.allSatisfy { ($0["host_count"] as Int64) == 1 })
    }
}
