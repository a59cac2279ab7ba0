import FleetModel
import Foundation
import PackageVersions
import SecurityAdvisories
import Testing

/// The fleet engine gives exactly what per-host correlation (`FindingBuilder`) gives: after a full
/// correlation, after inventory changes and after new advisories, on a generated fleet whose
/// packages come from the real DSA/DLA lists and Ubuntu OSV records.
@Suite struct FleetCorrelatorTests {
    static let debian11 = EcosystemRelease(.debian, "11")
    static let debian12 = EcosystemRelease(.debian, "12")
    static let ubuntu2204 = EcosystemRelease(.ubuntu, "22.04")
    static let redHat9 = EcosystemRelease(.redHat, "9")

    /// Deterministic generator (SplitMix64).
    struct Random {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    }

    /// `version` with its last digit run moved by `delta` (never below 0).
    static func shifted(_ version: String, by delta: Int) -> String {
        var chars = Array(version)
        guard let end = chars.lastIndex(where: \.isNumber) else { return version }
        var start = end
        while start > chars.startIndex, chars[start - 1].isNumber { start -= 1 }
        let number = Int(String(chars[start...end])) ?? 0
        chars.replaceSubrange(start...end, with: Array(String(max(0, number + delta))))
        return String(chars)
    }

    static func advisories() throws -> [Advisory] {
        let reader = FeedDocumentReader(policy: .skip, snapshotTime: Date(timeIntervalSince1970: 1_700_000_000))
        var all: [Advisory] = []
        all += try reader.read(FeedFixtureFiles.data("debian/DSA/list"), name: "DSA/list", format: .debianDSAList)
            .advisories
        all += try reader.read(FeedFixtureFiles.data("debian/DLA/list"), name: "DLA/list", format: .debianDLAList)
            .advisories
        for (name, data) in try FeedFixtureFiles.directory("ubuntu-osv") {
            all += try reader.read(data, name: name, format: .osv).advisories
        }
        return all
    }

    /// Package pools per release: several versions of every package the real advisories name,
    /// around their fixed versions, plus binaries whose names differ from their sources.
    static func pools(_ advisories: [Advisory]) -> [EcosystemRelease: [[InstalledPackage]]] {
        var pools: [EcosystemRelease: [String: [InstalledPackage]]] = [:]
        func add(_ release: EcosystemRelease, _ package: InstalledPackage) {
            pools[release, default: [:]][package.name + "\u{0}" + package.sourceName, default: []].append(package)
        }
        for advisory in advisories.prefix(4000) {
            for affected in advisory.affected {
                guard [debian11, ubuntu2204].contains(affected.release), let fixed = affected.fixedVersion else {
                    continue
                }
                for delta in [-2, -1, 0, 1] {
                    let version = shifted(fixed, by: delta)
                    add(
                        affected.release,
                        InstalledPackage(
                            name: affected.name,
                            architecture: "amd64",
                            version: version,
                            sourceName: affected.name,
                            sourceVersion: version,
                            manager: .dpkg
                        )
                    )
                    add(
                        affected.release,
                        InstalledPackage(
                            name: "lib" + affected.name + "-bin",
                            architecture: "amd64",
                            version: "1:" + version + "+b1",
                            sourceName: affected.name,
                            sourceVersion: version,
                            manager: .dpkg
                        )
                    )
                    if delta == 0, affected.release == debian11 {
                        // A backport from Debian 12 installed on Debian 11.
                        add(
                            affected.release,
                            InstalledPackage(
                                name: affected.name + "-bpo",
                                architecture: "amd64",
                                version: version + "~bpo11+1",
                                sourceName: affected.name,
                                sourceVersion: version + "~bpo11+1",
                                manager: .dpkg
                            )
                        )
                    }
                }
                for binary in affected.binaries {
                    for delta in [-1, 0] {
                        let version = shifted(binary.version, by: delta)
                        add(
                            affected.release,
                            InstalledPackage(
                                name: binary.name,
                                architecture: "amd64",
                                version: version,
                                sourceName: affected.name,
                                sourceVersion: shifted(fixed, by: delta),
                                manager: .dpkg
                            )
                        )
                    }
                }
            }
        }
        for name in ["openssl-libs", "glibc", "kernel", "curl", "bash"] {
            for release in [1, 2, 3, 4] {
                add(
                    redHat9,
                    InstalledPackage(
                        name: name,
                        architecture: "x86_64",
                        version: "1.\(release)-\(release).el9",
                        sourceName: name == "openssl-libs" ? "openssl" : name,
                        manager: .rpm
                    )
                )
            }
        }
        var result: [EcosystemRelease: [[InstalledPackage]]] = [:]
        for (release, byName) in pools { result[release] = byName.keys.sorted().map { byName[$0]! } }
        return result
    }

