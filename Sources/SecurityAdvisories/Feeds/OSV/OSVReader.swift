import Foundation

/// Reads OSV JSON advisories (osv.dev, Ubuntu, Debian, Red Hat, Rocky, Alma, Alpine) from bytes.
///
/// It does no I/O: callers hand it one document, the files of a directory, or an ecosystem
/// `all.zip`. A document may hold one record, a JSON array of records, or records one per line
/// (newline-delimited JSON). Affected entries of ecosystems PatchPilot does not scan (Ubuntu Pro and
/// FIPS streams, language ecosystems) are left out and counted in ``FeedReadResult/ignoredEntries``;
/// see ``OSVAffectedMapper`` for the mapping rules.
public struct OSVReader: Sendable {
    /// What to do with a record (or a file) that cannot be read.
    public var policy: InvalidRecordPolicy

    /// Creates a reader.
    public init(policy: InvalidRecordPolicy = .fail) {
        self.policy = policy
    }

    /// Reads one document: a record, an array of records, or newline-delimited records.
    ///
    /// - Parameter source: the file name or URL, used in errors.
    public func read(_ data: Data, source: String) throws(SecurityAdvisoriesError) -> FeedReadResult {
        var result = FeedReadResult()
        var ignored: [String: Int] = [:]
        let mapper = OSVRecordMapper(source: source)
        if Self.isNewlineDelimited(data) {
            var index = 0
            for (lineNumber, line) in Self.lines(of: data) {
                defer { index += 1 }
                try readOne(into: &result) { () throws(SecurityAdvisoriesError) -> Advisory? in
                    let object = try Self.jsonObject(line, source: source, line: lineNumber)
                    guard let fields = object as? [String: Any] else {
                        throw SecurityAdvisoriesError(
                            code: .malformedDocument,
                            source: source,
                            record: "#\(index)",
                            line: lineNumber,
                            message: "expected an OSV record object, found \(JSONRecordObject.kind(of: object))"
                        )
                    }
                    do throws(SecurityAdvisoriesError) {
                        return try mapper.advisory(from: fields, index: index, ignored: &ignored)
                    } catch {
                        var located = error
                        located.line = lineNumber
                        throw located
                    }
                }
            }
            result.ignoredEntries = ignored
            return result
        }
        var document: Any?
        try readOne(into: &result) { () throws(SecurityAdvisoriesError) -> Advisory? in
            document = try Self.jsonObject(data, source: source, line: nil)
            return nil
        }
        switch document {
        case let fields as [String: Any]:
            try readOne(into: &result) { () throws(SecurityAdvisoriesError) -> Advisory? in
                try mapper.advisory(from: fields, index: 0, ignored: &ignored)
            }
        case let elements as [Any]:
            for (index, element) in elements.enumerated() {
                try readOne(into: &result) { () throws(SecurityAdvisoriesError) -> Advisory? in
                    guard let fields = element as? [String: Any] else {
                        throw SecurityAdvisoriesError(
                            code: .malformedDocument,
                            source: source,
                            record: "#\(index)",
                            field: "[\(index)]",
                            message: "expected an OSV record object, found \(JSONRecordObject.kind(of: element))"
                        )
                    }
                    return try mapper.advisory(from: fields, index: index, ignored: &ignored)
                }
            }
        case nil:
            break
        case let other?:
            try readOne(into: &result) { () throws(SecurityAdvisoriesError) -> Advisory? in
                throw SecurityAdvisoriesError(
                    code: .malformedDocument,
                    source: source,
                    message: "expected an OSV record or an array of records, found \(JSONRecordObject.kind(of: other))"
                )
            }
        }
        result.ignoredEntries = ignored
        return result
    }

    /// Reads the files of a directory (the caller lists and loads them); each file's name is its source.
    /// Files whose names do not end in `.json` are left out.
    public func readFiles(_ files: [(name: String, data: Data)]) throws(SecurityAdvisoriesError) -> FeedReadResult {
        var result = FeedReadResult()
        for file in files where file.name.lowercased().hasSuffix(".json") {
            result.merge(try read(file.data, source: file.name))
        }
        return result
    }

    /// Reads every `.json` member of a zip archive, such as osv.dev's `<ecosystem>/all.zip`.
    /// Members are named `source/member.json` in errors.
    public func readArchive(_ zip: Data, source: String) throws(SecurityAdvisoriesError) -> FeedReadResult {
        let archive: ZipArchive
        do {
            archive = try ZipArchive([UInt8](zip))
        } catch {
            throw SecurityAdvisoriesError(
                code: .malformedDocument,
                source: source,
                message: "not a readable zip archive: \(error.message)"
            )
        }
        // Members are parsed as they are extracted, so only one is held in memory at a time.
        var result = FeedReadResult()
        for member in archive.members where member.isFile && member.path.lowercased().hasSuffix(".json") {
            let bytes: [UInt8]
            do {
                bytes = try archive.contents(of: member)
            } catch {
                let failure = SecurityAdvisoriesError(
                    code: .malformedDocument,
                    source: "\(source)/\(member.path)",
                    message: "cannot extract the archive member: \(error.message)"
                )
                guard policy == .skip else { throw failure }
                result.skipped.append(failure)
                continue
            }
            result.merge(try read(Data(bytes), source: "\(source)/\(member.path)"))
        }
        return result
    }

    private func readOne(
        into result: inout FeedReadResult,
        _ body: () throws(SecurityAdvisoriesError) -> Advisory?
    ) throws(SecurityAdvisoriesError) {
        let advisory = try readRecord(policy: policy, skipped: &result.skipped, body)
        if let advisory = advisory ?? nil { result.advisories.append(advisory) }
    }

    private static func jsonObject(_ data: Data, source: String, line: Int?) throws(SecurityAdvisoriesError) -> Any {
        do {
            return try JSONSerialization.jsonObject(with: data, options: [])
        } catch {
            throw SecurityAdvisoriesError(
                code: .malformedDocument,
                source: source,
                line: line,
                message: "not valid JSON: \(error)"
            )
        }
    }

    /// Newline-delimited when the first non-blank line is a whole JSON object (`{…}`); pretty-printed
    /// records open with a lone `{`.
    static func isNewlineDelimited(_ data: Data) -> Bool {
        var start = data.startIndex
        while start < data.endIndex {
            let end = data[start...].firstIndex(of: UInt8(ascii: "\n")) ?? data.endIndex
            var lower = start
            var upper = end
            while lower < upper, isBlank(data[lower]) { lower += 1 }
            while upper > lower, isBlank(data[upper - 1]) { upper -= 1 }
            if lower < upper {
                return upper - lower > 1 && data[lower] == UInt8(ascii: "{") && data[upper - 1] == UInt8(ascii: "}")
            }
            start = end < data.endIndex ? end + 1 : end
        }
        return false
    }

    /// The non-blank lines of `data` with their 1-based numbers, trimmed of spaces and `\r`.
    static func lines(of data: Data) -> [(Int, Data)] {
        var lines: [(Int, Data)] = []
        var lineNumber = 0
        var start = data.startIndex
        while start < data.endIndex {
            lineNumber += 1
            let end = data[start...].firstIndex(of: UInt8(ascii: "\n")) ?? data.endIndex
            var lower = start
            var upper = end
            while lower < upper, Self.isBlank(data[lower]) { lower += 1 }
            while upper > lower, Self.isBlank(data[upper - 1]) { upper -= 1 }
            if lower < upper { lines.append((lineNumber, data[lower..<upper])) }
            start = end < data.endIndex ? end + 1 : end
        }
        return lines
    }

    private static func isBlank(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\r")
    }
}
