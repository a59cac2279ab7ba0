import AgentProtocol
import FleetModel
import Foundation
import PatchStore
import Testing

@Suite struct HostQueryStoreTests {
    struct Spec: Sendable {
        var hostname: String
        var os: (String, String)
        var kernel: String
        var reboot: Bool
        var lastSeen: TimeInterval
        var packages: Int
    }

    static let specs: [Spec] = [
        Spec(hostname: "web-01", os: ("debian", "12"), kernel: "6.1.0-18", reboot: false, lastSeen: -60, packages: 3),
        Spec(hostname: "web_02", os: ("debian", "11"), kernel: "5.10.0-28", reboot: true, lastSeen: -7200, packages: 1),
        Spec(
            hostname: "WEB-03",
            os: ("ubuntu", "22.04"),
            kernel: "5.15.0-97",
            reboot: false,
            lastSeen: -30,
            packages: 5
        ),
        Spec(
            hostname: "db%prod",
            os: ("ubuntu", "24.04"),
            kernel: "6.8.0-31",
            reboot: true,
            lastSeen: -172800,
            packages: 0
        ),
        Spec(
            hostname: "webX02",
            os: ("debian", "10"),
            kernel: "6.1.0-21",
            reboot: false,
            lastSeen: -900000,
            packages: 2
        ),
        Spec(
            hostname: "back\\slash",
            os: ("rocky", "9.4"),
            kernel: "5.14.0-362",
            reboot: false,
            lastSeen: -3600,
            packages: 4
        ),
    ]

    let fixture: StoreFixture
    var store: SQLStorage { fixture.store }

    init() async throws { fixture = try await StoreFixture.make() }

    /// Enrolls every spec, gives it its package count, then checks it in at its last-seen time.
    func populate() async throws {
        try await fixture.makeToken()
        for (index, spec) in Self.specs.enumerated() {
            let hostFacts = facts(
                hostname: spec.hostname,
                machineID: "m\(index)",
                os: spec.os,
                kernel: spec.kernel,
                reboot: spec.reboot
            )
            let host = try await fixture.enrollHost(hostFacts, hostID: "h\(index)", now: T.at(-1_000_000))
            let packages = (0..<spec.packages).map { pkg("p\($0)", "1.0") }
            _ = try await store.replaceInventory(
                hostID: host,
                expectedFingerprint: nil,
                packages: packages,
                fingerprint: InventoryFingerprint.of(packages),
                now: T.at(-1_000_000)
            )
            try await store.recordCheckIn(hostID: host, facts: hostFacts, now: T.at(spec.lastSeen))
        }
    }

    func names(_ query: HostQuery) async throws -> [String] {
        try await store.hosts(query).hosts.map(\.facts.hostname)
    }

    func query(_ configure: (inout HostQuery) -> Void) -> HostQuery {
        var query = HostQuery()
        configure(&query)
        return query
    }

    @Test func cursorPagesWalkEverySortWithoutSkippingOrRepeating() async throws {
        try await populate()
        // Hosts that tie on every sort key but the id.
        for index in 0..<7 {
            let hostFacts = facts(hostname: "twin", machineID: "twin-\(index)")
            let host = try await fixture.enrollHost(hostFacts, hostID: "t\(index)", now: T.at(-1_000_000))
            try await store.recordCheckIn(hostID: host, facts: hostFacts, now: T.at(-500))
        }
        for sort in HostQuery.SortKey.allCases {
            for descending in [false, true] {
                for os in [nil, "debian"] {
                    var all = HostQuery()
                    all.sort = sort
                    all.descending = descending
                    all.osID = os
                    all.limit = 1000
                    let expected = try await store.hosts(all).hosts.map(\.id)
                    var paged = all
                    paged.limit = 2
                    var walked: [String] = []
                    var pages = 0
                    while true {
                        let page = try await store.hosts(paged)
                        #expect(page.total == expected.count)
                        walked += page.hosts.map(\.id)
                        pages += 1
                        guard let next = page.next, pages < 50 else { break }
                        // The token round-trips (what the API hands out and reads back).
                        let cursor = HostCursor(token: next.token)
                        #expect(cursor == next)
                        paged.after = cursor
                    }
                    #expect(walked == expected, "\(sort) \(descending ? "desc" : "asc") os=\(os ?? "any")")
                }
            }
        }
    }

