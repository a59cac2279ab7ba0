import FleetModel

/// `GET /api/v1/hosts/{id}/packages`: one page of a host's installed packages.
public struct PackagePage: Codable, Sendable {
    public var packages: [InstalledPackage]
    public var total: Int
    public var limit: Int
    public var offset: Int

    public init(packages: [InstalledPackage], total: Int, limit: Int, offset: Int) {
        self.packages = packages
        self.total = total
        self.limit = limit
        self.offset = offset
    }
}
