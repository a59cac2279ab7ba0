import AgentProtocol
import Crypto
import FleetModel
import Foundation
import PatchAPI
import Testing

/// A plan queued through the API reaches the real agent, which verifies it against the pinned key,
/// applies it with the real dpkg on a sandbox root, reports, and re-uploads its inventory.
@Suite struct PlanEndToEndTests {
    @Test func queuedPlanIsAppliedReportedAndReflectedInTheInventory() async throws {
        let server = try await ServerProcess.start(dataDirectory: try temporaryDirectory("plans"))
        defer { server.process.kill(signal: SIGKILL) }
        let enrollment = try await server.enrollmentToken(uses: 1)
        let token = try await server.apiToken()
        let host = try SandboxHost.make(hostname: "e2e-plan-01")
        try host.install(name: "hello-pp", version: "1.0-1")
        let upgrade = try host.build(name: "hello-pp", version: "1.1-1")
        let digest = SHA256.hash(data: try Data(contentsOf: URL(fileURLWithPath: upgrade)))
            .map { String(format: "%02x", $0) }.joined()
        let state = try temporaryDirectory("plan-state")
        let common = ["--state-dir", state, "--root", host.root]
        try await run("patchpilot-agent", ["enroll", "--server", server.url, "--token", enrollment] + common)
        try await run("patchpilot-agent", ["run", "--once"] + common)

        struct Identity: Decodable {
            var hostID: String
            var planPublicKey: String?
        }
        let identity = try JSONDecoder().decode(
            Identity.self,
            from: Data(contentsOf: URL(fileURLWithPath: state + "/agent.json"))
        )
        #expect(identity.planPublicKey != nil, "the agent pins the server's plan key at enrollment")

        let draft = """
            {"packages": [{"name": "hello-pp", "version": "1.1-1", "action": "upgrade",
              "artifact": {"url": "file://\(upgrade)", "sha256": "\(digest)"}}],
             "reboot": "never"}
            """
        let queued = try await server.post(
            "/api/v1/hosts/\(identity.hostID)/plans",
            json: Data(draft.utf8),
            token: token
        )
        #expect(queued.status == 201, "\(String(decoding: queued.body, as: UTF8.self))")

        let applied = try await run(
            "patchpilot-agent",
            ["run", "--once", "--log-level", "notice"] + common,
            check: false
        )
        #expect(applied.status == 0, "\(applied.errors)")
        #expect(applied.errors.contains("plan finished"))

        let status = try String(contentsOfFile: host.root + "/var/lib/dpkg/status", encoding: .utf8)
        #expect(status.contains("Version: 1.1-1"))
        let packages = try APIJSON.decoder.decode(
            PackagePage.self,
            from: try await server.get("/api/v1/hosts/\(identity.hostID)/packages", token: token).body
        ).packages
        #expect(packages.first { $0.name == "hello-pp" }?.version == "1.1-1")
        let events = try APIJSON.decoder.decode(
            EventList.self,
            from: try await server.get("/api/v1/events?limit=200", token: token).body
        )
        #expect(events.events.contains { $0.action == "plan.reported" && $0.details.contains("completed") })

        // Nothing more to do: the next check-in runs no plan.
        let idle = try await run("patchpilot-agent", ["run", "--once", "--log-level", "notice"] + common)
        #expect(!idle.errors.contains("plan finished"))
        try await server.stop()
    }
}
