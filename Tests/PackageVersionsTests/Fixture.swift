import Foundation
import PackageVersions

/// One `A<TAB>OP<TAB>B` line of a reference-vector fixture.
struct VectorCase: Sendable, CustomStringConvertible {
    let file: String
    let line: Int
    let lhs: String
    let op: String
    let rhs: String
    /// The nearest preceding comment line (e.g. `# loose`, `# INVALID: …`).
    let context: String

    var description: String { "\(file):\(line) '\(lhs)' \(op) '\(rhs)'" }

    var expected: VersionOrdering? {
        switch op {
        case "<": .less
        case "=": .equal
        case ">": .greater
        default: nil
        }
    }
}

enum Fixture {
    static func text(_ name: String) -> String {
        guard let url = Bundle.module.url(forResource: "Fixtures/" + name, withExtension: nil),
            let data = try? Data(contentsOf: url)
        else { fatalError("missing fixture \(name)") }
        return String(decoding: data, as: UTF8.self)
    }

    /// The data lines of a TSV fixture; `#` lines are comments (the last one is kept as context).
    static func vectors(_ name: String) -> [VectorCase] {
        var result: [VectorCase] = []
        var context = ""
        var lineNumber = 0
        for raw in text(name).split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let line = String(raw)
            if line.hasPrefix("#") {
                context = line
                continue
            }
            if line.trimmingCharacters(in: .whitespaces).isEmpty {
                context = ""
                continue
            }
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard fields.count == 3 else { fatalError("\(name):\(lineNumber): bad line \(line)") }
            result.append(
                VectorCase(
                    file: name,
                    line: lineNumber,
                    lhs: fields[0],
                    op: fields[1],
                    rhs: fields[2],
                    context: context
                )
            )
            if !context.hasPrefix("# INVALID") { context = "" }
        }
        return result
    }

    /// `valid|invalid<TAB>VERSION` lines.
    static func validity(_ name: String) -> [ValidityCase] {
        text(name).split(separator: "\n", omittingEmptySubsequences: false).compactMap { raw in
            let line = String(raw)
            if line.hasPrefix("#") || line.isEmpty { return nil }
            let fields = line.split(separator: "\t", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            return ValidityCase(valid: fields[0] == "valid", version: fields.count > 1 ? fields[1] : "")
        }
    }
}

/// One line of a validity fixture.
struct ValidityCase: Sendable, CustomStringConvertible {
    let valid: Bool
    let version: String
    var description: String { "\(valid ? "valid" : "invalid") '\(version)'" }
}
