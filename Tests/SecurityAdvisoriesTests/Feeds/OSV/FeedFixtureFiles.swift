import Foundation

/// Loads the OSV and Debian feed fixtures bundled with the test target (see Fixtures/SOURCES.md).
enum FeedFixtureFiles {
    /// The bundled `Fixtures` folder.
    static var root: URL {
        get throws {
            guard let url = Bundle.module.resourceURL?.appendingPathComponent("Fixtures") else {
                throw CocoaError(.fileNoSuchFile)
            }
            return url
        }
    }

    /// One fixture file, by its path under `Fixtures/`.
    static func data(_ path: String) throws -> Data {
        try Data(contentsOf: root.appendingPathComponent(path))
    }

    /// Every `.json` file of a fixture folder, sorted by name, as `(name, data)` pairs.
    static func directory(_ folder: String) throws -> [(name: String, data: Data)] {
        let url = try root.appendingPathComponent(folder)
        let names = try FileManager.default.contentsOfDirectory(atPath: url.path).filter { $0.hasSuffix(".json") }
            .sorted()
        return try names.map { (name: $0, data: try Data(contentsOf: url.appendingPathComponent($0))) }
    }

    /// A JSON object fixture, decoded for tests that edit a real record.
    static func jsonObject(_ path: String) throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: data(path))
        guard let fields = object as? [String: Any] else { throw CocoaError(.propertyListReadCorrupt) }
        return fields
    }

    /// Serialises an object on one line (for newline-delimited and array documents).
    static func compactJSON(_ object: Any) throws -> Data {
        try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    }

    /// A UTC date from its parts.
    static func utc(
        _ year: Int,
        _ month: Int,
        _ day: Int,
        _ hour: Int = 0,
        _ minute: Int = 0,
        _ second: Double = 0
    )
        -> Date
    {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let midnight = calendar.date(from: DateComponents(year: year, month: month, day: day))!
        return midnight.addingTimeInterval(Double(hour * 3600 + minute * 60) + second)
    }
}
