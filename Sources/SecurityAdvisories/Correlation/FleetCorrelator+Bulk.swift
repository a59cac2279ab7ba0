import Dispatch
import FleetModel

extension FleetCorrelator {
    /// Correlates every distinct package not correlated yet, then builds each host's results and the
    /// package → hosts index, on ``concurrency`` threads.
    ///
    /// Afterwards ``matches(ofHost:)`` answers for every host and changes are applied incrementally.
    @discardableResult
    public mutating func correlateAll() -> Summary {
        let newlyCorrelated = catalog.count - packageMatches.count
        correlatePending(parallel: true)
        let totals = buildHostResults()
        buildPackageHosts(counts: totals.packageCounts)
        isCorrelated = true
        return Summary(
            hosts: hostPackages.count,
            hostPackages: totals.hostPackages,
            distinctPackages: catalog.count,
            correlatedPackages: newlyCorrelated,
            vulnerablePackages: matchCounts.lazy.filter { $0 > 0 }.count,
            affectedHosts: totals.affectedHosts,
            matches: totals.matches,
            fixableMatches: totals.fixable
        )
    }

    /// Registers the lookup keys of packages interned since the last call.
    mutating func registerPendingKeys() {
        while keyedCount < catalog.count {
            let id = Int32(keyedCount)
            for key in PackageCatalog.lookupKeys(for: catalog[id]) { keyIndex[key, default: []].append(id) }
            keyedCount += 1
        }
    }

    /// Correlates the distinct packages interned since the last call.
    mutating func correlatePending(parallel: Bool) {
        registerPendingKeys()
        let start = packageMatches.count
        let count = catalog.count - start
        guard count > 0 else { return }
        let correlator = self.correlator
        let entries = catalog.entries
        var results = [[PackageMatch]](repeating: [], count: count)
        results.withUnsafeMutableBufferPointer { buffer in
            let out = Shared(buffer)
            Self.parallelFor(count: count, threads: parallel ? concurrency : 1) { range in
                for i in range {
                    let entry = entries[start + i]
                    out.value[i] = correlator.matches(for: entry.package, release: entry.release)
                }
            }
        }
        packageMatches.append(contentsOf: results)
        for matches in results {
            matchCounts.append(Int32(matches.count))
            fixableCounts.append(Int32(matches.count(where: { $0.status.isFixable && $0.fixedVersion != nil })))
        }
        if isCorrelated { packageHosts.append(contentsOf: repeatElement([], count: count)) }
    }

    struct Totals {
        var hostPackages = 0
        var affectedHosts = 0
        var matches = 0
        var fixable = 0
        var packageCounts: [Int32] = []
    }

    /// Fans package results out to hosts (each host's vulnerable packages and the fleet totals) and
    /// counts each package's hosts.
    private mutating func buildHostResults() -> Totals {
        let hosts = hostPackages
        let distinct = catalog.count
        let chunks = Self.chunkCount(hosts.count, threads: concurrency)
        var vulnerable = [[Int32]](repeating: [], count: hosts.count)
        var partials = [Totals](repeating: Totals(), count: chunks)
        matchCounts.withUnsafeBufferPointer { matchBuffer in
            fixableCounts.withUnsafeBufferPointer { fixableBuffer in
                vulnerable.withUnsafeMutableBufferPointer { vulnerableBuffer in
                    partials.withUnsafeMutableBufferPointer { partialBuffer in
                        let counts = Shared(matchBuffer)
                        let fixable = Shared(fixableBuffer)
                        let out = Shared(vulnerableBuffer)
                        let totals = Shared(partialBuffer)
                        Self.parallelChunks(count: hosts.count, chunks: chunks, threads: concurrency) { chunk, range in
                            var total = Totals()
                            total.packageCounts = [Int32](repeating: 0, count: distinct)
                            total.packageCounts.withUnsafeMutableBufferPointer { perPackage in
                                for h in range {
                                    var list: [Int32] = []
                                    hosts[h].withUnsafeBufferPointer { ids in
                                        total.hostPackages += ids.count
                                        for id in ids {
                                            let p = Int(id)
                                            perPackage[p] &+= 1
                                            let n = counts.value[p]
                                            if n > 0 {
                                                list.append(id)
                                                total.matches += Int(n)
                                                total.fixable += Int(fixable.value[p])
                                            }
                                        }
                                    }
                                    if !list.isEmpty { total.affectedHosts += 1 }
                                    out.value[h] = list
                                }
                            }
                            totals.value[chunk] = total
                        }
                    }
                }
            }
        }
        hostVulnerable = vulnerable
        var sum = Totals()
        sum.packageCounts = [Int32](repeating: 0, count: distinct)
        for part in partials {
            sum.hostPackages += part.hostPackages
            sum.affectedHosts += part.affectedHosts
            sum.matches += part.matches
            sum.fixable += part.fixable
            for p in 0..<distinct { sum.packageCounts[p] &+= part.packageCounts[p] }
        }
        return sum
    }

