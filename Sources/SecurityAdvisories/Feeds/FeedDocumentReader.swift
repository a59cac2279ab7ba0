import Foundation

/// Reads any supported feed document: picks the reader for a format (or detects the format from
/// the name and content), and fills in CVSS base scores the feed did not state.
public struct FeedDocumentReader: Sendable {
    /// The invalid-record policy for every reader.
    public var policy: InvalidRecordPolicy
    /// The modification time to give records of feeds that carry none (Debian tracker, Alpine).
    public var snapshotTime: Date

    /// Creates a reader.
    public init(policy: InvalidRecordPolicy = .fail, snapshotTime: Date) {
        self.policy = policy
        self.snapshotTime = snapshotTime
    }

    /// Reads one document (or OSV zip archive) in `format`.
    public func read(_ data: Data, name: String, format: FeedFormat) throws(SecurityAdvisoriesError) -> FeedContent {
        var content = FeedContent()
        switch format {
        case .osv:
            let result =
                Self.isZip(data)
                ? try OSVReader(policy: policy).readArchive(data, source: name)
                : try OSVReader(policy: policy).read(data, source: name)
            content.advisories = result.advisories
            content.skipped = result.skipped
        case .debianTrackerJSON:
            content = Self.content(
                try DebianTrackerReader(policy: policy, modified: snapshotTime).read(data, source: name)
            )
        case .debianDSAList:
            content = Self.content(try DebianAdvisoryListReader(kind: .dsa, policy: policy).read(data, source: name))
        case .debianDLAList:
            content = Self.content(try DebianAdvisoryListReader(kind: .dla, policy: policy).read(data, source: name))
        case .csaf:
            content = Self.content(try CSAFReader(policy: policy).read(data, source: name))
        case .alpineSecDB:
            let reader = AlpineSecDBReader(policy: policy, modified: snapshotTime)
            let isJSON = data.first(where: { !Self.isSpace($0) }) == UInt8(ascii: "{")
            content = Self.content(
                isJSON ? try reader.read(json: data, source: name) : try reader.read(yaml: data, source: name)
            )
        case .kev:
            let catalog = try KEVReader(policy: policy).read(data, source: name)
            content.knownExploited = catalog.entries
            content.skipped = catalog.skipped
        case .epss:
            let result = try EPSSReader(policy: policy).read(data, source: name)
            content.epss = result.scores
            content.skipped = result.skipped
        case .nvd:
            content = Self.content(try NVDReader(policy: policy).read(data, source: name))
        }
        content.advisories = content.advisories.map(Self.withCVSSScores)
        return content
    }

    /// Guesses the format from the file name and the first bytes; `nil` when unsure.
    public static func detect(name: String, data: Data) -> FeedFormat? {
        let lower = name.lowercased()
        if isZip(data) { return .osv }
        if lower.hasSuffix("dsa/list") || lower.hasSuffix("dsa.list") || lower.contains("dsa-list") {
            return .debianDSAList
        }
        if lower.hasSuffix("dla/list") || lower.hasSuffix("dla.list") || lower.contains("dla-list") {
            return .debianDLAList
        }
        if Gzip.isGzip(data) || lower.hasSuffix(".csv") {
            return lower.contains("epss") || lower.hasSuffix(".csv") ? .epss : nil
        }
        if lower.hasSuffix(".yaml") || lower.hasSuffix(".yml") { return .alpineSecDB }
        let head = String(decoding: data.prefix(4096), as: UTF8.self)
        if head.contains("\"catalogVersion\"") && head.contains("\"vulnerabilities\"") { return .kev }
        if head.contains("\"csaf_version\"") || (head.contains("\"document\"") && head.contains("\"tracking\"")) {
            return .csaf
        }
        if head.contains("\"NVD_CVE\"") || head.contains("\"cvssMetricV3") { return .nvd }
        if head.contains("\"distroversion\"") && head.contains("\"secfixes\"") { return .alpineSecDB }
        if head.contains("\"schema_version\"") || (head.contains("\"affected\"") && head.contains("\"modified\"")) {
            return .osv
        }
        if head.contains("\"releases\"") && head.contains("\"status\"") { return .debianTrackerJSON }
        return nil
    }

    static func content(_ result: FeedReadResult) -> FeedContent {
        FeedContent(advisories: result.advisories, skipped: result.skipped)
    }

    /// Computes base scores for vectors the feed gave without one; invalid vectors are dropped.
    static func withCVSSScores(_ advisory: Advisory) -> Advisory {
        guard advisory.cvss.contains(where: { $0.baseScore == nil }) else { return advisory }
        var copy = advisory
        copy.cvss = advisory.cvss.compactMap { record in
            guard record.baseScore == nil else { return record }
            guard let score = try? CVSS.parse(record.vector, source: advisory.id) else { return nil }
            return CVSSRecord(version: record.version, vector: record.vector, baseScore: score.baseScore)
        }
        return copy
    }

    static func isZip(_ data: Data) -> Bool { data.starts(with: [0x50, 0x4b, 0x03, 0x04]) }

    static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x0a || byte == 0x0d || byte == 0x09 }
}
