import FleetModel
import Foundation
import SecurityAdvisories

/// Clones real advisory records onto the real package names of the fleet's releases.
///
/// Each clone keeps its template's aliases, severity, CVSS vectors and texts. ``fleetShare`` percent
/// get affected entries on the fleet's package names for Debian 12 (source names), Ubuntu 22.04 (source names; a quarter list their binaries
/// with binary fixed versions, as USNs do) or Red Hat 9 (binary names), with fixed versions around the
/// versions the fleet runs (some newer than every host, some only newer than lagging hosts), and the
/// statuses real feeds use; the others keep their template's real package names and versions,
/// retargeted to one of the three releases.
struct AdvisorySynthesizer {
    var templates: [Advisory]
    var pools: [Pool]
    var random: Random
    /// Percentage of clones put on the fleet's own package names.
    var fleetShare = 20

    mutating func make(id: String, power: Double = 1.5) -> Advisory {
        var advisory = templates[random.below(templates.count)]
        advisory.id = id
        advisory.withdrawn = nil
        let roll = random.below(100)
        let pool = roll < 38 ? pools[0] : roll < 70 ? pools[1] : pools[2]
        let entries = random.below(10) < 7 ? 1 : 2 + random.below(2)
        var affected: [AffectedPackage] = []
        var seen: Set<String> = []
        // Most clones keep their template's real package names (real feeds cover the whole archive,
        // and a host has only a few percent of it), retargeted to the chosen release.
        if random.below(100) >= fleetShare {
            advisory.affected = advisory.affected.prefix(entries).map { template in
                var entry = template
                entry.release = pool.release
                entry.nameKind = pool.release.distribution == .redHat ? .binary : .source
                entry.binaries = []
                return entry
            }
            return advisory
        }
        for _ in 0..<entries {
            let slot = pool.popularity[random.skewed(pool.popularity.count, power: power)]
            let package = pool.slots[slot][0]
            let rpm = package.manager == .rpm
            let name = rpm ? package.name : package.sourceName
            guard seen.insert(name).inserted else { continue }
            let base = rpm ? package.version : package.sourceVersion
            let delta = [1, 0, 0, 0, -1, -1, -1, -2, -2, -3][random.below(10)]
            let fixed = Versions.shifted(base, by: delta, rpm: rpm) ?? base
            var entry = AffectedPackage(
                release: pool.release,
                name: name,
                nameKind: rpm ? .binary : .source,
                status: .fixed,
                fixedVersion: fixed
            )
            switch random.below(100) {
            case 0..<4:
                entry.status = .notAffected
                entry.fixedVersion = nil
            case 4..<8:
                entry.status = .willNotFix
                entry.fixedVersion = nil
            case 8..<11:
                entry.status = .affected
                entry.fixedVersion = nil
            case 11..<12:
                entry.status = .underInvestigation
                entry.fixedVersion = nil
            case 12..<14:
                entry.fixedVersion = nil
                entry.ranges = [VersionRangeEvents(introduced: ["0"], fixed: [fixed])]
            default:
                break
            }
            if !rpm, pool.release.distribution == .ubuntu, entry.status == .fixed, entry.fixedVersion != nil,
                random.below(4) == 0
            {
                entry.binaries = (pool.bySource[name] ?? []).compactMap { binarySlot in
                    let binary = pool.slots[binarySlot][0]
                    return Versions.shifted(binary.version, by: delta, rpm: false).map {
                        BinaryFix(name: binary.name, version: $0)
                    }
                }
            }
            affected.append(entry)
        }
        advisory.affected = affected
        return advisory
    }
}
