import Foundation
import Testing

/// `patchpilot token create|list|revoke` on the data directory of a running server: a revoked
/// token stops authenticating at once, and only that token.
@Suite struct TokenEndToEndTests {
    /// The `token list` line of the token named `name`: id, user, name, state, expiry, permissions.
    func listed(_ data: String, named name: String) async throws -> [String]? {
        let output = try await run("patchpilot", ["token", "list", "--data-dir", data, "--user", "admin"]).output
        return output.split(separator: "\n").map { $0.split(separator: "\t").map(String.init) }
            .first { $0.count == 6 && $0[2] == name }
    }

    @Test func aTokenRevokedFromTheCLIStopsAuthenticating() async throws {
        let data = try temporaryDirectory("tokens")
        let server = try await ServerProcess.start(dataDirectory: data)
        defer { server.process.kill(signal: SIGKILL) }
        func create(_ name: String, _ extra: [String] = []) async throws -> String {
            try await run(
                "patchpilot",
                ["token", "create", "--data-dir", data, "--user", "admin", "--name", name] + extra
            )
            .output.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let doomed = try await create("doomed")
        let kept = try await create("kept", ["--permissions", "fleet.read"])
        for token in [doomed, kept] { #expect(try await server.get("/api/v1/me", token: token).status == 200) }

        let line = try #require(try await listed(data, named: "doomed"))
        #expect(line[1] == "admin")
        #expect(line[3] == "active")
        #expect(line[5] == "all")
        // The id is the part of the token between "ppt_" and the second "_"; the secret is never listed.
        let id = line[0]
        #expect(doomed.hasPrefix("ppt_\(id)_"))
        let list = try await run("patchpilot", ["token", "list", "--data-dir", data]).output
        #expect(!list.contains(doomed) && !list.contains(String(doomed.split(separator: "_").last ?? "")))
        #expect(try await listed(data, named: "kept")?[5] == "fleet.read")

        let revoked = try await run("patchpilot", ["token", "revoke", "--data-dir", data, id])
        #expect(revoked.output.contains("revoked \(id)"))
        #expect(try await listed(data, named: "doomed")?[3] == "revoked")
        #expect(try await listed(data, named: "kept")?[3] == "active")
        // The running server refuses it on the next request; the other token still works.
        #expect(try await server.get("/api/v1/me", token: doomed).status == 401)
        #expect(try await server.get("/api/v1/hosts", token: doomed).status == 401)
        #expect(try await server.get("/api/v1/me", token: kept).status == 200)

        let unknown = try await run("patchpilot", ["token", "revoke", "--data-dir", data, "nosuchid"], check: false)
        #expect(unknown.status != 0)
        #expect(unknown.errors.contains("no API token with id 'nosuchid'"))
        try await server.stop()
    }
}
