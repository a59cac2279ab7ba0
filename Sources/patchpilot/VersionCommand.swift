import ArgumentParser
import Foundation
import PackageVersions

/// `patchpilot version`: compare and sort package versions exactly as the package managers do.
struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "version",
        abstract: "Compare and sort package versions (deb, rpm, apk, semver) the way the package manager does.",
        subcommands: [Compare.self, Sort.self]
    )

    /// The `--scheme` option's values.
    enum SchemeOption: String, ExpressibleByArgument, CaseIterable {
        case deb, rpm, apk, semver
        var scheme: VersionScheme { VersionScheme(rawValue: rawValue)! }
    }

    /// Options shared by both subcommands.
    struct SchemeOptions: ParsableArguments {
        @Option(help: "Versioning scheme: deb, rpm, apk or semver.")
        var scheme: SchemeOption

        @Flag(
            help:
                "deb only: accept versions dpkg --compare-versions merely warns about (bad characters, no leading digit)."
        )
        var lenient = false

        func compare(_ lhs: String, _ rhs: String) throws(PackageVersionsError) -> VersionOrdering {
            if scheme == .deb {
                let validation: DebianVersion.Validation = lenient ? .lenient : .strict
                return try DebianVersion.compare(lhs, rhs, validation: validation)
            }
            return try scheme.scheme.compare(lhs, rhs)
        }
    }

    struct Compare: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print <, = or > for A B; or, for A OP B (lt le eq ne ge gt), exit 0 if true and 1 if false.",
            discussion: """
                Invalid versions exit 2 with the reason on standard error. With --batch, reads \
                tab-separated `A<TAB>B` lines from standard input and prints one of <, =, > or \
                `invalid` per line.
                """
        )

        @OptionGroup var options: SchemeOptions

        @Flag(help: "Read A<TAB>B pairs from standard input; print <, =, > or invalid per line.")
        var batch = false

        @Argument(parsing: .allUnrecognized, help: "A B, or A OP B (OP: lt le eq ne ge gt).")
        var operands: [String] = []

        func run() throws {
            if batch {
                guard operands.isEmpty else { throw ValidationError("--batch takes no operands") }
                runBatch()
                return
            }
            // `--` may separate options from versions that start with '-'.
            let operands = self.operands.first == "--" ? Array(self.operands.dropFirst()) : self.operands
            guard operands.count == 2 || operands.count == 3 else {
                throw ValidationError("expected A B or A OP B")
            }
            let lhs = operands[0]
            let rhs = operands[operands.count - 1]
            var op: VersionOperator?
            if operands.count == 3 {
                guard let parsed = VersionOperator(symbol: operands[1]) else {
                    throw ValidationError("unknown operator '\(operands[1])' (use lt le eq ne ge gt)")
                }
                op = parsed
            }
            let ordering: VersionOrdering
            do {
                ordering = try options.compare(lhs, rhs)
            } catch {
                standardError("patchpilot version: invalid \(options.scheme.rawValue) version \(error)\n")
                throw ExitCode(2)
            }
            guard let op else {
                print(ordering.description)
                return
            }
            if !op.holds(for: ordering) { throw ExitCode(1) }
        }

        func runBatch() {
            var output = ""
            output.reserveCapacity(1 << 16)
            while let line = readLine(strippingNewline: true) {
                if let tab = line.utf8.firstIndex(of: 0x09) {
                    let lhs = String(line[..<tab])
                    let rhs = String(line[line.utf8.index(after: tab)...])
                    if let ordering = try? options.compare(lhs, rhs) {
                        output += ordering.description
                    } else {
                        output += "invalid"
                    }
                } else {
                    output += "invalid"
                }
                output += "\n"
                if output.utf8.count >= 1 << 16 {
                    standardOutput(output)
                    output.removeAll(keepingCapacity: true)
                }
            }
            standardOutput(output)
        }
    }

    struct Sort: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Sort versions read from standard input (one per line), lowest first.",
            discussion: "Blank lines are skipped. An invalid version exits 2 naming the line and the reason."
        )

        @OptionGroup var options: SchemeOptions

        @Flag(name: .shortAndLong, help: "Highest first.")
        var reverse = false

        func run() throws {
            var lines: [String] = []
            var number = 0
            while let line = readLine(strippingNewline: true) {
                number += 1
                if line.allSatisfy({ $0 == " " || $0 == "\t" }) { continue }
                do {
                    _ = try options.compare(line, line)
                } catch {
                    standardError(
                        "patchpilot version sort: line \(number): invalid \(options.scheme.rawValue) version \(error)\n"
                    )
                    throw ExitCode(2)
                }
                lines.append(line)
            }
            var sorted = try sortedVersions(lines)
            if reverse { sorted.reverse() }
            var output = ""
            for line in sorted { output += line + "\n" }
            standardOutput(output)
        }

        func sortedVersions(_ lines: [String]) throws -> [String] {
            switch options.scheme {
            case .deb:
                let validation: DebianVersion.Validation = options.lenient ? .lenient : .strict
                let parsed = try lines.map { ($0, try DebianVersion(parsing: $0, validation: validation)) }
                return stableSorted(parsed).map(\.0)
            case .rpm:
                return stableSorted(try lines.map { ($0, try RPMVersion(parsing: $0)) }).map(\.0)
            case .apk:
                return stableSorted(try lines.map { ($0, try AlpineVersion(parsing: $0)) }).map(\.0)
            case .semver:
                return stableSorted(try lines.map { ($0, try SemanticVersion(parsing: $0)) }).map(\.0)
            }
        }

        func stableSorted<V: Comparable>(_ items: [(String, V)]) -> [(String, V)] {
            items.enumerated().sorted { a, b in
                a.element.1 < b.element.1 || (!(b.element.1 < a.element.1) && a.offset < b.offset)
            }.map(\.element)
        }
    }
}

private func standardError(_ text: String) {
    FileHandle.standardError.write(Data(text.utf8))
}

private func standardOutput(_ text: String) {
    FileHandle.standardOutput.write(Data(text.utf8))
}
