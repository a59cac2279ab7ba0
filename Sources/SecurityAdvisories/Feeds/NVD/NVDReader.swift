import Foundation

/// Reads NVD CVE API 2.0 responses (`/rest/json/cves/2.0`, `format: NVD_CVE`).
///
/// Each `vulnerabilities[].cve` becomes one ``Advisory`` (id = CVE id, source ``AdvisorySource/nvd``)
/// with no affected entries: NVD's part is CVSS, description and references where a distribution
/// gives none. CVSS records come from `metrics.cvssMetricV40`, `V31`, `V30` and `V2`, in that order,
/// the `Primary` (NVD's own) metric before `Secondary` ones of each version, duplicates dropped.
/// The severity is the band of the first record's base score. A `Rejected` CVE is withdrawn at its
/// `lastModified`. Timestamps without a zone (as NVD writes them) are UTC.
public struct NVDReader: Sendable {
    /// What to do with a CVE record that cannot be read.
    public var policy: InvalidRecordPolicy

    /// Creates a reader.
    public init(policy: InvalidRecordPolicy = .fail) {
        self.policy = policy
    }

    /// Reads one API response page (or a file of concatenated pages' `vulnerabilities`).
    ///
    /// - Parameters:
    ///   - data: the JSON bytes.
    ///   - source: the file name or URL, used in errors.
    public func read(_ data: Data, source: String) throws(SecurityAdvisoriesError) -> FeedReadResult {
        let root = JSONCursor(root: try JSONTree.parse(data, source: source), source: source)
        try root.requireObject()
        if let format = try root["format"].optionalString(), format != "NVD_CVE" {
            throw root["format"].error(.unsupportedFormat, "format '\(format)' is not NVD_CVE")
        }
        var result = FeedReadResult()
        for record in try root["vulnerabilities"].elements() {
            let advisory = try readRecord(policy: policy, skipped: &result.skipped) {
                () throws(SecurityAdvisoriesError) in
                try Self.advisory(record["cve"])
            }
            if let advisory { result.advisories.append(advisory) }
        }
        return result
    }

    private static let metricKeys = [
        ("cvssMetricV40", "4.0"), ("cvssMetricV31", "3.1"), ("cvssMetricV30", "3.0"), ("cvssMetricV2", "2.0"),
    ]

    private static func advisory(_ record: JSONCursor) throws(SecurityAdvisoriesError) -> Advisory {
        try record.requireObject()
        let id = try record["id"].string()
        let cve = record.inRecord(id)
        guard id.hasPrefix("CVE-") else { throw cve["id"].error(.invalidValue, "'\(id)' is not a CVE id") }
        let modified = try cve["lastModified"].date()
        var description = ""
        for entry in try cve["descriptions"].elements() {
            let language = try entry["lang"].string()
            if language == "en" || (description.isEmpty && language.hasPrefix("en")) {
                description = try entry["value"].string()
            }
        }
        var cvss: [CVSSRecord] = []
        for (key, defaultVersion) in metricKeys {
            let metrics = try cve["metrics"][key].elements()
            var ordered: [(primary: Bool, record: CVSSRecord)] = []
            for metric in metrics {
                let data = metric["cvssData"]
                let record = CVSSRecord(
                    version: try data["version"].optionalString() ?? defaultVersion,
                    vector: try data["vectorString"].string(),
                    baseScore: try data["baseScore"].optionalNumber()
                )
                if let score = record.baseScore, !(0...10).contains(score) {
                    throw data["baseScore"].error(.invalidValue, "base score \(score) is outside 0…10")
                }
                ordered.append((try metric["type"].optionalString() == "Primary", record))
            }
            // Stable: Primary first, file order otherwise.
            for entry in ordered.filter(\.primary) + ordered.filter({ !$0.primary })
            where !cvss.contains(entry.record) {
                cvss.append(entry.record)
            }
        }
        var references: [String] = []
        for reference in try cve["references"].elements() {
            let url = try reference["url"].string()
            if !references.contains(url) { references.append(url) }
        }
        let status = try cve["vulnStatus"].optionalString()
        return Advisory(
            id: id,
            source: .nvd,
            published: try cve["published"].optionalDate(),
            modified: modified,
            withdrawn: status == "Rejected" ? modified : nil,
            summary: firstSentence(of: description),
            details: description,
            references: references,
            severity: cvss.first?.baseScore.map { Severity(cvssScore: $0) } ?? .unknown,
            cvss: cvss
        )
    }

    /// The text up to the first ". " (at most 400 characters), for a one-line summary.
    private static func firstSentence(of text: String) -> String {
        let firstLine = text.prefix { $0 != "\n" }
        let sentence = firstLine.range(of: ". ").map { firstLine[..<$0.lowerBound] + "." } ?? firstLine
        return sentence.count > 400 ? String(sentence.prefix(399)) + "…" : String(sentence)
    }
}
