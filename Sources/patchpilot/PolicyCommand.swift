import ArgumentParser
import Foundation
import PatchPolicy

/// `patchpilot policy check DIR` and `patchpilot policy diff DIR1 DIR2`: validate policy-as-code
/// directories and compare them before applying (`--dry-run`).
struct PolicyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy",
        abstract: "Validate and compare policy directories (tiers, groups, SLA profiles, baselines, exceptions).",
        subcommands: [Check.self, Diff.self, Apply.self]
    )

    /// `policy check DIR`.
    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Load and validate every *.yaml/*.yml file of a policy directory.",
            discussion: """
                Prints a summary of the merged policy, or every error as FILE:LINE:COLUMN: FIELD: MESSAGE \
                on standard error and exits 1.
                """
        )

        @Argument(help: "The policy directory (or one YAML file).")
        var directory: String

        func run() throws {
            let result = PolicyDocument.validate(files: try PolicyFiles.read(directory))
            guard let document = result.document else {
                for error in result.errors { PolicyFiles.printError(error.description) }
                PolicyFiles.printError("\(result.errors.count) error\(result.errors.count == 1 ? "" : "s")")
                throw ExitCode(1)
            }
            print(PolicyFiles.summary(document))
        }
    }

    /// `policy diff OLD NEW`.
    struct Diff: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "diff",
            abstract: "Show which entries a new policy directory adds (+), removes (-) or changes (~).",
            discussion: "Both directories must validate; otherwise the errors are printed and the exit status is 1."
        )

        @Argument(help: "The current policy directory.")
        var old: String

        @Argument(help: "The proposed policy directory.")
        var new: String

        func run() throws {
            let before = PolicyDocument.validate(files: try PolicyFiles.read(old))
            let after = PolicyDocument.validate(files: try PolicyFiles.read(new))
            guard let oldDocument = before.document, let newDocument = after.document else {
                for error in before.errors + after.errors { PolicyFiles.printError(error.description) }
                throw ExitCode(1)
            }
            let diff = PolicyDiff(from: oldDocument, to: newDocument)
            print(diff.description)
            if !diff.isEmpty {
                let counts = [PolicyDiff.Change.added, .removed, .changed].map { "\(diff.entries($0).count) \($0)" }
                print(counts.joined(separator: ", "))
            }
        }
    }
}

/// Reading policy directories for the CLI (the policy module itself does no I/O).
enum PolicyFiles {
    /// The YAML files of a directory (sorted by name), or the one file given.
    static func read(_ path: String) throws -> [(name: String, text: String)] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            printError("\(path): no such file or directory")
            throw ExitCode(1)
        }
        guard isDirectory.boolValue else {
            return [(path, try String(contentsOfFile: path, encoding: .utf8))]
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: path)
            .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
        let base = URL(fileURLWithPath: path, isDirectory: true)
        return try names.map { name in
            let display = (path as NSString).appendingPathComponent(name)
            return (display, try String(contentsOf: base.appendingPathComponent(name), encoding: .utf8))
        }
    }

    /// One line per kind of entry, and one with the rollout limits the policy sets (if any).
    static func summary(_ document: PolicyDocument) -> String {
        let limits = document.rolloutLimits
        let lines = [
            "tiers: " + document.tiers.map { "\($0.name) (\($0.rank))" }.joined(separator: ", "),
            "environments: " + document.environments.map(\.name).joined(separator: " → "),
            "groups: \(document.groups.count)",
            "services: \(document.services.services.count) (order: "
                + document.services.dependencyOrder().joined(separator: ", ") + ")",
            limits.isEmpty ? nil : "rollout limits: " + limits.joined(separator: "; "),
            "SLA profiles: " + document.slaProfiles.map(\.name).joined(separator: ", "),
            "baselines: " + document.baselines.map(\.name).joined(separator: ", "),
            "exceptions: \(document.register.exceptions.count)",
            "holds: \(document.register.holds.count)",
            "policy OK",
        ]
        return lines.compactMap { $0 }.joined(separator: "\n")
    }

    static func printError(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
