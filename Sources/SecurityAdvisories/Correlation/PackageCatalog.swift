import FleetModel

/// Interns distinct (release, installed package) values as dense `Int32` ids.
///
/// Fleets are homogeneous: 100,000 hosts of three releases share a few tens of thousands of distinct
/// package versions. Interning lets a host be an array of 4-byte ids and lets correlation run once
/// per distinct value instead of once per host. Ids are assigned in insertion order, start at 0 and
/// are never reused, so they index plain arrays.
public struct PackageCatalog: Sendable {
    /// One interned value: a package as installed on a host of a release.
    public struct Entry: Sendable, Hashable {
        /// The release of the hosts that have the package.
        public var release: EcosystemRelease
        /// The package.
        public var package: InstalledPackage

        /// Creates an entry.
        public init(release: EcosystemRelease, package: InstalledPackage) {
            self.release = release
            self.package = package
        }
    }

    /// The interned values, indexed by id.
    public private(set) var entries: [Entry]
    private var ids: [Entry: Int32]

    /// Creates an empty catalog.
    public init() {
        entries = []
        ids = [:]
    }

    /// The number of distinct values.
    public var count: Int { entries.count }

    /// The value with id `id`.
    public subscript(id: Int32) -> Entry { entries[Int(id)] }

    /// The id of `package` on `release`, if interned.
    public func id(of package: InstalledPackage, release: EcosystemRelease) -> Int32? {
        ids[Entry(release: release, package: package)]
    }

    /// The id of `package` on `release`, interning it when new; `isNew` tells which.
    public mutating func intern(
        _ package: InstalledPackage,
        release: EcosystemRelease
    ) -> (id: Int32, isNew: Bool) {
        let entry = Entry(release: release, package: package)
        if let id = ids[entry] { return (id, false) }
        precondition(entries.count < Int(Int32.max), "PackageCatalog is full")
        let id = Int32(entries.count)
        entries.append(entry)
        ids[entry] = id
        return (id, true)
    }

    /// Reserves room for `count` distinct values.
    public mutating func reserveCapacity(_ count: Int) {
        entries.reserveCapacity(count)
        ids.reserveCapacity(count)
    }

    /// The advisory-index keys ``Correlator/matches(for:release:)`` looks up for `entry`.
    ///
    /// A new advisory can only change the matches of packages registered under one of its keys;
    /// this mirrors the correlator's choice of keys (source and binary names, the backport release
    /// for `~bpoN` Debian packages, rpm's source name only when it differs). Packages that never
    /// match (not installed, wrong package manager) get no keys.
    public static func lookupKeys(for entry: Entry) -> [AdvisoryIndex.Key] {
        let package = entry.package
        let release = entry.release
        guard package.state.countsAsInstalled, release.distribution.packageManager == package.manager else {
            return []
        }
        switch package.manager {
        case .dpkg:
            let effective = Correlator.backportRelease(version: package.version, host: release)
            return [
                .init(release: effective, kind: .source, name: package.sourceName),
                .init(release: effective, kind: .binary, name: package.name),
            ]
        case .rpm:
            var keys: [AdvisoryIndex.Key] = [.init(release: release, kind: .binary, name: package.name)]
            if package.sourceName != package.name {
                keys.append(.init(release: release, kind: .source, name: package.sourceName))
            }
            return keys
        case .apk:
            return [.init(release: release, kind: .source, name: package.sourceName)]
        }
    }
}
