import FleetModel

/// A predicate over a ``HostDescription``: the query half of a ``HostGroup``.
public indirect enum HostQuery: Sendable, Hashable {
    /// Every host.
    case all
    /// The OS id (`/etc/os-release` `ID`) equals the value, or `ID_LIKE` names it.
    case osID(String)
    /// `VERSION_ID` equals the value or starts with it followed by a dot (`9` matches `9.4`).
    case osVersion(String)
    /// The binary package is installed.
    case packageInstalled(String)
    /// The host has the tag.
    case tag(String)
    /// The label has this value.
    case label(key: String, value: String)
    /// Every sub-query holds.
    case allOf([HostQuery])
    /// At least one sub-query holds.
    case anyOf([HostQuery])
    /// The sub-query does not hold.
    case not(HostQuery)

    /// The package names the query tests: a host described with only these of its packages
    /// matches exactly as with all of them.
    public var referencedPackages: Set<String> {
        switch self {
        case .packageInstalled(let name): [name]
        case .allOf(let queries), .anyOf(let queries): queries.reduce(into: []) { $0.formUnion($1.referencedPackages) }
        case .not(let query): query.referencedPackages
        case .all, .osID, .osVersion, .tag, .label: []
        }
    }

    /// Whether the host satisfies the query.
    public func matches(_ host: HostDescription) -> Bool {
        switch self {
        case .all:
            return true
        case .osID(let id):
            return host.facts.os.id == id || host.facts.os.idLike.contains(id)
        case .osVersion(let version):
            let actual = host.facts.os.versionID
            return actual == version || actual.hasPrefix(version + ".")
        case .packageInstalled(let name):
            return host.packages.contains(name)
        case .tag(let tag):
            return host.tags.contains(tag)
        case .label(let key, let value):
            return host.labels[key] == value
        case .allOf(let queries):
            return queries.allSatisfy { $0.matches(host) }
        case .anyOf(let queries):
            return queries.contains { $0.matches(host) }
        case .not(let query):
            return !query.matches(host)
        }
    }
}
