import FleetModel

/// What the policy engine knows about one host when it evaluates groups, services and scopes.
public struct HostDescription: Sendable, Hashable {
    /// The host's id.
    public var id: String
    /// Its facts (OS release, architecture, kernel).
    public var facts: HostFacts
    /// Key/value labels (`role: db`, `site: fra1`).
    public var labels: [String: String]
    /// Free-form tags (`pci`, `internet-facing`).
    public var tags: Set<String>
    /// Names of installed binary packages.
    public var packages: Set<String>

    /// Creates a host description.
    public init(
        id: String,
        facts: HostFacts,
        labels: [String: String] = [:],
        tags: Set<String> = [],
        packages: Set<String> = []
    ) {
        self.id = id
        self.facts = facts
        self.labels = labels
        self.tags = tags
        self.packages = packages
    }

    /// Creates a description from installed packages (their binary names are kept).
    public init(
        id: String,
        facts: HostFacts,
        labels: [String: String] = [:],
        tags: Set<String> = [],
        installed: [InstalledPackage]
    ) {
        self.init(id: id, facts: facts, labels: labels, tags: tags, packages: Set(installed.map(\.name)))
    }
}
