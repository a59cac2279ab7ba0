import Foundation

/// What ``EPSSReader`` produced from one file.
public struct EPSSReadResult: Sendable, Hashable {
    /// The scores in file order; each carries the header's date and model version.
    public var scores: [EPSSScore]
    /// `model_version` from the header comment (`v2023.03.01`), if present.
    public var modelVersion: String?
    /// `score_date` from the header comment, if present.
    public var scoreDate: Date?
    /// Rows skipped under ``InvalidRecordPolicy/skip``, each naming its line.
    public var skipped: [SecurityAdvisoriesError]

    /// Creates a result.
    public init(
        scores: [EPSSScore],
        modelVersion: String? = nil,
        scoreDate: Date? = nil,
        skipped: [SecurityAdvisoriesError] = []
    ) {
        self.scores = scores
        self.modelVersion = modelVersion
        self.scoreDate = scoreDate
        self.skipped = skipped
    }
}

/// Reads FIRST's daily EPSS CSV (`epss_scores-YYYY-MM-DD.csv`, plain or `.gz`).
///
/// The file is an optional comment line `#model_version:v2023.03.01,score_date:2023-06-05T00:00:00+0000`,
/// a header naming the columns (`cve,epss,percentile`, in any order; other columns are ignored),
/// then one row per CVE. Blank lines are ignored and CRLF line ends accepted. gzip input is
/// recognised by its magic number and decompressed with ``Gzip``. Errors carry the 1-based line.
public struct EPSSReader: Sendable {
    /// What to do with a row that cannot be read.
    public var policy: InvalidRecordPolicy

    /// Creates a reader.
    public init(policy: InvalidRecordPolicy = .fail) {
        self.policy = policy
    }

    /// Reads a file.
    ///
    /// - Parameters:
    ///   - data: the file's bytes, plain CSV or gzip.
    ///   - source: the file name or URL, used in errors.
    public func read(_ data: Data, source: String) throws(SecurityAdvisoriesError) -> EPSSReadResult {
        var bytes = [UInt8](data)
        if Gzip.isGzip(bytes) {
            bytes = try Gzip.decompress(bytes, source: source)
        }
        var result = EPSSReadResult(scores: [])
        var columns: (cve: Int, epss: Int, percentile: Int)?
        var lineNumber = 0
        var lineStart = 0
        func invalid(_ message: String, field: String? = nil, record: String? = nil) -> SecurityAdvisoriesError {
            SecurityAdvisoriesError(
                code: .invalidValue,
                source: source,
                record: record,
                field: field,
                line: lineNumber,
                message: message
            )
        }
        while lineStart < bytes.count {
            var lineEnd = bytes[lineStart...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count
            let next = lineEnd + 1
            if lineEnd > lineStart, bytes[lineEnd - 1] == UInt8(ascii: "\r") { lineEnd -= 1 }
            lineNumber += 1
            let line = String(decoding: bytes[lineStart..<lineEnd], as: UTF8.self)
            lineStart = next
            if line.allSatisfy(\.isWhitespace) { continue }
            if line.hasPrefix("#") {
                guard columns == nil else { continue }
                try readComment(line, into: &result, error: { message, field in invalid(message, field: field) })
                continue
            }
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            guard let known = columns else {
                let names = fields.map { $0.lowercased() }
                guard let cve = names.firstIndex(of: "cve"), let epss = names.firstIndex(of: "epss"),
                    let percentile = names.firstIndex(of: "percentile")
                else {
                    throw SecurityAdvisoriesError(
                        code: .malformedDocument,
                        source: source,
                        line: lineNumber,
                        message: "expected a header naming cve, epss and percentile, found '\(line)'"
                    )
                }
                columns = (cve, epss, percentile)
                continue
            }
            let score = try readRecord(policy: policy, skipped: &result.skipped) { () throws(SecurityAdvisoriesError) in
                guard fields.count > max(known.cve, known.epss, known.percentile) else {
                    throw invalid(
                        "expected at least \(max(known.cve, known.epss, known.percentile) + 1) columns, found \(fields.count)"
                    )
                }
                let cveID = fields[known.cve]
                guard cveID.hasPrefix("CVE-"), cveID.count > 4 else {
                    throw invalid("'\(cveID)' is not a CVE id", field: "cve")
                }
                func probability(_ index: Int, _ name: String) throws(SecurityAdvisoriesError) -> Double {
                    guard let value = Double(fields[index]), value >= 0, value <= 1 else {
                        throw invalid("'\(fields[index])' is not a number between 0 and 1", field: name, record: cveID)
                    }
                    return value
                }
                return EPSSScore(
                    cveID: cveID,
                    score: try probability(known.epss, "epss"),
                    percentile: try probability(known.percentile, "percentile"),
                    date: result.scoreDate,
                    modelVersion: result.modelVersion
                )
            }
            if let score { result.scores.append(score) }
        }
        guard columns != nil else {
            throw SecurityAdvisoriesError(code: .malformedDocument, source: source, message: "no header line")
        }
        return result
    }

    /// `#model_version:v2023.03.01,score_date:2023-06-05T00:00:00+0000`; unknown keys are ignored.
    private func readComment(
        _ line: String,
        into result: inout EPSSReadResult,
        error: (String, String) -> SecurityAdvisoriesError
    ) throws(SecurityAdvisoriesError) {
        for pair in line.dropFirst().split(separator: ",") {
            guard let colon = pair.firstIndex(of: ":") else { continue }
            let key = pair[..<colon].trimmingCharacters(in: .whitespaces)
            let value = pair[pair.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            switch key {
            case "model_version":
                result.modelVersion = value
            case "score_date":
                guard let date = FeedTimestamp.parse(value) else {
                    throw error("'\(value)' is not an ISO 8601 timestamp", "score_date")
                }
                result.scoreDate = date
            default:
                continue
            }
        }
    }
}