    static func syntheticAdvisories() -> [Advisory] {
        let modified = Date(timeIntervalSince1970: 0)
        return [
            Advisory(
                id: "RHSA-2099:0001",
                aliases: ["CVE-2099-0001"],
                source: .rhsa,
                modified: modified,
                affected: [
                    AffectedPackage(
                        release: redHat9,
                        name: "openssl-libs",
                        nameKind: .binary,
                        status: .fixed,
                        fixedVersion: "1.3-3.el9"
                    ),
                    AffectedPackage(release: redHat9, name: "glibc", nameKind: .binary, status: .willNotFix),
                    AffectedPackage(release: redHat9, name: "kernel", nameKind: .binary, status: .notAffected),
                ]
            ),
            Advisory(
                id: "RHSA-2099:0002",
                source: .rhsa,
                modified: modified,
                affected: [
                    AffectedPackage(
                        release: redHat9,
                        name: "openssl",
                        nameKind: .source,
                        status: .fixed,
                        ranges: [VersionRangeEvents(introduced: ["1.2-2.el9"], fixed: ["1.4-4.el9"])]
                    ),
                    AffectedPackage(
                        release: redHat9,
                        name: "curl",
                        nameKind: .binary,
                        status: .affected,
                        versions: ["1.1-1.el9"]
                    ),
                ]
            ),
        ]
    }

    func fleet(
        _ pools: [EcosystemRelease: [[InstalledPackage]]],
        index: AdvisoryIndex,
        hosts: Int,
        random: inout Random
    ) -> (FleetCorrelator, [(EcosystemRelease, [InstalledPackage])]) {
        var engine = FleetCorrelator(index: index, concurrency: 2)
        var inventories: [(EcosystemRelease, [InstalledPackage])] = []
        let releases = pools.keys.sorted()
        for h in 0..<hosts {
            let release = releases[h % releases.count]
            let inventory = Self.inventory(pools[release]!, random: &random)
            inventories.append((release, inventory))
            _ = engine.addHost(release: release, packages: inventory)
        }
        return (engine, inventories)
    }

    static func inventory(_ pool: [[InstalledPackage]], random: inout Random) -> [InstalledPackage] {
        let lag = random.below(3)
        var packages: [InstalledPackage] = []
        for versions in pool where random.below(10) < 7 {
            packages.append(versions[min(versions.count - 1, lag + (random.below(8) == 0 ? 1 : 0))])
        }
        return packages
    }

    /// Findings in a total order, so equal multisets compare equal.
    static func canonical(_ findings: [Finding]) -> [Finding] {
        findings.sorted {
            ($0.key, $0.fixedVersion ?? "", $0.status.rawValue, $0.installedVersion)
                < ($1.key, $1.fixedVersion ?? "", $1.status.rawValue, $1.installedVersion)
        }
    }

    func expectSameAsPerHost(
        _ engine: FleetCorrelator,
        _ inventories: [(EcosystemRelease, [InstalledPackage])]
    ) -> Int {
        let builder = FindingBuilder(correlator: engine.correlator)
        var total = 0
        for (h, (release, packages)) in inventories.enumerated() {
            let expected = Self.canonical(builder.findings(packages: packages, release: release))
            let actual = Self.canonical(engine.findings(ofHost: Int32(h), builder: builder))
            #expect(actual == expected, "host \(h) (\(release))")
            total += expected.count
        }
        return total
    }

