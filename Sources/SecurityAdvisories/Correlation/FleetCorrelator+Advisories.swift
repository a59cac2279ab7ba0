import FleetModel

extension FleetCorrelator {
    /// What applying one advisory changed.
    public struct AdvisoryImpact: Sendable {
        /// One distinct package whose matches changed.
        public struct Package: Sendable {
            /// The package's id in ``FleetCorrelator/catalog``.
            public var package: Int32
            /// Its matches now (all advisories, in correlator order).
            public var matches: [PackageMatch]
            /// The hosts that have it, in no particular order.
            public var hosts: [Int32]
        }

        /// The advisory's index in ``FleetCorrelator/index``; `nil` when it was not added (withdrawn).
        public var advisory: Int32?
        /// The distinct packages whose matches changed.
        public var packages: [Package]
        /// Every host with a changed package, sorted.
        public var hosts: [Int32]

        /// The matches of the new advisory on `host`, one per affected package of that host.
        public func newMatches(onHost host: Int32, in fleet: FleetCorrelator) -> [HostMatch] {
            guard let advisory else { return [] }
            var result: [HostMatch] = []
            for package in packages where fleet.packageIDs(ofHost: host).binarySearchContains(package.package) {
                for match in package.matches where match.advisory == advisory {
                    result.append(HostMatch(package: package.package, match: match))
                }
            }
            return result
        }
    }

    /// Adds a new advisory and re-correlates only the distinct packages it names.
    ///
    /// The packages are found through the keys they look up in the index (release, source or binary
    /// name), so the cost grows with the number of distinct versions of the named packages, not with
    /// the fleet. A withdrawn advisory changes nothing. An advisory that replaces one already in the
    /// index needs a new engine (the index does not replace entries).
    public mutating func apply(newAdvisory advisory: Advisory) -> AdvisoryImpact {
        let before = index.advisories.count
        index.insert(advisory)
        guard index.advisories.count > before else { return AdvisoryImpact(advisory: nil, packages: [], hosts: []) }
        registerPendingKeys()
        var candidates: [Int32] = []
        for affected in advisory.affected {
            let key = AdvisoryIndex.Key(release: affected.release, kind: affected.nameKind, name: affected.name)
            candidates += keyIndex[key] ?? []
        }
        candidates = Self.sortedUnique(candidates)
        let correlator = self.correlator
        var changed: [AdvisoryImpact.Package] = []
        for id in candidates where Int(id) < packageMatches.count {
            let p = Int(id)
            let entry = catalog[id]
            let matches = correlator.matches(for: entry.package, release: entry.release)
            guard matches != packageMatches[p] else { continue }
            let wasVulnerable = matchCounts[p] > 0
            packageMatches[p] = matches
            matchCounts[p] = Int32(matches.count)
            fixableCounts[p] = Int32(matches.count(where: { $0.status.isFixable && $0.fixedVersion != nil }))
            if isCorrelated, wasVulnerable != !matches.isEmpty {
                for host in packageHosts[p] { setVulnerable(id, onHost: host, !matches.isEmpty) }
            }
            changed.append(.init(package: id, matches: matches, hosts: hosts(withPackage: id)))
        }
        return AdvisoryImpact(advisory: Int32(before), packages: changed, hosts: Self.union(changed, hostCount))
    }

    private mutating func setVulnerable(_ package: Int32, onHost host: Int32, _ vulnerable: Bool) {
        let h = Int(host)
        let position = hostVulnerable[h].lowerBound(of: package)
        let present = position < hostVulnerable[h].count && hostVulnerable[h][position] == package
        if vulnerable, !present { hostVulnerable[h].insert(package, at: position) }
        if !vulnerable, present { hostVulnerable[h].remove(at: position) }
    }

    private static func union(_ packages: [AdvisoryImpact.Package], _ hostCount: Int) -> [Int32] {
        if packages.count == 1 { return packages[0].hosts.sorted() }
        var seen = [Bool](repeating: false, count: hostCount)
        var result: [Int32] = []
        for package in packages {
            for host in package.hosts where !seen[Int(host)] {
                seen[Int(host)] = true
                result.append(host)
            }
        }
        return result.sorted()
    }
}

extension Array where Element == Int32 {
    /// The first index whose element is not less than `value` (the array is sorted).
    func lowerBound(of value: Int32) -> Int {
        var low = 0
        var high = count
        while low < high {
            let mid = (low + high) / 2
            if self[mid] < value { low = mid + 1 } else { high = mid }
        }
        return low
    }

    /// Whether the sorted array contains `value`.
    func binarySearchContains(_ value: Int32) -> Bool {
        let position = lowerBound(of: value)
        return position < count && self[position] == value
    }
}
