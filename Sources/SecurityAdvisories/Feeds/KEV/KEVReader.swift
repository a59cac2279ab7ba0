import Foundation

/// The CISA Known Exploited Vulnerabilities catalogue as read from its JSON feed.
public struct KEVCatalog: Sendable, Hashable {
    /// The catalogue version (`2025.08.25`).
    public var catalogVersion: String
    /// When CISA released this version.
    public var dateReleased: Date
    /// The entries, in file order.
    public var entries: [KnownExploitedVulnerability]
    /// Entries skipped under ``InvalidRecordPolicy/skip``.
    public var skipped: [SecurityAdvisoriesError]

    /// Creates a catalogue.
    public init(
        catalogVersion: String,
        dateReleased: Date,
        entries: [KnownExploitedVulnerability],
        skipped: [SecurityAdvisoriesError] = []
    ) {
        self.catalogVersion = catalogVersion
        self.dateReleased = dateReleased
        self.entries = entries
        self.skipped = skipped
    }
}

/// Reads `known_exploited_vulnerabilities.json` (CISA KEV, schema draft-07, `cisagov/kev-data`).
///
/// `dateAdded` and `dueDate` are calendar dates and become UTC midnight. A missing
/// `knownRansomwareCampaignUse` (catalogues before October 2023 lacked it) reads as `Unknown`.
/// The catalogue's `count` is checked against the entries when nothing was skipped.
public struct KEVReader: Sendable {
    /// What to do with an entry that cannot be read.
    public var policy: InvalidRecordPolicy

    /// Creates a reader.
    public init(policy: InvalidRecordPolicy = .fail) {
        self.policy = policy
    }

    /// Reads a catalogue.
    ///
    /// - Parameters:
    ///   - data: the JSON file's bytes.
    ///   - source: the file name or URL, used in errors.
    public func read(_ data: Data, source: String) throws(SecurityAdvisoriesError) -> KEVCatalog {
        let root = JSONCursor(root: try JSONTree.parse(data, source: source), source: source)
        try root.requireObject()
        let catalogVersion = try root["catalogVersion"].string()
        let dateReleased = try root["dateReleased"].date()
        var skipped: [SecurityAdvisoriesError] = []
        var entries: [KnownExploitedVulnerability] = []
        let records = try root["vulnerabilities"].elements()
        entries.reserveCapacity(records.count)
        for record in records {
            let entry = try readRecord(policy: policy, skipped: &skipped) { () throws(SecurityAdvisoriesError) in
                try Self.entry(record)
            }
            if let entry { entries.append(entry) }
        }
        // `count` is any JSON number: compare it exactly (converting 1e30 or 2.5 to Int would trap).
        if skipped.isEmpty, let count = try root["count"].optionalNumber(), Int(exactly: count) != entries.count {
            let stated = Int(exactly: count).map(String.init) ?? "\(count)"
            throw root["count"].error(.invalidValue, "count says \(stated) entries, the file has \(entries.count)")
        }
        return KEVCatalog(
            catalogVersion: catalogVersion,
            dateReleased: dateReleased,
            entries: entries,
            skipped: skipped
        )
    }

    private static func entry(_ record: JSONCursor) throws(SecurityAdvisoriesError) -> KnownExploitedVulnerability {
        try record.requireObject()
        let idField = record["cveID"]
        let cveID = try idField.string()
        let cursor = record.inRecord(cveID)
        guard cveID.hasPrefix("CVE-") else {
            throw cursor["cveID"].error(.invalidValue, "'\(cveID)' is not a CVE id")
        }
        return KnownExploitedVulnerability(
            cveID: cveID,
            vendorProject: try cursor["vendorProject"].string(),
            product: try cursor["product"].string(),
            name: try cursor["vulnerabilityName"].string(),
            dateAdded: try cursor["dateAdded"].date(),
            dueDate: try cursor["dueDate"].date(),
            knownRansomwareCampaignUse: try cursor["knownRansomwareCampaignUse"].optionalString() ?? "Unknown",
            requiredAction: try cursor["requiredAction"].string()
        )
    }
}
