import Foundation

/// One change to a host's installed packages, as the server recorded it.
public struct PackageChangeView: Codable, Sendable {
    /// What happened to the package.
    public enum Kind: String, Codable, Sendable {
        case added, removed, changed
    }

    public var hostID: String
    /// When the server recorded it.
    public var at: Date
    public var kind: Kind
    /// The binary package.
    public var name: String
    public var architecture: String
    /// The version before (absent when added).
    public var oldVersion: String?
    /// The version after (absent when removed).
    public var newVersion: String?
    /// The package manager's state before.
    public var oldState: String?
    /// The package manager's state after.
    public var newState: String?

    public init(
        hostID: String,
        at: Date,
        kind: Kind,
        name: String,
        architecture: String,
        oldVersion: String?,
        newVersion: String?,
        oldState: String?,
        newState: String?
    ) {
        self.hostID = hostID
        self.at = at
        self.kind = kind
        self.name = name
        self.architecture = architecture
        self.oldVersion = oldVersion
        self.newVersion = newVersion
        self.oldState = oldState
        self.newState = newState
    }
}

/// `GET /api/v1/hosts/{id}/inventory-history`: one page of a host's package changes, newest first.
public struct InventoryHistory: Codable, Sendable {
    public var changes: [PackageChangeView]
    /// The host's package changes in all.
    public var total: Int
    public var limit: Int
    public var offset: Int

    public init(changes: [PackageChangeView], total: Int, limit: Int, offset: Int) {
        self.changes = changes
        self.total = total
        self.limit = limit
        self.offset = offset
    }
}
