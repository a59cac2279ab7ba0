import Foundation

/// Loads files under `Tests/SecurityAdvisoriesTests/Fixtures/` for the CSAF, Alpine, KEV, EPSS and
/// NVD reader tests (by source path, so it works whatever resources the test target declares).
enum FeedReaderFixtures {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // KEV
        .deletingLastPathComponent()  // Feeds
        .deletingLastPathComponent()  // SecurityAdvisoriesTests
        .appendingPathComponent("Fixtures")

    /// The bytes of `Fixtures/<path>`.
    static func data(_ path: String) throws -> Data {
        try Data(contentsOf: root.appendingPathComponent(path))
    }

    /// Runs `/bin/gzip` (or `gzip` on the PATH) with `arguments` on `input` and returns its output.
    static func gzip(_ input: Data, arguments: [String]) throws -> Data {
        let process = Process()
        process.executableURL = URL(
            fileURLWithPath: FileManager.default.fileExists(atPath: "/bin/gzip") ? "/bin/gzip" : "/usr/bin/gzip"
        )
        process.arguments = arguments
        let inputFile = FileManager.default.temporaryDirectory.appendingPathComponent("feeds-gzip-\(UUID().uuidString)")
        try input.write(to: inputFile)
        defer { try? FileManager.default.removeItem(at: inputFile) }
        process.standardInput = try FileHandle(forReadingFrom: inputFile)
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return data
    }
}
