/// The difference between two package lists of one host, keyed by ``PackageKey``.
public struct PackageSetDiff: Sendable, Hashable, Codable {
    /// Packages present only in the newer list.
    public var added: [InstalledPackage]
    /// Keys present only in the older list.
    public var removed: [PackageKey]
    /// Packages present in both whose version, source or state changed (the newer record).
    public var changed: [InstalledPackage]

    /// Creates a diff from its parts.
    public init(added: [InstalledPackage] = [], removed: [PackageKey] = [], changed: [InstalledPackage] = []) {
        self.added = added
        self.removed = removed
        self.changed = changed
    }

    /// Computes what turns `old` into `new`; the parts come out sorted by key.
    public init(from old: [InstalledPackage], to new: [InstalledPackage]) {
        var oldByKey: [PackageKey: InstalledPackage] = [:]
        oldByKey.reserveCapacity(old.count)
        for package in old { oldByKey[package.key] = package }
        var added: [InstalledPackage] = []
        var changed: [InstalledPackage] = []
        for package in new {
            if let previous = oldByKey.removeValue(forKey: package.key) {
                if previous != package { changed.append(package) }
            } else {
                added.append(package)
            }
        }
        self.added = added.sorted { $0.key < $1.key }
        self.changed = changed.sorted { $0.key < $1.key }
        self.removed = oldByKey.keys.sorted()
    }

    /// Whether nothing changed.
    public var isEmpty: Bool { added.isEmpty && removed.isEmpty && changed.isEmpty }

    /// Applies the diff to a package list, returning the new list sorted by key.
    public func applied(to packages: [InstalledPackage]) -> [InstalledPackage] {
        var byKey: [PackageKey: InstalledPackage] = [:]
        byKey.reserveCapacity(packages.count + added.count)
        for package in packages { byKey[package.key] = package }
        for key in removed { byKey[key] = nil }
        for package in added { byKey[package.key] = package }
        for package in changed { byKey[package.key] = package }
        return byKey.values.sorted { $0.key < $1.key }
    }
}
