import AgentProtocol
import ChangeControl
import FleetModel
import Foundation
import PatchAPI
import Testing

/// The real `patchpilot` server and `patchpilot-agent` executables talking over loopback HTTP,
/// with the agent reading a sandbox root whose packages were installed by the real dpkg.
@Suite(.serialized) struct AgentEndToEndTests {
    @Test func agentEnrollsReportsDeltasAndIsRevoked() async throws {
        let server = try await ServerProcess.start(dataDirectory: try temporaryDirectory("data"))
        defer { server.process.kill(signal: SIGKILL) }
        #expect(server.adminPassword?.isEmpty == false)
        let enrollment = try await server.enrollmentToken(uses: 1)
        let token = try await server.apiToken()

        let host = try SandboxHost.make(hostname: "e2e-web-01")
        try host.install(name: "hello-pp", version: "1.0-1")
        try host.install(name: "hello-pp-tools", version: "1:1.0-1+b1", source: "hello-pp (1.0-1)")
        let state = try temporaryDirectory("state")
        let common = ["--state-dir", state, "--root", host.root]
        try await run("patchpilot-agent", ["enroll", "--server", server.url, "--token", enrollment] + common)
        let keyMode = try FileManager.default.attributesOfItem(atPath: state + "/agent.key")[.posixPermissions] as? Int
        #expect(keyMode == 0o600)

        try await run("patchpilot-agent", ["run", "--once"] + common)
        let page = try APIJSON.decoder.decode(
            HostPage.self,
            from: try await server.get("/api/v1/hosts", token: token).body
        )
        #expect(page.total == 1)
        let stored = try #require(page.hosts.first)
        #expect(stored.hostname == "e2e-web-01")
        #expect(stored.packageCount == 2)
        let packages = try APIJSON.decoder.decode(
            PackagePage.self,
            from: try await server.get("/api/v1/hosts/\(stored.id)/packages", token: token).body
        ).packages
        let tools = try #require(packages.first { $0.name == "hello-pp-tools" })
        #expect(tools.version == "1:1.0-1+b1")
        #expect(tools.sourceName == "hello-pp")
        #expect(tools.sourceVersion == "1.0-1")

        // The same enrollment token is used up.
        let other = try temporaryDirectory("state2")
        let refused = try await run(
            "patchpilot-agent",
            ["enroll", "--server", server.url, "--token", enrollment, "--state-dir", other, "--root", host.root],
            check: false
        )
        #expect(refused.status != 0)
        #expect(refused.errors.contains("401"))

        // Upgrade with the real dpkg; the next check-in sends a delta the server records as history.
        try host.install(name: "hello-pp", version: "1.1-1")
        try await run("patchpilot-agent", ["run", "--once"] + common)
        let history = try APIJSON.decoder.decode(
            InventoryHistory.self,
            from: try await server.get("/api/v1/hosts/\(stored.id)/inventory-history", token: token).body
        )
        #expect(
            history.changes.contains {
                $0.kind == .changed && $0.name == "hello-pp" && $0.oldVersion == "1.0-1" && $0.newVersion == "1.1-1"
            }
        )

        // Revocation through the CLI takes effect on the very next request.
        struct Identity: Decodable { var agentID: String }
        let identity = try JSONDecoder().decode(
            Identity.self,
            from: Data(contentsOf: URL(fileURLWithPath: state + "/agent.json"))
        )
        try await run("patchpilot", ["agent", "revoke", "--data-dir", server.dataDirectory, identity.agentID])
        let afterRevoke = try await run("patchpilot-agent", ["run", "--once"] + common, check: false)
        #expect(afterRevoke.status != 0)
        #expect(afterRevoke.errors.contains("revoked"))
        try await server.stop()
    }

    @Test func inventoryJSONListsSandboxPackages() async throws {
        let host = try SandboxHost.make(hostname: "e2e-inventory")
        try host.install(name: "hello-pp", version: "2.0-1")
        let output = try await run("patchpilot-agent", ["inventory", "--json", "--root", host.root]).output
        struct Inventory: Decodable {
            var facts: HostFacts
            var packages: [InstalledPackage]
        }
        let inventory = try JSONDecoder().decode(Inventory.self, from: Data(output.utf8))
        #expect(inventory.facts.hostname == "e2e-inventory")
        #expect(inventory.facts.os.versionCodename == "bookworm")
        #expect(inventory.packages.map(\.name) == ["hello-pp"])
        #expect(inventory.packages.first?.state == .installed)
    }

    /// Kill -9 the server while simulated agents upload; after a restart every stored inventory is
    /// whole: its fingerprint matches its packages and the package count.
    @Test func serverKilledDuringUploadsLeavesNoHalfWrittenInventory() async throws {
        let data = try temporaryDirectory("crash")
        let server = try await ServerProcess.start(dataDirectory: data)
        let enrollment = try await server.enrollmentToken(uses: 40)
        let simulation = try RunningProcess(
            "patchpilot",
            [
                "simulate", "--server", server.url, "--enroll-token", enrollment, "--agents", "40", "--rounds", "50",
                "--patch-rate", "0.6", "--concurrency", "8",
            ]
        )
        _ = try await simulation.waitForOutput(containing: "enrolled", timeout: 120)
        try await Task.sleep(for: .milliseconds(700))
        server.process.kill(signal: SIGKILL)
        _ = try await server.process.wait()
        _ = try await simulation.wait()

        let restarted = try await ServerProcess.start(dataDirectory: data)
        defer { restarted.process.kill(signal: SIGKILL) }
        let token = try await restarted.apiToken()
        let page = try APIJSON.decoder.decode(
            HostPage.self,
            from: try await restarted.get("/api/v1/hosts?limit=100", token: token).body
        )
        #expect(page.total == 40)
        var withInventory = 0
        for host in page.hosts {
            let packages = try APIJSON.decoder.decode(
                PackagePage.self,
                from: try await restarted.get("/api/v1/hosts/\(host.id)/packages?limit=10000", token: token).body
            ).packages
            #expect(packages.count == host.packageCount, "host \(host.hostname)")
            if let fingerprint = host.inventoryFingerprint {
                withInventory += 1
                #expect(InventoryFingerprint.of(packages) == fingerprint, "host \(host.hostname) has a torn inventory")
            } else {
                #expect(packages.isEmpty)
            }
        }
        #expect(withInventory == 40)
        try await restarted.stop()
    }
}
