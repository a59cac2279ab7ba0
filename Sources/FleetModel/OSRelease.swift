/// The identification of an operating system, as `/etc/os-release` gives it.
public struct OSRelease: Sendable, Hashable, Codable {
    /// `ID`, e.g. `debian`, `ubuntu`, `rhel`, `rocky`, `alpine`.
    public var id: String
    /// `VERSION_ID`, e.g. `12`, `22.04`, `9.4`.
    public var versionID: String
    /// `VERSION_CODENAME`, e.g. `bookworm`, `jammy` (empty when absent).
    public var versionCodename: String
    /// `PRETTY_NAME`.
    public var prettyName: String
    /// `ID_LIKE`, split on spaces.
    public var idLike: [String]

    /// Creates an OS release record.
    public init(
        id: String,
        versionID: String,
        versionCodename: String = "",
        prettyName: String = "",
        idLike: [String] = []
    ) {
        self.id = id
        self.versionID = versionID
        self.versionCodename = versionCodename
        self.prettyName = prettyName.isEmpty ? "\(id) \(versionID)" : prettyName
        self.idLike = idLike
    }
}
