import FleetModel
import Foundation

/// Correlates a whole fleet against an advisory index, once per distinct package, and keeps the
/// result up to date as inventories change and advisories arrive.
///
/// Fleets are homogeneous: 100,000 hosts of a few releases carry a few tens of thousands of distinct
/// (release, package version) values. The engine interns those values in a ``PackageCatalog``,
/// stores each host as a sorted array of `Int32` ids, runs ``Correlator/matches(for:release:)`` once
/// per distinct value, and fans the result out to hosts with array lookups. The results are exactly
/// what per-host correlation (``FindingBuilder``) gives.
///
/// Use it in two phases:
/// 1. Load: ``addHost(release:packages:)`` (or ``intern(_:release:)`` and ``addHost(packageIDs:)``)
///    for every host, then ``correlateAll()``, which correlates every distinct package and builds the
///    per-host results and the package → hosts index, using ``concurrency`` threads.
/// 2. Keep current: ``updateHost(_:release:packages:)`` correlates only package versions the fleet
///    has not seen; ``apply(newAdvisory:)`` re-correlates only the packages the advisory names and
///    returns the hosts whose results changed.
///
/// The engine is a value with no I/O. Memory is about 4 bytes per host package for the inventories
/// plus 4 bytes per host package for the package → hosts index.
public struct FleetCorrelator: Sendable {
    /// One advisory match on one of a host's packages.
    public struct HostMatch: Sendable, Hashable {
        /// The package's id in ``FleetCorrelator/catalog``.
        public var package: Int32
        /// The match.
        public var match: PackageMatch

        /// Creates a host match.
        public init(package: Int32, match: PackageMatch) {
            self.package = package
            self.match = match
        }
    }

    /// Counts from a full correlation.
    public struct Summary: Sendable, Hashable {
        /// Hosts in the fleet.
        public var hosts: Int
        /// Packages over all hosts.
        public var hostPackages: Int
        /// Distinct (release, package) values.
        public var distinctPackages: Int
        /// Distinct values correlated by this call (the others were correlated before).
        public var correlatedPackages: Int
        /// Distinct values with at least one match.
        public var vulnerablePackages: Int
        /// Hosts with at least one match.
        public var affectedHosts: Int
        /// Matches over all hosts (one per host, package and advisory: the number of findings).
        public var matches: Int
        /// Of ``matches``, those with a fixed version.
        public var fixableMatches: Int
    }

    /// The advisories.
    public internal(set) var index: AdvisoryIndex
    /// The distinct packages.
    public private(set) var catalog: PackageCatalog
    /// Threads used by ``correlateAll()`` (default: the active processor count).
    public var concurrency: Int
    /// Whether ``correlateAll()`` has run; from then on every change keeps all results current.
    public internal(set) var isCorrelated: Bool

    /// Matches per distinct package; ids at or above its count are not correlated yet.
    var packageMatches: [[PackageMatch]]
    /// Match count per correlated distinct package.
    var matchCounts: [Int32]
    /// Fixable match count per correlated distinct package.
    var fixableCounts: [Int32]
    /// Advisory-index key → distinct packages that look it up (for ids below `keyedCount`).
    var keyIndex: [AdvisoryIndex.Key: [Int32]]
    var keyedCount: Int
    /// Each host's distinct packages, sorted ascending.
    var hostPackages: [[Int32]]
    /// Each host's packages with at least one match, sorted ascending (valid when correlated).
    var hostVulnerable: [[Int32]]
    /// Distinct package → hosts that have it, in no particular order (valid when correlated).
    var packageHosts: [[Int32]]

    /// Creates an engine with no hosts.
    public init(index: AdvisoryIndex, concurrency: Int = ProcessInfo.processInfo.activeProcessorCount) {
        self.index = index
        self.catalog = PackageCatalog()
        self.concurrency = max(1, concurrency)
        self.isCorrelated = false
        self.packageMatches = []
        self.matchCounts = []
        self.fixableCounts = []
        self.keyIndex = [:]
        self.keyedCount = 0
        self.hostPackages = []
        self.hostVulnerable = []
        self.packageHosts = []
    }

    /// A correlator over the current index.
    public var correlator: Correlator { Correlator(index: index) }

    /// The number of hosts (host ids are `0..<hostCount`).
    public var hostCount: Int { hostPackages.count }

    // MARK: - Loading

    /// Interns a package of a host running `release` and returns its id.
    public mutating func intern(_ package: InstalledPackage, release: EcosystemRelease) -> Int32 {
        catalog.intern(package, release: release).id
    }

    /// Reserves room for `hosts` hosts and `distinctPackages` distinct packages.
    public mutating func reserveCapacity(hosts: Int, distinctPackages: Int) {
        hostPackages.reserveCapacity(hosts)
        catalog.reserveCapacity(distinctPackages)
    }

