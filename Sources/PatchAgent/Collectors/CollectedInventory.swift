import FleetModel

/// What one run of the ``InventoryCollector`` found on a host.
public struct CollectedInventory: Sendable {
    /// The host's facts: OS, identifiers, kernel and reboot state.
    public var facts: HostFacts
    /// Every package the dpkg and rpm databases record, in database order.
    public var packages: [InstalledPackage]

    /// Creates an inventory.
    public init(facts: HostFacts, packages: [InstalledPackage]) {
        self.facts = facts
        self.packages = packages
    }
}
