import Foundation
import Synchronization

/// The real package managers' version comparisons, run as child processes: the reference the
/// correlator's verdicts are checked against.
enum VersionOracles {
    /// The `Fixtures` folder of this test target, found from this file's path.
    static let fixtures = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // Differential
        .deletingLastPathComponent()  // SecurityAdvisoriesTests
        .appendingPathComponent("Fixtures")

    /// What `dpkg` said about one (installed, fixed) pair.
    struct DpkgVerdict: Sendable, Hashable {
        /// `dpkg --validate-version` accepts the installed version.
        var installedValid: Bool
        /// `dpkg --validate-version` accepts the fixed version.
        var fixedValid: Bool
        /// `dpkg --compare-versions INSTALLED lt FIXED` succeeded.
        var installedLessThanFixed: Bool
    }

    /// `dpkg`, when this machine has it.
    static let dpkg: String? = ["/usr/bin/dpkg", "/bin/dpkg"].first { FileManager.default.isExecutableFile(atPath: $0) }

    /// Runs `dpkg --validate-version` and `dpkg --compare-versions A lt B` for every pair, in one
    /// `sh` process that loops over a file of tab-separated pairs.
    static func dpkgVerdicts(_ pairs: [(installed: String, fixed: String)]) throws -> [DpkgVerdict] {
        guard let dpkg else { throw OracleFailure("dpkg is not installed") }
        let input = FileManager.default.temporaryDirectory.appendingPathComponent("dpkg-pairs-\(UUID().uuidString)")
        try Data(pairs.map { "\($0.installed)\t\($0.fixed)\n" }.joined().utf8).write(to: input)
        defer { try? FileManager.default.removeItem(at: input) }
        let script = """
            while IFS="$(printf '\\t')" read -r a b; do
              if "$0" --validate-version "$a" >/dev/null 2>&1; then va=1; else va=0; fi
              if "$0" --validate-version "$b" >/dev/null 2>&1; then vb=1; else vb=0; fi
              if "$0" --compare-versions "$a" lt "$b" 2>/dev/null; then lt=1; else lt=0; fi
              echo "$va $vb $lt"
            done < "$1"
            """
        let output = try run("/bin/sh", ["-c", script, dpkg, input.path])
        let lines = output.split(separator: "\n")
        guard lines.count == pairs.count else {
            throw OracleFailure(
                "dpkg loop printed \(lines.count) lines for \(pairs.count) pairs:\n\(output.prefix(2000))"
            )
        }
        return try lines.map { line in
            let bits = line.split(separator: " ")
            guard bits.count == 3 else { throw OracleFailure("unexpected dpkg loop output: \(line)") }
            return DpkgVerdict(
                installedValid: bits[0] == "1",
                fixedValid: bits[1] == "1",
                installedLessThanFixed: bits[2] == "1"
            )
        }
    }

    /// A `python3` that can `import rpm` (python3-rpm), preferring the system interpreter over a
    /// PATH one such as pyenv's, which lacks distribution modules.
    static let rpmPython: String? = {
        for candidate in ["/usr/bin/python3", "python3"] {
            let executable = candidate.hasPrefix("/") ? candidate : "/usr/bin/env"
            let arguments = candidate.hasPrefix("/") ? ["-c", "import rpm"] : [candidate, "-c", "import rpm"]
            if (try? run(executable, arguments)) != nil { return candidate }
        }
        return nil
    }()

    /// `rpm.labelCompare(INSTALLED, FIXED)` (-1, 0 or 1) for every pair, in ONE python3 process.
    ///
    /// The EVR is split as rpm's `parseEVR` does (epoch before the first `:`, release after the
    /// last `-`); a missing epoch or release is passed as `None`, so rpm's own rules apply (a
    /// missing epoch is 0, a missing release sorts first).
    static func rpmLabelCompare(_ pairs: [(installed: String, fixed: String)]) throws -> [Int] {
        guard let python = rpmPython else { throw OracleFailure("no python3 with the rpm module") }
        let program = """
            import sys, rpm
            def evr(text):
                epoch = None
                head, sep, tail = text.partition(':')
                if sep and head.isdigit():
                    epoch, text = head, tail
                release = None
                if '-' in text:
                    text, release = text.rsplit('-', 1)
                return (epoch, text, release)
            for line in sys.stdin.read().splitlines():
                a, b = line.split('\\t')
                print(rpm.labelCompare(evr(a), evr(b)))
            """
        let input = Data(pairs.map { "\($0.installed)\t\($0.fixed)\n" }.joined().utf8)
        let executable = python.hasPrefix("/") ? python : "/usr/bin/env"
        let arguments = python.hasPrefix("/") ? ["-c", program] : [python, "-c", program]
        let output = try run(executable, arguments, input: input)
        let values = output.split(separator: "\n").compactMap { Int($0) }
        guard values.count == pairs.count else {
            throw OracleFailure(
                "python3 printed \(values.count) results for \(pairs.count) pairs:\n\(output.prefix(2000))"
            )
        }
        return values
    }

    /// Runs a process to completion and returns its standard output; throws unless it exits 0.
    @discardableResult
    static func run(_ executable: String, _ arguments: [String], input: Data? = nil) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        var inputFile: URL?
        if let input {
            let url = FileManager.default.temporaryDirectory.appendingPathComponent("oracle-input-\(UUID().uuidString)")
            try input.write(to: url)
            inputFile = url
            process.standardInput = try FileHandle(forReadingFrom: url)
        } else {
            process.standardInput = FileHandle.nullDevice
        }
        defer { if let inputFile { try? FileManager.default.removeItem(at: inputFile) } }
        try process.run()
        // Drain stderr concurrently so a chatty child cannot block on a full pipe.
        let errorText = TextSink()
        errors.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            if !data.isEmpty { errorText.append(data) }
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        errors.fileHandleForReading.readabilityHandler = nil
        guard process.terminationStatus == 0 else {
            throw OracleFailure(
                "\(executable) exited \(process.terminationStatus): \(errorText.text.prefix(2000))"
            )
        }
        return String(decoding: data, as: UTF8.self)
    }

    struct OracleFailure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }
}

/// Text collected from a pipe's readability handler.
final class TextSink: Sendable {
    private let storage = Mutex(Data())
    func append(_ more: Data) { storage.withLock { $0.append(more) } }
    var text: String { storage.withLock { String(decoding: $0, as: UTF8.self) } }
}
