import Foundation
import Testing

/// `patchpilot policy check` and `policy apply` against a real server process.
@Suite struct PolicyEndToEndTests {
    static var policies: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("PatchPolicyTests/Fixtures/policies").path
    }

    @Test func applyShowsTheDiffThenAppliesOnce() async throws {
        let server = try await ServerProcess.start(dataDirectory: try temporaryDirectory("policy"))
        defer { server.process.kill(signal: SIGKILL) }
        let token = try await server.apiToken()
        let valid = Self.policies + "/valid"
        let check = try await run("patchpilot", ["policy", "check", valid])
        #expect(!check.output.isEmpty)
        let arguments = ["policy", "apply", valid, "--server", server.url, "--token", token, "--reason", "e2e"]
        let dryRun = try await run("patchpilot", arguments + ["--dry-run"])
        #expect(dryRun.output.contains("+ "))
        #expect(!dryRun.output.contains("applied as policy version"))
        let applied = try await run("patchpilot", arguments)
        #expect(applied.output.contains("applied as policy version 1"))
        let again = try await run("patchpilot", arguments + ["--dry-run"])
        #expect(again.output.contains("no changes"))
        let invalid = try await run(
            "patchpilot",
            [
                "policy", "apply", Self.policies + "/invalid/unknown-severity.yaml", "--server", server.url, "--token",
                token,
                "--reason", "bad",
            ],
            check: false
        )
        #expect(invalid.status == 1)
        #expect(invalid.errors.contains("unknown-severity.yaml:"))
        try await server.stop()
    }
}