    /// Builds package → hosts lists of exact capacity. Threads split the package ids into ranges of
    /// about equal host counts; since host lists are sorted, each thread binary-searches its range in
    /// each host and touches only its share of the entries.
    private mutating func buildPackageHosts(counts: [Int32]) {
        let hosts = hostPackages
        var lists = counts.map { count -> [Int32] in
            var list: [Int32] = []
            list.reserveCapacity(Int(count))
            return list
        }
        let total = counts.reduce(0) { $0 + Int($1) }
        let chunks = Self.chunkCount(counts.count, threads: concurrency)
        // Package-id boundaries with about total/chunks entries each.
        var bounds: [Int32] = [0]
        var running = 0
        for (p, count) in counts.enumerated() {
            running += Int(count)
            if running * chunks >= total * bounds.count, bounds.count < chunks { bounds.append(Int32(p + 1)) }
        }
        while bounds.count <= chunks { bounds.append(Int32(counts.count)) }
        bounds[chunks] = Int32(counts.count)
        lists.withUnsafeMutableBufferPointer { buffer in
            let out = Shared(buffer)
            Self.parallelChunks(count: chunks, chunks: chunks, threads: concurrency) { chunk, _ in
                let lower = bounds[chunk]
                let upper = bounds[chunk + 1]
                guard lower < upper else { return }
                for h in hosts.indices {
                    hosts[h].withUnsafeBufferPointer { ids in
                        var i = Self.lowerBound(lower, in: ids)
                        while i < ids.count, ids[i] < upper {
                            out.value[Int(ids[i])].append(Int32(h))
                            i += 1
                        }
                    }
                }
            }
        }
        packageHosts = lists
    }

    static func lowerBound(_ value: Int32, in ids: UnsafeBufferPointer<Int32>) -> Int {
        var low = 0
        var high = ids.count
        while low < high {
            let mid = (low + high) / 2
            if ids[mid] < value { low = mid + 1 } else { high = mid }
        }
        return low
    }

    static func chunkCount(_ count: Int, threads: Int) -> Int {
        threads <= 1 ? 1 : max(1, min(count, threads * 8))
    }

    /// Runs `body` over `0..<count` split into ranges, on up to `threads` threads.
    static func parallelFor(count: Int, threads: Int, _ body: (Range<Int>) -> Void) {
        parallelChunks(count: count, chunks: chunkCount(count, threads: threads), threads: threads) { _, range in
            body(range)
        }
    }

    /// Runs `body(chunk, range)` for `chunks` consecutive ranges covering `0..<count`.
    static func parallelChunks(count: Int, chunks: Int, threads: Int, _ body: (Int, Range<Int>) -> Void) {
        if threads <= 1 || chunks <= 1 {
            for chunk in 0..<chunks { body(chunk, (count * chunk / chunks)..<(count * (chunk + 1) / chunks)) }
            return
        }
        withoutActuallyEscaping(body) { body in
            let work = Shared(body)
            DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                work.value(chunk, (count * chunk / chunks)..<(count * (chunk + 1) / chunks))
            }
        }
    }
}

/// Hands a buffer or closure to worker threads that touch disjoint parts of it.
struct Shared<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
