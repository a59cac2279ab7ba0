import ArgumentParser
import Foundation
import SecurityAdvisories

/// `patchpilot cvss VECTOR`: score a CVSS v2, v3.0, v3.1 or v4.0 vector.
struct CVSSCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cvss",
        abstract: "Score a CVSS vector (v2, v3.0, v3.1, v4.0): base, temporal/threat and environmental scores.",
        discussion: """
            The version comes from the prefix (CVSS:3.0/, CVSS:3.1/, CVSS:4.0/; none for v2). \
            An invalid vector exits 2 with the offending metric on standard error. With --batch, \
            reads one vector per line from standard input and prints one JSON object per line: the \
            FIRST CVSS JSON object, or {"vectorString": …, "error": {"field": …, "message": …}}.
            """
    )

    @Flag(help: "Print the FIRST CVSS JSON schema object instead of text.")
    var json = false

    @Flag(help: "Read vectors from standard input, one per line; print one JSON object per line.")
    var batch = false

    @Argument(help: "The vector, e.g. CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H.")
    var vector: String?

    func validate() throws {
        if batch && vector != nil { throw ValidationError("--batch reads vectors from standard input; give no VECTOR") }
        if !batch && vector == nil { throw ValidationError("missing VECTOR") }
    }

    func run() throws {
        if batch {
            runBatch()
            return
        }
        let score: CVSSScore
        do {
            score = try CVSS.parse(Self.trimmed(vector ?? ""), source: "VECTOR")
        } catch {
            let metric = error.field.map { " (metric \($0))" } ?? ""
            FileHandle.standardError.write(Data("error: invalid CVSS vector\(metric): \(error.message)\n".utf8))
            throw ExitCode(2)
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(score), as: UTF8.self))
        } else {
            print(Self.describe(score))
        }
    }

    private func runBatch() {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var output = ""
        while let line = readLine(strippingNewline: true) {
            let vector = Self.trimmed(line)
            if vector.isEmpty { continue }
            do {
                output += String(decoding: try encoder.encode(try CVSS.parse(vector, source: "stdin")), as: UTF8.self)
            } catch let error as SecurityAdvisoriesError {
                let failure = BatchFailure(
                    vectorString: vector,
                    error: .init(field: error.field, message: error.message)
                )
                output += (try? encoder.encode(failure)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
            } catch {
                output += #"{"error":{"message":"encoding failed"}}"#
            }
            output += "\n"
            if output.utf8.count > 1 << 16 {
                FileHandle.standardOutput.write(Data(output.utf8))
                output = ""
            }
        }
        FileHandle.standardOutput.write(Data(output.utf8))
    }

    /// A `--batch` line for an invalid vector.
    private struct BatchFailure: Encodable {
        struct Failure: Encodable {
            var field: String?
            var message: String
        }
        var vectorString: String
        var error: Failure
    }

    private static func trimmed(_ text: String) -> String {
        text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The text report: version and vector, then one line per score with its rating.
    static func describe(_ score: CVSSScore) -> String {
        var rows: [(String, Double, Severity)] = []
        if score.version == .v4_0 {
            rows.append(("Score (\(score.nomenclature ?? "CVSS-B"))", score.baseScore, score.baseSeverity))
            if let threat = score.threatScore, let severity = score.threatSeverity {
                rows.append(("Threat (CVSS-BT)", threat, severity))
            }
        } else {
            rows.append(("Base", score.baseScore, score.baseSeverity))
            if let temporal = score.temporalScore, let severity = score.temporalSeverity {
                rows.append(("Temporal", temporal, severity))
            }
        }
        if let environmental = score.environmentalScore, let severity = score.environmentalSeverity {
            rows.append(("Environmental", environmental, severity))
        }
        let width = rows.map(\.0.count).max() ?? 0
        var lines = ["CVSS \(score.version)  \(score.vectorString)"]
        for (label, value, severity) in rows {
            let padding = String(repeating: " ", count: width - label.count)
            let rating = severity.rawValue.prefix(1).uppercased() + severity.rawValue.dropFirst()
            lines.append("\(label)\(padding)  \(format(value))  \(rating)")
        }
        return lines.joined(separator: "\n")
    }

    private static func format(_ score: Double) -> String {
        let tenths = Int((score * 10).rounded())
        return String(format: "%2d.%d", tenths / 10, tenths % 10)
    }
}
