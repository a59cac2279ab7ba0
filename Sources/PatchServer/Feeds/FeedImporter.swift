import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import PatchStore
import SecurityAdvisories

/// One configured feed source: a file, a directory or an http(s) URL.
public struct FeedSource: Decodable, Sendable {
    public var name: String
    public var location: String
    public var format: FeedFormat?

    public init(name: String, location: String, format: FeedFormat?) {
        self.name = name
        self.location = location
        self.format = format
    }
}

/// The feeds file (`<data-dir>/feeds.yaml`): the sources `feeds sync` imports.
public struct FeedsFile: Decodable, Sendable {
    public var sources: [FeedSource]
}

/// Reads feed sources, then stores everything in one transaction: nothing is stored unless every
/// document reads (with `skipInvalid`, invalid records are reported and the rest is stored).
public struct FeedImporter: Sendable {
    /// The format of every source without its own; `nil` detects it per document.
    public var format: FeedFormat?
    public var skipInvalid: Bool
    /// Hears `(documents read, documents, current name)` while reading.
    public var progress: @Sendable (Int, Int, String) -> Void
    /// Hears each invalid record skipped.
    public var skipped: @Sendable (String) -> Void

    /// The most one downloaded document may hold.
    public static let downloadLimit = 2 * 1024 * 1024 * 1024

    public init(
        format: FeedFormat?,
        skipInvalid: Bool,
        progress: @escaping @Sendable (Int, Int, String) -> Void = { _, _, _ in },
        skipped: @escaping @Sendable (String) -> Void = { _ in }
    ) {
        self.format = format
        self.skipInvalid = skipInvalid
        self.progress = progress
        self.skipped = skipped
    }

    /// Reads `sources` and imports them into `storage` as the CLI (`actor: "cli"`).
    public func importSources(
        _ sources: [FeedSource],
        into storage: any PatchStorage
    ) async throws
        -> AdvisoryImportSummary
    {
        var documents: [(name: String, data: Data, format: FeedFormat?)] = []
        for source in sources {
            if source.location.hasPrefix("http://") || source.location.hasPrefix("https://") {
                documents.append((source.location, try await download(source.location), source.format))
            } else {
                for file in try FeedFiles.files(at: source.location) {
                    guard let data = FileManager.default.contents(atPath: file) else {
                        throw FeedImportError("cannot read \(file)")
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
                throw FeedImportError("\(document.name): cannot tell the feed format; give --format")
            }
            progress(index, documents.count, document.name)
            do {
                content.merge(try reader.read(document.data, name: document.name, format: format))
            } catch {
                throw FeedImportError("import failed, nothing was stored: \(error)")
            }
        }
        progress(documents.count, documents.count, "read")
        for record in content.skipped { skipped("\(record)") }
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
            throw FeedImportError("\(url) answered \(response.status.code)")
        }
        return Data(buffer: try await response.body.collect(upTo: Self.downloadLimit))
    }
}

extension AdvisoryImportSummary {
    /// One line for people: what an import added, changed and skipped.
    public var text: String {
        "advisories: \(added) added, \(changed) changed, \(withdrawn) withdrawn, \(unchanged) unchanged, "
            + "\(skipped) skipped; KEV entries updated: \(knownExploited); EPSS scores updated: \(epssScores)"
    }
}
