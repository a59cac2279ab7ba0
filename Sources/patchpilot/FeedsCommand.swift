import ArgumentParser
import Foundation
import PatchServer
import PatchStore
import SecurityAdvisories
import Yams

/// `patchpilot feeds`: import advisory data into the server's database.
struct FeedsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "feeds",
        abstract: "Import advisory, KEV and EPSS data.",
        subcommands: [Import.self, Sync.self]
    )

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import files, directories or URLs in one transaction.",
            discussion: """
                Nothing is stored unless every record reads cleanly; with --skip-invalid, invalid \
                records are reported one by one and the rest is imported. Importing the same data \
                again changes nothing; a record older than the stored one is ignored. A running \
                server picks the new data up within its --feed-poll interval.
                """
        )
        @OptionGroup var data: DataDirectoryOptions
        @Argument(help: "Files, directories or http(s) URLs.") var sources: [String]
        @Option(help: "Format (\(FeedFormat.allCases.map(\.rawValue).joined(separator: ", "))); default: detect.")
        var format: FeedFormat?
        @Flag(help: "Skip invalid records (each is reported) instead of failing the import.") var skipInvalid = false

        func run() async throws {
            let storage = try await data.openStorage()
            let summary = try await FeedImporter.cli(format: format, skipInvalid: skipInvalid)
                .run(sources.map { FeedSource(name: $0, location: $0, format: format) }, into: storage)
            try await data.sealAudit(storage)
            print(summary.text)
        }
    }

    struct Sync: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import every source listed in the feeds file.",
            discussion: """
                The feeds file (default <data-dir>/feeds.yaml) lists sources:
                  sources:
                    - name: debian-dsa
                      location: https://security-tracker.debian.org/tracker/data/json
                      format: debian-tracker-json
                """
        )
        @OptionGroup var data: DataDirectoryOptions
        @Option(help: "The feeds file.") var config: String?
        @Flag(help: "Skip invalid records instead of failing.") var skipInvalid = false

        func run() async throws {
            let path = config ?? data.dataDirectory + "/feeds.yaml"
            guard let text = FileManager.default.contents(atPath: path) else {
                throw ValidationError("cannot read the feeds file \(path)")
            }
            let file: FeedsFile
            do {
                file = try YAMLDecoder().decode(FeedsFile.self, from: text)
            } catch {
                throw ValidationError("\(path): \(error)")
            }
            let storage = try await data.openStorage()
            let summary = try await FeedImporter.cli(format: nil, skipInvalid: skipInvalid).run(
                file.sources,
                into: storage
            )
            try await data.sealAudit(storage)
            print(summary.text)
        }
    }
}

extension FeedFormat: ExpressibleByArgument {}

extension FeedImporter {
    /// An importer for the command line: a progress bar on a terminal's stderr, skipped records
    /// listed on stderr, errors as the command's validation errors.
    static func cli(format: FeedFormat?, skipInvalid: Bool) -> FeedImporter {
        FeedImporter(
            format: format,
            skipInvalid: skipInvalid,
            progress: { done, total, name in
                guard isatty(STDERR_FILENO) != 0 else { return }
                let width = 30
                let filled = total == 0 ? width : width * done / total
                let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
                let label = name.count > 50 ? "…" + name.suffix(49) : name
                let end = done == total ? "\n" : ""
                FileHandle.standardError.write(Data("\r[\(bar)] \(done)/\(total) \(label)\u{1B}[K\(end)".utf8))
            },
            skipped: { record in FileHandle.standardError.write(Data("skipped: \(record)\n".utf8)) }
        )
    }

    /// Imports for the command line (see ``cli(format:skipInvalid:)``).
    func run(_ sources: [FeedSource], into storage: any PatchStorage) async throws -> AdvisoryImportSummary {
        do {
            return try await importSources(sources, into: storage)
        } catch let error as FeedImportError {
            if isatty(STDERR_FILENO) != 0 { FileHandle.standardError.write(Data("\n".utf8)) }
            throw ValidationError(error.description)
        }
    }
}