    @Test func aCursorOfAnotherSortOrNoCursorAtAllIsRefused() async throws {
        try await populate()
        var query = HostQuery()
        query.limit = 2
        let next = try #require(try await store.hosts(query).next)
        query.sort = .lastSeen
        query.after = next
        await #expect(throws: StoreError.self) { try await store.hosts(query) }
        for token in ["", "!!!", "bm90IGpzb24", String(repeating: "A", count: 5000), next.token + "x"] {
            #expect(HostCursor(token: token) == nil, "\(token.prefix(20))")
        }
        // A number column whose value is not a number.
        let forged = HostCursor(sort: .lastSeen, descending: false, values: ["9e99"], id: "h1").token
        #expect(HostCursor(token: forged) == nil)
    }

    @Test func unfilteredListsAllHostsByHostname() async throws {
        try await populate()
        let page = try await store.hosts(HostQuery())
        #expect(page.total == 6)
        #expect(page.hosts.map(\.facts.hostname) == Self.specs.map(\.hostname).sorted())
        let web01 = try #require(page.hosts.first { $0.facts.hostname == "web-01" })
        #expect(web01.packageCount == 3)
        #expect(web01.lastSeen == T.at(-60))
    }

    @Test(arguments: [
        ("web", ["WEB-03", "web-01", "webX02", "web_02"]),
        ("WEB", ["WEB-03", "web-01", "webX02", "web_02"]),
        ("_", ["web_02"]),
        ("b_0", ["web_02"]),
        ("%", ["db%prod"]),
        ("b%p", ["db%prod"]),
        ("\\", ["back\\slash"]),
        ("-0", ["WEB-03", "web-01"]),
        ("nothing", []),
        ("", ["WEB-03", "back\\slash", "db%prod", "web-01", "webX02", "web_02"]),
    ])
    func searchIsACaseInsensitiveLiteralSubstring(search: String, expected: [String]) async throws {
        try await populate()
        let page = try await store.hosts(query { $0.search = search })
        #expect(page.hosts.map(\.facts.hostname) == expected)
        #expect(page.total == expected.count)
    }

    @Test func filtersByOS() async throws {
        try await populate()
        #expect(try await names(query { $0.osID = "debian" }) == ["web-01", "webX02", "web_02"])
        #expect(
            try await names(
                query {
                    $0.osID = "debian"
                    $0.osVersionID = "12"
                }
            ) == ["web-01"]
        )
        #expect(try await names(query { $0.osVersionID = "22.04" }) == ["WEB-03"])
        #expect(
            try await names(
                query {
                    $0.osID = "ubuntu"
                    $0.osVersionID = "12"
                }
            ) == []
        )
        #expect(try await store.hosts(query { $0.osID = "rocky" }).total == 1)
    }

    @Test func filtersByRebootFlag() async throws {
        try await populate()
        #expect(try await names(query { $0.rebootRequired = true }) == ["db%prod", "web_02"])
        #expect(try await store.hosts(query { $0.rebootRequired = false }).total == 4)
    }

    @Test func filtersByLastSeen() async throws {
        try await populate()
        // seenSince is inclusive.
        #expect(try await names(query { $0.seenSince = T.at(-3600) }) == ["WEB-03", "back\\slash", "web-01"])
        // notSeenSince is exclusive.
        #expect(try await names(query { $0.notSeenSince = T.at(-3600) }) == ["db%prod", "webX02", "web_02"])
        #expect(
            try await names(
                query {
                    $0.seenSince = T.at(-200000)
                    $0.notSeenSince = T.at(-3600)
                }
            )
                == ["db%prod", "web_02"]
        )
        #expect(
            try await names(
                query {
                    $0.rebootRequired = true
                    $0.seenSince = T.at(-10000)
                }
            ) == ["web_02"]
        )
    }

    static let expectedOrders: [(HostQuery.SortKey, [String])] = [
        (.hostname, ["WEB-03", "back\\slash", "db%prod", "web-01", "webX02", "web_02"]),
        (.os, ["webX02", "web_02", "web-01", "back\\slash", "WEB-03", "db%prod"]),
        (.lastSeen, ["webX02", "db%prod", "web_02", "back\\slash", "web-01", "WEB-03"]),
        (.packages, ["db%prod", "web_02", "webX02", "web-01", "back\\slash", "WEB-03"]),
        (.kernel, ["web_02", "back\\slash", "WEB-03", "web-01", "webX02", "db%prod"]),
    ]

    @Test(arguments: expectedOrders)
    func sortsByEachKeyInBothDirections(key: HostQuery.SortKey, ascending: [String]) async throws {
        try await populate()
        #expect(try await names(query { $0.sort = key }) == ascending)
        #expect(
            try await names(
                query {
                    $0.sort = key
                    $0.descending = true
                }
            ) == ascending.reversed()
        )
    }

    @Test func sortCoversEveryKey() {
        #expect(Set(Self.expectedOrders.map(\.0)) == Set(HostQuery.SortKey.allCases))
    }

    @Test func pagesWithLimitAndOffset() async throws {
        try await populate()
        var collected: [String] = []
        for offset in stride(from: 0, to: 8, by: 2) {
            let page = try await store.hosts(
                query {
                    $0.limit = 2
                    $0.offset = offset
                    $0.sort = .lastSeen
                }
            )
            #expect(page.total == 6)
            #expect(page.hosts.count == max(0, min(2, 6 - offset)))
            collected += page.hosts.map(\.facts.hostname)
        }
        #expect(collected == ["webX02", "db%prod", "web_02", "back\\slash", "web-01", "WEB-03"])

        let filtered = try await store.hosts(
            query {
                $0.osID = "debian"
                $0.limit = 1
                $0.offset = 1
            }
        )
        #expect(filtered.total == 3)
        #expect(filtered.hosts.map(\.facts.hostname) == ["webX02"])

        let empty = try await store.hosts(query { $0.limit = 0 })
        #expect(empty.hosts.isEmpty)
        #expect(empty.total == 6)

        let negative = try await store.hosts(
            query {
                $0.offset = -5
                $0.limit = 1
            }
        )
        #expect(negative.hosts.map(\.facts.hostname) == ["WEB-03"])
    }
}

