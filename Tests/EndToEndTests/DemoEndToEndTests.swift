import Foundation
import Testing

/// `serve --demo` shows the product: its policy places the simulated hosts, a change to dev and
/// staging naming the demo's window is planned with every host schedulable, and the simulated
/// agents carry the rollout out to the end — over real HTTP, between real processes.
@Suite(.serialized) struct DemoEndToEndTests {
    func json(_ object: Any) throws -> Data { try JSONSerialization.data(withJSONObject: object) }

    func object(_ data: Data) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test func aDemoRolloutRunsToItsEnd() async throws {
        let data = try temporaryDirectory("demo")
        let server = try await ServerProcess.start(
            dataDirectory: data,
            extraArguments: ["--demo", "--demo-agents", "12", "--demo-failure-rate", "0"]
        )
        defer { Task { try? await server.stop() } }
        let admin = try await server.apiToken()
        try await run(
            "patchpilot",
            ["admin", "create-user", "--data-dir", data, "--username", "bob", "--role", "approver"]
        )
        let approver = try await run("patchpilot", ["token", "create", "--data-dir", data, "--user", "bob"]).output
            .trimmingCharacters(in: .whitespacesAndNewlines)

        // Wait until the fleet enrolled and the demo labelled it (the policy places hosts by label).
        var placed = 0
        for _ in 0..<120 where placed < 12 {
            try await Task.sleep(for: .milliseconds(500))
            let hosts = try object(try await server.get("/api/v1/hosts?limit=100", token: admin).body)
            placed =
                (hosts["hosts"] as? [[String: Any]] ?? []).filter {
                    (($0["labels"] as? [String: String]) ?? [:])["env"] != nil
                }.count
        }
        #expect(placed == 12, "every demo host carries its env label")

        // The numbers agree: the overview's risk summary, the findings list, the compliance report
        // (open findings only) and the hosts' own findings count the same open findings.
        let risk = try object(try await server.get("/api/v1/risk/summary", token: admin).body)
        let bySeverity = try #require(risk["bySeverity"] as? [String: Int])
        let open = bySeverity.values.reduce(0, +)
        #expect(open > 0, "the demo fleet has findings")
        let listed = try object(try await server.get("/api/v1/findings?limit=1", token: admin).body)
        #expect(listed["total"] as? Int == open)
        let compliance = try object(
            try await server.get("/api/v1/compliance?framework=custom&limit=1", token: admin).body
        )
        let totals = try #require(compliance["totals"] as? [String: Int])
        let openStates = ["onTime", "dueSoon", "overdue", "excepted", "notCovered"]
        #expect(openStates.reduce(0) { $0 + (totals[$1] ?? 0) } == open, "compliance counts open findings: \(totals)")
        let hostList = try object(try await server.get("/api/v1/hosts?limit=100", token: admin).body)
        var perHost = 0
        for host in hostList["hosts"] as? [[String: Any]] ?? [] {
            let id = try #require(host["id"] as? String)
            let page = try object(try await server.get("/api/v1/hosts/\(id)/findings?limit=1", token: admin).body)
            perHost += page["total"] as? Int ?? 0
        }
        #expect(perHost == open, "the hosts' findings add up to the fleet's")
        let ubuntu = (hostList["hosts"] as? [[String: Any]] ?? []).filter {
            ((($0["facts"] as? [String: Any])?["os"] as? [String: Any])?["id"] as? String) == "ubuntu"
        }
        var ubuntuFindings = 0
        for host in ubuntu {
            let id = try #require(host["id"] as? String)
            let page = try object(try await server.get("/api/v1/hosts/\(id)/findings?limit=1", token: admin).body)
            ubuntuFindings += page["total"] as? Int ?? 0
        }
        #expect(ubuntu.isEmpty || ubuntuFindings > 0, "Ubuntu hosts are correlated with the bundled USNs")

        let created = try await server.post(
            "/api/v1/changes",
            json: try json([
                "title": "Patch openssl", "kind": "normal",
                "content": [
                    "packages": [["name": "openssl"]], "environments": ["dev", "staging"], "windows": ["Demo window"],
                    "rollbackPlan": "reinstall the previous version", "allApprovedByBaseline": false,
                    "groups": [String](), "hosts": [String](), "addresses": [String](),
                ],
            ]),
            token: admin
        )
        #expect(created.status == 201, "\(String(decoding: created.body, as: UTF8.self))")
        let change = try #require(try object(created.body)["change"] as? [String: Any])
        let id = try #require(change["id"] as? String)
        #expect(try await server.post("/api/v1/changes/\(id)/submit", json: try json([:]), token: admin).status == 200)
        let submitted = try object(try await server.get("/api/v1/changes/\(id)", token: admin).body)
        let approved = try await server.post(
            "/api/v1/changes/\(id)/approve",
            json: try json(["comment": "ok", "contentDigest": submitted["contentDigest"] as? String ?? ""]),
            token: approver
        )
        #expect(approved.status == 200)

        let plan = try object(
            try await server.post("/api/v1/changes/\(id)/rollout-plan", json: try json([:]), token: admin).body
        )
        #expect((plan["unschedulable"] as? [Any])?.isEmpty == true, "the always-open window schedules every host")
        let started = try await server.post(
            "/api/v1/rollouts",
            json: try json(["change": id, "planDigest": plan["digest"] as? String ?? ""]),
            token: admin
        )
        #expect(started.status == 201, "\(String(decoding: started.body, as: UTF8.self))")
        let rollout = try #require(try object(started.body)["id"] as? String)
        var state = ""
        var counts: [String: Int] = [:]
        for _ in 0..<120 where !["completed", "failed", "aborted", "halted"].contains(state) {
            try await Task.sleep(for: .seconds(1))
            let current = try object(try await server.get("/api/v1/rollouts/\(rollout)", token: admin).body)
            state = current["state"] as? String ?? ""
            counts = current["counts"] as? [String: Int] ?? [:]
        }
        #expect(state == "completed", "the demo agents carry the rollout out: \(state) \(counts)")
        #expect((counts["succeeded"] ?? 0) > 0)
        let guide = server.process.standardOutput
        #expect(guide.contains("applied the demo policy"))
        #expect(guide.contains("what to try"))
    }
}
