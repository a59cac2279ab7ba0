import Foundation
import PatchStore

/// The demo's policy (`DemoPolicy/`): environments, tiers and services for the simulated fleet
/// (placed by the `env` and `role` labels ``DemoHostLabels`` gives its hosts), an internal SLA
/// profile, and a maintenance window open around the clock so that a rollout started in the demo
/// runs at once.
public enum DemoPolicy {
    /// Name of the demo's always-open maintenance window (a change names it to be scheduled).
    public static let windowName = "Demo window"

    /// The bundled policy files, in name order.
    public static func files() throws -> [PolicyFile] {
        guard let directory = Bundle.module.url(forResource: "DemoPolicy", withExtension: nil) else {
            throw SimulationError("the bundled demo policy is missing")
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".ics") }.sorted()
        return try names.map {
            PolicyFile(name: $0, text: try String(contentsOf: directory.appendingPathComponent($0), encoding: .utf8))
        }
    }

    /// Applies the demo policy unless a policy is in force; the version applied, or `nil`.
    public static func applyIfEmpty(into storage: any PatchStorage) async throws -> PolicyVersion? {
        guard try await storage.currentPolicy() == nil else { return nil }
        let files = try files()
        return try await storage.applyPolicy(
            files: files,
            actor: "system:demo",
            reason: "the demo's policy: environments, tiers, services, an SLA profile, an always-open window",
            changes: files.map { "+ \($0.name)" },
            now: Date()
        )
    }
}

/// The labels a demo host gets from its name (`web-007.prod.example.net` → role `web`, env `prod`).
enum DemoHostLabels {
    static func labels(hostname: String) -> [String: String] {
        let parts = hostname.split(separator: ".")
        guard parts.count >= 2, let role = parts[0].split(separator: "-").first else { return [:] }
        return ["role": String(role), "env": String(parts[1])]
    }
}
