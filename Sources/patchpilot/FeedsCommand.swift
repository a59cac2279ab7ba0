import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
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
            let storage = try data.openStorage()
            let summary = try await FeedImporter(format: format, skipInvalid: skipInvalid)
                .importSources(sources.map { FeedSource(name: $0, location: $0, format: format) }, into: storage)
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
            let storage = try data.openStorage()
            let summary = try await FeedImporter(format: nil, skipInvalid: skipInvalid).importSources(
                file.sources,
                into: storage
            )
            print(summary.text)
        }
    }
}

/// The feeds file.
struct FeedsFile: Decodable {
    var sources: [FeedSource]
}

/// One configured source.
struct FeedSource: Decodable, Sendable {
    var name: String
    var location: String
    var format: FeedFormat?
}

extension FeedFormat: ExpressibleByArgument {}

/// Reads sources (with a progress bar on stderr), then stores everything in one transaction.
struct FeedImporter {
    var format: FeedFormat?
    var skipInvalid: Bool

    func importSources(_ sources: [FeedSource], into storage: SQLiteStorage) async throws -> AdvisoryImportSummary {
        var documents: [(name: String, data: Data, format: FeedFormat?)] = []
        for source in sources {
            if source.location.hasPrefix("http://") || source.location.hasPrefix("https://") {
                documents.append((source.location, try await download(source.location), source.format))
            } else {
                for file in try FeedFiles.files(at: source.location) {
                    guard let data = FileManager.default.contents(atPath: file) else {
                        throw ValidationError("cannot read \(file)")
                    }
                    documents.append((file, data, source.format))
                }
            }
        }
        let reader = FeedDocumentReader(policy: skipInvalid ? .skip : .fail, snapshotTime: Date())
        var content = FeedContent()
        for (index, document) in documents.enumerated() {
            guard let format = document.format ?? FeedDocumentReader.detect(name: document.name, data: document.data)
            else {
                throw ValidationError("\(document.name): cannot tell the feed format; give --format")
            }
            progress(index, documents.count, document.name)
            do {
                content.merge(try reader.read(document.data, name: document.name, format: format))
            } catch {
                FileHandle.standardError.write(Data("\n".utf8))
                throw ValidationError("import failed, nothing was stored: \(error)")
            }
        }
        progress(documents.count, documents.count, "read")
        if isatty(STDERR_FILENO) != 0 { FileHandle.standardError.write(Data("\n".utf8)) }
        for skipped in content.skipped {
            FileHandle.standardError.write(Data("skipped: \(skipped)\n".utf8))
        }
        let name = sources.map(\.name).joined(separator: ",")
        return try await storage.importAdvisories(
            content.advisories,
            knownExploited: content.knownExploited,
            epss: content.epss,
            skipped: content.skipped.count,
            source: String(name.prefix(500)),
            format: format?.rawValue ?? "detected",
            actor: "cli",
            now: Date()
        )
    }

    func download(_ url: String) async throws -> Data {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(300))
        guard response.status.code == 200 else {
            throw ValidationError("\(url) answered \(response.status.code)")
        }
        return Data(buffer: try await response.body.collect(upTo: 2 * 1024 * 1024 * 1024))
    }

    func progress(_ done: Int, _ total: Int, _ name: String) {
        guard isatty(STDERR_FILENO) != 0 else { return }
        let width = 30
        let filled = total == 0 ? width : width * done / total
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        let label = name.count > 50 ? "…" + name.suffix(49) : name
        FileHandle.standardError.write(Data("\r[\(bar)] \(done)/\(total) \(label)\u{1B}[K".utf8))
    }
}

extension AdvisoryImportSummary {
    var text: String {
        "advisories: \(added) added, \(changed) changed, \(withdrawn) withdrawn, \(unchanged) unchanged, "
            + "\(skipped) skipped; KEV entries updated: \(knownExploited); EPSS scores updated: \(epssScores)"
    }
}
