import Foundation

/// Policy fixtures (bundled) and advisory fixtures (the SecurityAdvisories test target's).
enum PolicyFixtures {
    /// `Fixtures/policies` in the test bundle.
    static var policies: URL {
        Bundle.module.resourceURL!.appendingPathComponent("Fixtures/policies", isDirectory: true)
    }

    /// The YAML files of a fixture folder, sorted, named `folder/file.yaml`.
    static func directory(_ folder: String) throws -> [(name: String, text: String)] {
        let url = policies.appendingPathComponent(folder, isDirectory: true)
        let names = try FileManager.default.contentsOfDirectory(atPath: url.path).filter { $0.hasSuffix(".yaml") }
            .sorted()
        return try names.map { name in
            ("\(folder)/\(name)", try String(contentsOf: url.appendingPathComponent(name), encoding: .utf8))
        }
    }

    /// One fixture file, named by its path under `policies`.
    static func file(_ path: String) throws -> (name: String, text: String) {
        (path, try String(contentsOf: policies.appendingPathComponent(path), encoding: .utf8))
    }

    /// A file of the SecurityAdvisories fixtures.
    static func advisoryData(_ path: String) throws -> Data {
        let tests = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return try Data(contentsOf: tests.appendingPathComponent("SecurityAdvisoriesTests/Fixtures/\(path)"))
    }
}
