/// One advisory that applies to one installed package version.
public struct PackageMatch: Sendable, Hashable {
    /// Index of the advisory in the ``AdvisoryIndex``.
    public var advisory: Int32
    /// Index of the affected entry within that advisory.
    public var affectedEntry: Int32
    /// The status the advisory gives (never ``AffectedStatus/notAffected``).
    public var status: AffectedStatus
    /// The version that fixes it (for this package: the binary's own fixed version when the
    /// advisory lists binaries, else the entry's fixed version), if a fix exists.
    public var fixedVersion: String?

    /// Creates a match.
    public init(advisory: Int32, affectedEntry: Int32, status: AffectedStatus, fixedVersion: String?) {
        self.advisory = advisory
        self.affectedEntry = affectedEntry
        self.status = status
        self.fixedVersion = fixedVersion
    }
}