    /// Adds a host running `release` and returns its id.
    public mutating func addHost(release: EcosystemRelease, packages: [InstalledPackage]) -> Int32 {
        addHost(packageIDs: packages.map { intern($0, release: release) })
    }

    /// Adds a host given the catalog ids of its packages and returns its id.
    ///
    /// Before ``correlateAll()`` this only stores the ids; afterwards the host is correlated at once.
    public mutating func addHost(packageIDs: [Int32]) -> Int32 {
        precondition(hostPackages.count < Int(Int32.max), "FleetCorrelator is full")
        let host = Int32(hostPackages.count)
        hostPackages.append([])
        if isCorrelated { hostVulnerable.append([]) }
        _ = updateHost(host, packageIDs: packageIDs)
        return host
    }

    // MARK: - Incremental updates

    /// Replaces a host's inventory and returns its matches.
    ///
    /// Only package versions the fleet has not seen before are correlated; the others are looked up.
    public mutating func updateHost(
        _ host: Int32,
        release: EcosystemRelease,
        packages: [InstalledPackage]
    ) -> [HostMatch] {
        updateHost(host, packageIDs: packages.map { intern($0, release: release) })
    }

    /// Replaces a host's inventory, given catalog ids, and returns its matches.
    @discardableResult
    public mutating func updateHost(_ host: Int32, packageIDs: [Int32]) -> [HostMatch] {
        let h = Int(host)
        let new = Self.sortedUnique(packageIDs)
        guard isCorrelated else {
            hostPackages[h] = new
            return []
        }
        correlatePending(parallel: false)
        let old = hostPackages[h]
        var i = 0
        var j = 0
        while i < old.count || j < new.count {
            if j == new.count || (i < old.count && old[i] < new[j]) {
                removeHost(host, fromPackage: old[i])
                i += 1
            } else if i == old.count || new[j] < old[i] {
                packageHosts[Int(new[j])].append(host)
                j += 1
            } else {
                i += 1
                j += 1
            }
        }
        hostPackages[h] = new
        hostVulnerable[h] = new.filter { matchCounts[Int($0)] > 0 }
        return matches(ofHost: host)
    }

    private mutating func removeHost(_ host: Int32, fromPackage package: Int32) {
        let p = Int(package)
        guard let position = packageHosts[p].firstIndex(of: host) else { return }
        packageHosts[p].swapAt(position, packageHosts[p].count - 1)
        packageHosts[p].removeLast()
    }

    // MARK: - Queries

    /// A host's package ids, sorted.
    public func packageIDs(ofHost host: Int32) -> [Int32] { hostPackages[Int(host)] }

    /// A host's packages (as interned), in id order.
    public func packages(ofHost host: Int32) -> [InstalledPackage] {
        hostPackages[Int(host)].map { catalog[$0].package }
    }

    /// A host's packages that have at least one match, sorted by id (empty before ``correlateAll()``).
    public func vulnerablePackages(ofHost host: Int32) -> [Int32] {
        isCorrelated ? hostVulnerable[Int(host)] : []
    }

    /// A host's matches, by package id then in correlator order (empty before ``correlateAll()``).
    public func matches(ofHost host: Int32) -> [HostMatch] {
        guard isCorrelated else { return [] }
        var result: [HostMatch] = []
        for package in hostVulnerable[Int(host)] {
            for match in packageMatches[Int(package)] { result.append(HostMatch(package: package, match: match)) }
        }
        return result
    }

    /// The matches of a distinct package (empty when it is not correlated yet).
    public func matches(ofPackage package: Int32) -> [PackageMatch] {
        Int(package) < packageMatches.count ? packageMatches[Int(package)] : []
    }

    /// The hosts that have a distinct package, in no particular order (empty before ``correlateAll()``).
    public func hosts(withPackage package: Int32) -> [Int32] {
        isCorrelated && Int(package) < packageHosts.count ? packageHosts[Int(package)] : []
    }

    /// A host's findings, built from its matches as ``FindingBuilder/findings(packages:release:)``
    /// would (same values, same order).
    public func findings(ofHost host: Int32, builder: FindingBuilder) -> [Finding] {
        matches(ofHost: host).map { builder.finding(package: catalog[$0.package].package, match: $0.match) }
            .sorted { $0.key < $1.key }
    }

    static func sortedUnique(_ ids: [Int32]) -> [Int32] {
        var sorted = ids
        sorted.sort()
        var write = 0
        for read in sorted.indices where read == 0 || sorted[read] != sorted[read - 1] {
            sorted[write] = sorted[read]
            write += 1
        }
        sorted.removeLast(sorted.count - write)
        return sorted
    }
}
