/// CVSS calculators: parse a vector string of any supported version and score it.
///
/// ```swift
/// let score = try CVSS.parse("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")
/// score.baseScore      // 9.8
/// score.baseSeverity   // .critical
/// ```
///
/// Pure computation, no I/O. The formulas are those of FIRST's specification documents
/// (<https://www.first.org/cvss/>): v2 (2007), v3.0, v3.1 and v4.0.
public enum CVSS {
    /// Parses and scores a CVSS vector string.
    ///
    /// The version comes from the prefix: `CVSS:3.0/`, `CVSS:3.1/`, `CVSS:4.0/`; a vector without
    /// a prefix is read as CVSS v2. Metrics may come in any order; each base metric must be present
    /// exactly once, and every metric name and value must be one the version defines.
    ///
    /// - Parameters:
    ///   - vector: the vector string.
    ///   - source: where the vector came from, for the error (a file, URL or `-`).
    ///   - record: the record (e.g. CVE id) the vector belongs to, for the error.
    /// - Throws: ``SecurityAdvisoriesError`` with code `.invalidVector` and `field` naming the bad
    ///   metric (or `CVSS` for an unsupported prefix).
    public static func parse(
        _ vector: String,
        source: String = "-",
        record: String? = nil
    ) throws(SecurityAdvisoriesError) -> CVSSScore {
        let (version, body) = try split(vector, source: source, record: record)
        let metrics = try parser(for: version).parse(body, vector: vector, source: source, record: record)
        return score(version: version, vectorString: vector, metrics: metrics)
    }

    /// The version a vector string claims, from its prefix, without validating the metrics.
    public static func version(of vector: String) -> CVSSVersion? {
        try? split(vector, source: "-", record: nil).version
    }

    static func parser(for version: CVSSVersion) -> CVSSVectorParser {
        switch version {
        case .v2_0: CVSSv2.parser
        case .v3_0: CVSSv3.parser30
        case .v3_1: CVSSv3.parser31
        case .v4_0: CVSSv4.parser
        }
    }

    static func score(version: CVSSVersion, vectorString: String, metrics: [String: String]) -> CVSSScore {
        switch version {
        case .v2_0: CVSSv2.score(vectorString: vectorString, metrics: metrics)
        case .v3_0, .v3_1: CVSSv3.score(version: version, vectorString: vectorString, metrics: metrics)
        case .v4_0: CVSSv4.score(vectorString: vectorString, metrics: metrics)
        }
    }

    private static func split(
        _ vector: String,
        source: String,
        record: String?
    ) throws(SecurityAdvisoriesError) -> (version: CVSSVersion, body: Substring) {
        func failure(_ field: String?, _ message: String) -> SecurityAdvisoriesError {
            SecurityAdvisoriesError(
                code: .invalidVector,
                source: source,
                record: record,
                field: field,
                message: message
            )
        }
        if vector.isEmpty {
            throw failure(nil, "empty CVSS vector")
        }
        guard vector.hasPrefix("CVSS:") else {
            return (.v2_0, vector[...])
        }
        let afterPrefix = vector.dropFirst("CVSS:".count)
        let label = afterPrefix.prefix { $0 != "/" }
        guard let version = CVSSVersion(rawValue: String(label)), version != .v2_0 else {
            throw failure("CVSS", "unsupported CVSS version '\(label)' (expected 3.0, 3.1 or 4.0)")
        }
        let body = afterPrefix.dropFirst(label.count)
        guard body.first == "/", body.count > 1 else {
            throw failure("CVSS", "no metrics after 'CVSS:\(label)' in vector '\(vector)'")
        }
        return (version, body.dropFirst())
    }
}
