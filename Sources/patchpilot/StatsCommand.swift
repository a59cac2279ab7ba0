import ArgumentParser
import Foundation
import RolloutEngine

/// `patchpilot stats …`: the statistics behind the rollout verdicts, for checking them by hand or
/// against a reference implementation.
struct StatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "The statistics behind the rollout metric gates.",
        subcommands: [MannWhitneyCommand.self]
    )
}

/// `patchpilot stats mann-whitney`: the two-sided Mann-Whitney U test and the Hodges-Lehmann shift.
struct MannWhitneyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mann-whitney",
        abstract: "Two-sided Mann-Whitney U test (normal approximation, tie and continuity corrected).",
        discussion: """
            Prints U (the statistic of the first sample, X), z, the two-sided p-value and the \
            Hodges-Lehmann shift (the median of all differences x − y), as \
            scipy.stats.mannwhitneyu(x, y, method="asymptotic") and numpy's median of pairwise \
            differences. With --batch, reads one JSON object {"x": [...], "y": [...]} per line from \
            standard input and prints one JSON object per line: {"u": …, "z": …, "p": …, "shift": …} \
            or {"error": "…"}.
            """
    )

    @Flag(help: "Read {\"x\":[…],\"y\":[…]} lines from standard input; print one JSON object per line.")
    var batch = false

    @Option(help: "The first sample (e.g. the canary), comma-separated numbers.")
    var x: String?

    @Option(help: "The second sample (e.g. the baseline), comma-separated numbers.")
    var y: String?

    func validate() throws {
        if batch && (x != nil || y != nil) { throw ValidationError("--batch reads the samples from standard input") }
        if !batch && (x == nil || y == nil) { throw ValidationError("give --x and --y, or --batch") }
    }

    func run() throws {
        if batch {
            runBatch()
            return
        }
        do {
            let first = try Self.numbers(x ?? "", option: "--x")
            let second = try Self.numbers(y ?? "", option: "--y")
            let answer = try Self.answer(first, second)
            print("U = \(answer.u)  z = \(answer.z)  p = \(answer.p)  shift = \(answer.shift)")
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(2)
        }
    }

    private func runBatch() {
        let decoder = JSONDecoder()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var output = ""
        while let line = readLine(strippingNewline: true) {
            if line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
            do {
                let input = try decoder.decode(BatchInput.self, from: Data(line.utf8))
                output += String(decoding: try encoder.encode(try Self.answer(input.x, input.y)), as: UTF8.self)
            } catch {
                let failure = (try? encoder.encode(["error": "\(error)"])).map { String(decoding: $0, as: UTF8.self) }
                output += failure ?? #"{"error":"unencodable error"}"#
            }
            output += "\n"
            if output.utf8.count > 1 << 16 {
                FileHandle.standardOutput.write(Data(output.utf8))
                output = ""
            }
        }
        FileHandle.standardOutput.write(Data(output.utf8))
    }

    static func answer(_ x: [Double], _ y: [Double]) throws -> BatchAnswer {
        let test = try MannWhitneyU(x, y)
        let shift = try MannWhitneyU.hodgesLehmannShift(x, y)
        guard shift.isFinite else {
            throw ValidationError("the shift is not finite (a sample holds an infinity)")
        }
        return BatchAnswer(u: test.u, z: test.z, p: test.pValue, shift: shift)
    }

    static func numbers(_ text: String, option: String) throws -> [Double] {
        try text.split(separator: ",").map { part in
            let trimmed = part.trimmingCharacters(in: .whitespaces)
            guard let value = Double(trimmed) else { throw ValidationError("\(option): '\(trimmed)' is not a number") }
            return value
        }
    }

    /// A `--batch` input line.
    struct BatchInput: Decodable {
        var x: [Double]
        var y: [Double]
    }

    /// A `--batch` answer line.
    struct BatchAnswer: Encodable {
        var u: Double
        var z: Double
        var p: Double
        var shift: Double
    }
}
