import Foundation

/// Where the next page of a host list starts (keyset paging): the sort values and the id of the
/// last host of the page before. Pages that follow one another by cursor never skip or repeat a
/// host that stays put, and a deep page costs what the first one does (no rows skipped by OFFSET).
public struct HostCursor: Sendable, Hashable {
    /// The sort the cursor continues.
    public var sort: HostQuery.SortKey
    /// Whether that sort descends.
    public var descending: Bool
    /// The last host's sort values, as text (one per sort column; numbers in decimal).
    public var values: [String]
    /// The last host's id.
    public var id: String

    /// Creates a cursor.
    public init(sort: HostQuery.SortKey, descending: Bool, values: [String], id: String) {
        self.sort = sort
        self.descending = descending
        self.values = values
        self.id = id
    }

    /// The sort columns of a sort key, and whether they hold integers.
    static func columns(_ sort: HostQuery.SortKey) -> [(name: String, integer: Bool)] {
        switch sort {
        case .hostname: [("hostname", false)]
        case .os: [("os_id", false), ("os_version_id", false)]
        case .lastSeen: [("last_seen", true)]
        case .packages: [("package_count", true)]
        case .kernel: [("kernel_running", false)]
        }
    }

    /// The cursor as an opaque token for an API (URL-safe).
    public var token: String {
        PageCursor.token([sort.rawValue, descending ? "desc" : "asc"] + values + [id])
    }

    /// The cursor a token stands for; `nil` when it is not one (malformed, too long, a number out
    /// of range, the wrong number of values).
    public init?(token: String) {
        guard let fields = PageCursor.fields(token), fields.count >= 4,
            let sort = HostQuery.SortKey(rawValue: fields[0]), fields[1] == "asc" || fields[1] == "desc"
        else { return nil }
        let columns = Self.columns(sort)
        guard fields.count == columns.count + 3 else { return nil }
        let values = Array(fields[2..<(2 + columns.count)])
        for (value, column) in zip(values, columns) where column.integer {
            guard Int64(value) != nil else { return nil }
        }
        self.init(sort: sort, descending: fields[1] == "desc", values: values, id: fields[fields.count - 1])
    }
}