@Suite struct FleetSummaryStoreTests {
    let fixture: StoreFixture
    var store: SQLStorage { fixture.store }

    init() async throws { fixture = try await StoreFixture.make() }

    @Test func emptyFleet() async throws {
        let summary = try await store.fleetSummary(now: T.base, onlineSince: T.at(-900))
        #expect(
            summary
                == FleetSummary(
                    hosts: 0,
                    online: 0,
                    stale: 0,
                    rebootPending: 0,
                    byOS: [:],
                    activeAgents: 0,
                    lastSeenBuckets: ["<1h": 0, "1-24h": 0, "1-7d": 0, ">7d": 0]
                )
        )
    }

    @Test func countsHostsAgentsAndBuckets() async throws {
        try await fixture.makeToken()
        // (hostname, os, reboot, seconds since last seen)
        let hosts: [(String, (String, String), Bool, TimeInterval)] = [
            ("a", ("debian", "12"), false, 60),  // online, <1h
            ("b", ("debian", "12"), true, 600),  // online, <1h
            ("c", ("debian", "12"), false, 3600),  // stale, <1h (boundary is inclusive)
            ("d", ("ubuntu", "22.04"), true, 3601),  // stale, 1-24h
            ("e", ("ubuntu", "22.04"), false, 86400),  // 1-24h boundary
            ("f", ("rocky", "9.4"), true, 86401),  // 1-7d
            ("g", ("rocky", "9.4"), false, 604800),  // 1-7d boundary
            ("h", ("alpine", "3.19"), false, 604801),  // >7d
            ("i", ("alpine", "3.19"), false, 90 * 86400),  // >7d
        ]
        for (name, os, reboot, ago) in hosts {
            let hostFacts = facts(hostname: name, os: os, reboot: reboot)
            let host = try await fixture.enrollHost(hostFacts, now: T.at(-100 * 86400))
            try await store.recordCheckIn(hostID: host, facts: hostFacts, now: T.at(-ago))
        }
        // One re-enrollment with a re-enroll token for the host (revokes one agent, adds one) and one
        // revocation.
        try await fixture.makeToken(id: "tok-re", secretHash: "hash-re", uses: 1, hostID: "host-mid-a")
        _ = try await fixture.enrollHost(
            facts(hostname: "a"),
            agentID: "agt-a-2",
            tokenID: "tok-re",
            secretHash: "hash-re",
            now: T.at(-60)
        )
        #expect(try await store.revokeAgent(id: "agt-mid-i", actor: "user:admin", now: T.base))

        let summary = try await store.fleetSummary(now: T.base, onlineSince: T.at(-900))
        #expect(summary.hosts == 9)
        #expect(summary.online == 2)
        #expect(summary.stale == 7)
        #expect(summary.rebootPending == 3)
        #expect(summary.byOS == ["debian 12": 3, "ubuntu 22.04": 2, "rocky 9.4": 2, "alpine 3.19": 2])
        #expect(summary.activeAgents == 8)
        #expect(summary.lastSeenBuckets == ["<1h": 3, "1-24h": 2, "1-7d": 2, ">7d": 2])

        let wider = try await store.fleetSummary(now: T.base, onlineSince: T.at(-86400))
        #expect(wider.online == 5)
        #expect(wider.stale == 4)
    }
}
