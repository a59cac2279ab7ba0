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
        let fields = [sort.rawValue, descending ? "desc" : "asc"] + values + [id]
        let data = (try? JSONEncoder().encode(fields)) ?? Data()
        return data.base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// The cursor a token stands for; `nil` when it is not one (malformed, too long, a number out
    /// of range, the wrong number of values).
    public init?(token: String) {
        let urlSafe = { (byte: UInt8) -> Bool in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"):
                true
            default: false
            }
        }
        guard !token.isEmpty, token.utf8.count <= 4096, token.utf8.allSatisfy(urlSafe) else { return nil }
        var base64 = token.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard let data = Data(base64Encoded: base64),
            let fields = try? JSONDecoder().decode([String].self, from: data), fields.count >= 4,
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