    @Test func fullCorrelationEqualsPerHostCorrelation() throws {
        let advisories = try Self.advisories() + Self.syntheticAdvisories()
        let pools = Self.pools(advisories)
        var random = Random(state: 1)
        var (engine, inventories) = fleet(
            pools,
            index: AdvisoryIndex(advisories: advisories),
            hosts: 90,
            random: &random
        )
        let summary = engine.correlateAll()
        #expect(summary.hosts == 90)
        #expect(summary.distinctPackages < summary.hostPackages)
        let total = expectSameAsPerHost(engine, inventories)
        #expect(total == summary.matches)
        #expect(total > 1000)
        // Every package's host list is the inverse of the inventories.
        for id in 0..<Int32(engine.catalog.count) {
            for host in engine.hosts(withPackage: id) {
                #expect(engine.packageIDs(ofHost: host).contains(id))
            }
        }
    }

    @Test func incrementalUpdatesEqualPerHostCorrelation() throws {
        let advisories = try Self.advisories() + Self.syntheticAdvisories()
        let pools = Self.pools(advisories)
        var random = Random(state: 7)
        var (engine, inventories) = fleet(
            pools,
            index: AdvisoryIndex(advisories: advisories),
            hosts: 60,
            random: &random
        )
        engine.correlateAll()
        // Inventory changes: fresh draws, some with versions the fleet has never seen.
        for h in stride(from: 0, to: 60, by: 3) {
            let (release, _) = inventories[h]
            var packages = Self.inventory(pools[release]!, random: &random)
            if !packages.isEmpty { packages[0].version = Self.shifted(packages[0].version, by: -5) }
            if packages.count > 1 { packages[1].sourceVersion = Self.shifted(packages[1].sourceVersion, by: -7) }
            let matches = engine.updateHost(Int32(h), release: release, packages: packages)
            inventories[h] = (release, packages)
            #expect(matches == engine.matches(ofHost: Int32(h)))
        }
        let added = engine.addHost(release: Self.debian11, packages: inventories[0].1.filter { _ in true })
        inventories.append((Self.debian11, inventories[0].1))
        #expect(added == 60)
        _ = expectSameAsPerHost(engine, inventories)

        // New advisories: clones of real ones and a backport-only one.
        let modified = Date(timeIntervalSince1970: 0)
        var clones: [Advisory] = []
        for (n, advisory) in advisories.enumerated() where n % 97 == 0 {
            var clone = advisory
            clone.id = "CLONE-\(n)"
            clone.affected = clone.affected.map { affected in
                var copy = affected
                if let fixed = copy.fixedVersion { copy.fixedVersion = Self.shifted(fixed, by: n % 3 - 1) }
                return copy
            }
            clones.append(clone)
        }
        for affected in advisories.first(where: { $0.affected.contains { $0.release == Self.debian11 } })!.affected
        where affected.release == Self.debian11 {
            clones.append(
                Advisory(
                    id: "BPO-1",
                    source: .dsa,
                    modified: modified,
                    affected: [
                        AffectedPackage(
                            release: Self.debian12,
                            name: affected.name,
                            nameKind: .source,
                            status: .fixed,
                            fixedVersion: "999:1"
                        )
                    ]
                )
            )
        }
        var withdrawn = clones[0]
        withdrawn.id = "WITHDRAWN-1"
        withdrawn.withdrawn = modified
        #expect(engine.apply(newAdvisory: withdrawn).advisory == nil)
        for clone in clones {
            let before = inventories.indices.map { engine.matches(ofHost: Int32($0)) }
            let impact = engine.apply(newAdvisory: clone)
            let after = inventories.indices.map { engine.matches(ofHost: Int32($0)) }
            let changed = inventories.indices.filter { before[$0] != after[$0] }.map { Int32($0) }
            #expect(impact.hosts == changed, "\(clone.id)")
            for host in impact.hosts {
                let new = impact.newMatches(onHost: host, in: engine)
                #expect(new == after[Int(host)].filter { $0.match.advisory == impact.advisory })
            }
        }
        _ = expectSameAsPerHost(engine, inventories)
    }
}
