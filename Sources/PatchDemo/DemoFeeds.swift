import Foundation
import PatchServer
import PatchStore
import SecurityAdvisories

/// The real advisory data bundled for the demo (see `DemoFeeds/SOURCES.md`).
public enum DemoFeeds {
    /// Imports the bundled feeds when the database has no advisories yet.
    public static func importIfEmpty(into storage: any PatchStorage) async throws -> AdvisoryImportSummary? {
        guard try await storage.latestFeedImport() == 0 else { return nil }
        guard let directory = Bundle.module.url(forResource: "DemoFeeds", withExtension: nil) else {
            throw SimulationError("the bundled demo feeds are missing")
        }
        let reader = FeedDocumentReader(policy: .fail, snapshotTime: Date())
        var content = FeedContent()
        for file in try FeedFiles.files(at: directory.path) {
            guard let data = FileManager.default.contents(atPath: file) else { continue }
            let name = URL(fileURLWithPath: file).lastPathComponent
            let format: FeedFormat? =
                switch name {
                case "dsa.list": .debianDSAList
                case "dla.list": .debianDLAList
                case "kev.json": .kev
                default: FeedDocumentReader.detect(name: name, data: data)
                }
            guard let format else { continue }
            content.merge(try reader.read(data, name: "demo/" + name, format: format))
        }
        return try await storage.importAdvisories(
            content.advisories,
            knownExploited: content.knownExploited,
            epss: content.epss,
            skipped: 0,
            source: "demo bundle",
            format: "mixed",
            actor: "system:demo",
            now: Date()
        )
    }
}
