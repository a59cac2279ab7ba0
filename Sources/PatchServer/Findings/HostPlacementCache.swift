import FleetModel
import Foundation
import PatchPolicy
import PatchStore
import Synchronization

/// Where each host sits in the policy's groups, kept between fleet-wide reports: a host's facts,
/// labels and tags are decoded again only when their stored text changed, and its groups are
/// evaluated again only when that, its policy-relevant packages or the policy changed.
final class HostPlacementCache: Sendable {
    /// Where a host sits for a report.
    struct Placed: Sendable, Hashable {
        var groups: [HostGroup]
        var groupNames: Set<String>
        var tier: String?
    }

    struct Entry: Sendable {
        var descriptionKey: Int
        var description: HostDescription
        var policy: Int64
        var placed: Placed
    }

    private let entries = Mutex<[Int64: Entry]>([:])

    /// The description key each cached host was decoded with.
    func keys() -> [Int64: Int] { entries.withLock { $0.mapValues(\.descriptionKey) } }

    /// Every host's placement under `document` (policy version `policy`), refreshing what changed:
    /// `fleet` carries a record for each host whose description key differs from the cached one.
    /// Hosts no longer in the fleet are forgotten. `missing` lists the hosts that came without a
    /// record and are not cached (a concurrent report replaced the cache meanwhile): ask again,
    /// fetching with the new `keys()`.
    func placements(
        fleet: [FleetHost],
        packages installed: [String: Set<String>],
        document: PolicyDocument,
        policy: Int64
    ) -> (placed: [Int64: Placed], missing: Set<Int64>) {
        entries.withLock { cache in
            var missing: Set<Int64> = []
            var result: [Int64: Placed] = [:]
            result.reserveCapacity(fleet.count)
            var kept: [Int64: Entry] = [:]
            kept.reserveCapacity(fleet.count)
            for host in fleet {
                let packages = installed[host.id] ?? []
                var entry: Entry
                if let record = host.record {
                    entry = Entry(
                        descriptionKey: host.descriptionKey,
                        description: HostDescription(
                            id: record.id,
                            facts: record.facts,
                            labels: record.labels,
                            tags: Set(record.tags),
                            packages: packages
                        ),
                        policy: policy,
                        placed: Placed(groups: [], groupNames: [], tier: nil)
                    )
                    entry.placed = Self.place(entry.description, document)
                } else if var cached = cache[host.number], cached.descriptionKey == host.descriptionKey {
                    if cached.policy != policy || cached.description.packages != packages {
                        cached.description.packages = packages
                        cached.policy = policy
                        cached.placed = Self.place(cached.description, document)
                    }
                    entry = cached
                } else {
                    missing.insert(host.number)
                    continue
                }
                kept[host.number] = entry
                result[host.number] = entry.placed
            }
            cache = kept
            return (result, missing)
        }
    }

    static func place(_ description: HostDescription, _ document: PolicyDocument) -> Placed {
        let groups = document.groups(of: description)
        return Placed(groups: groups, groupNames: Set(groups.map(\.name)), tier: groups.compactMap(\.tier).first)
    }
}
