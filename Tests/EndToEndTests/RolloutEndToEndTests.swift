import ChangeControl
import Foundation
import PatchAPI
import Testing

/// Rollouts with real processes: a `patchpilot serve` server, `patchpilot-agent` processes on
/// sandbox dpkg roots installing from a flat apt repository with the real dpkg and apt-get, the CLI
/// for change control and rollouts, and HTTP in between.
///
/// The tests run one after the other: each drives a fleet of agent processes and would starve the
/// others on a small machine.
@Suite(.serialized) struct RolloutEndToEndTests {
    static let policy = """
        environments: [dev, staging, prod]
        groups:
          - name: dev
            labels: {env: dev}
            tier: staging
            environment: dev
          - name: staging
            labels: {env: staging}
            tier: staging
            environment: staging
          - name: prod
            labels: {env: prod}
            tier: production-services
            environment: prod
        """

    /// Open around the clock, so windows never block these tests. Each daily occurrence lasts 48
    /// hours: the one that opened yesterday is still open, so a task fits at any time of the day
    /// (with 24-hour occurrences a 30-minute task started after 23:30 UTC would wait for midnight).
    static let calendar = """
        BEGIN:VCALENDAR\r
        VERSION:2.0\r
        PRODID:-//tests//EN\r
        BEGIN:VEVENT\r
        UID:always@tests\r
        SUMMARY:always\r
        DTSTART:20260101T000000Z\r
        DURATION:PT48H\r
        RRULE:FREQ=DAILY\r
        X-PATCHPILOT-CUTOFF:0\r
        END:VEVENT\r
        END:VCALENDAR\r

        """

    /// The probe every rollout plan runs after installing: demo 1.2 does not ship the file.
    static let probe = #"test -f "$PATCHPILOT_ROOT/usr/share/demo/healthy""#

    static let finished: Set<String> = ["completed", "rolled-back", "failed", "aborted"]

    // MARK: - API shapes

    struct View: Decodable {
        struct Wave: Decodable {
            var index: Int
            var name: String
            var environment: String
            var kind: String
            var state: String
            var hosts: Int
        }
        struct Task: Decodable {
            var hostID: String
            var wave: Int
            var state: String
            var attempt: Int
            var planID: String?
            var reason: String?
            var outcome: String?
        }
        var id: String
        var change: String
        var state: String
        var reason: String?
        var waves: [Wave]
        var tasks: [Task]?
        var rollbackTasks: [Task]
    }

    struct ChangeAnswer: Decodable {
        struct Change: Decodable { var state: String }
        var change: Change
    }

    // MARK: - Fleet

    /// One sandbox host with its enrolled agent.
    struct Agent: Sendable {
        var name: String
        var environment: String
        var host: SandboxHost
        var stateDirectory: String
        var hostID: String

        var common: [String] { ["--state-dir", stateDirectory, "--root", host.root] }

        /// One check-in: inventory, then the next plan (if any) applied and reported.
        func runOnce() async throws -> (status: Int32, errors: String) {
            let result = try await run(
                "patchpilot-agent",
                ["run", "--once", "--log-level", "notice"] + common,
                check: false
            )
            return (result.status, result.errors)
        }
    }

    /// A running server with its admin token and its enrolled agents.
    struct Fleet {
        var server: ServerProcess
        var token: String
        var agents: [Agent]

        var api: [String] { ["--server", server.url, "--token", token] }

        func agent(hostID: String) -> Agent? { agents.first { $0.hostID == hostID } }
    }

    /// Builds demo 1.0 and 1.1 (good: ship `/usr/share/demo/healthy`), 1.2 (bad: does not) and 1.3
    /// (healthy, but its `/usr/share/demo/metrics` reports five times the latency), and indexes them
    /// as one flat repository every sandbox uses.
    static func demoRepository() throws -> String {
        let repository = try temporaryDirectory("ro-repo")
        let build = try temporaryDirectory("ro-build")
        for (version, healthy) in [("1.0", true), ("1.1", true), ("1.2", false), ("1.3", true)] {
            let tree = build + "/demo-\(version)"
            try FileManager.default.createDirectory(atPath: tree + "/DEBIAN", withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: tree + "/usr/share/demo", withIntermediateDirectories: true)
            try """
            Package: demo
            Version: \(version)
            Architecture: all
            Maintainer: Test <test@example.net>
            Description: PatchPilot rollout test package

            """.write(toFile: tree + "/DEBIAN/control", atomically: true, encoding: .utf8)
            try "demo \(version)\n".write(toFile: tree + "/usr/share/demo/VERSION", atomically: true, encoding: .utf8)
            // What the host's metrics exporter serves: 1.3 is healthy but slow.
            try "# TYPE pp_latency_seconds gauge\npp_latency_seconds \(version == "1.3" ? "0.5" : "0.1")\n".write(
                toFile: tree + "/usr/share/demo/metrics",
                atomically: true,
                encoding: .utf8
            )
            if healthy {
                try "ok\n".write(toFile: tree + "/usr/share/demo/healthy", atomically: true, encoding: .utf8)
            }
            try system([
                "dpkg-deb", "--root-owner-group", "-Zgzip", "--build", tree, repository + "/demo_\(version)_all.deb",
            ])
        }
        try SandboxHost.indexRepository(repository)
        return repository
    }

    /// Starts a server, applies the policy, and enrolls `counts` hosts per environment (demo 1.0
    /// installed, the repository configured, inventory uploaded, labelled `env=…`).
    static func fleet(
        _ counts: [(environment: String, hosts: Int)],
        serverArguments: [String] = []
    ) async throws -> Fleet {
        let server = try await ServerProcess.start(
            dataDirectory: try temporaryDirectory("rollouts"),
            extraArguments: ["--rollout-tick", "300"] + serverArguments
        )
        do {
            let token = try await server.apiToken()
            let policy = try JSONSerialization.data(withJSONObject: [
                "files": [["name": "policy.yaml", "text": policy], ["name": "always.ics", "text": calendar]],
                "reason": "rollout end-to-end tests",
                "dryRun": false,
            ])
            let applied = try await server.post("/api/v1/policy", json: policy, token: token)
            try #require(applied.status == 200, "\(String(decoding: applied.body, as: UTF8.self))")

            let repository = try demoRepository()
            let total = counts.reduce(0) { $0 + $1.hosts }
            let enrollment = try await server.enrollmentToken(uses: total)
            var planned: [(name: String, environment: String, host: SandboxHost, state: String)] = []
            for (environment, hosts) in counts {
                for number in 1...hosts {
                    let name = "ro-\(environment)-\(String(format: "%02d", number))"
                    let host = try SandboxHost.make(hostname: name)
                    try host.install(deb: repository + "/demo_1.0_all.deb")
                    try host.useAptRepository(repository)
                    planned.append((name, environment, host, try temporaryDirectory("ro-state")))
                }
            }
            let agents = try await inBatches(planned) { entry in
                let common = ["--state-dir", entry.state, "--root", entry.host.root]
                try await run(
                    "patchpilot-agent",
                    ["enroll", "--server", server.url, "--token", enrollment] + common
                )
                try await run("patchpilot-agent", ["run", "--once", "--log-level", "warning"] + common)
                struct Identity: Decodable { var hostID: String }
                let identity = try JSONDecoder().decode(
                    Identity.self,
                    from: Data(contentsOf: URL(fileURLWithPath: entry.state + "/agent.json"))
                )
                let labelled = try await server.put(
                    "/api/v1/hosts/\(identity.hostID)/labels",
                    json: Data(#"{"labels":{"env":"\#(entry.environment)"},"tags":[]}"#.utf8),
                    token: token
                )
                try #require(labelled.status == 200, "\(String(decoding: labelled.body, as: UTF8.self))")
                return Agent(
                    name: entry.name,
                    environment: entry.environment,
                    host: entry.host,
                    stateDirectory: entry.state,
                    hostID: identity.hostID
                )
            }
            return Fleet(server: server, token: token, agents: agents.sorted { $0.name < $1.name })
        } catch {
            server.process.kill(signal: SIGKILL)
            throw error
        }
    }

    /// Runs `body` over `items`, `width` at a time (each runs processes; the machine has few cores).
    static func inBatches<Item: Sendable, Result: Sendable>(
        _ items: [Item],
        width: Int = 4,
        _ body: @escaping @Sendable (Item) async throws -> Result
    ) async throws -> [Result] {
        try await withThrowingTaskGroup(of: Result.self) { group in
            var results: [Result] = []
            var pending = items.makeIterator()
            for _ in 0..<width {
                guard let item = pending.next() else { break }
                group.addTask { try await body(item) }
            }
            while let result = try await group.next() {
                results.append(result)
                if let item = pending.next() { group.addTask { try await body(item) } }
            }
            return results
        }
    }

    // MARK: - Change control and rollouts

    /// Creates `username` with `role` on the server's data directory and returns an API token of theirs.
    static func user(_ username: String, role: String, server: ServerProcess) async throws -> String {
        try await run(
            "patchpilot",
            ["admin", "create-user", "--data-dir", server.dataDirectory, "--username", username, "--role", role]
        )
        return try await run("patchpilot", ["token", "create", "--data-dir", server.dataDirectory, "--user", username])
            .output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func changeState(_ id: String, fleet: Fleet) async throws -> String {
        let answer = try await fleet.server.get("/api/v1/changes/\(id)", token: fleet.token)
        return try JSONDecoder().decode(ChangeAnswer.self, from: answer.body).change.state
    }

    /// The admin requests a change upgrading demo to `version` everywhere, submits it, and CAB
    /// members (never the requester) approve it until the quorum its risk needs is reached.
    static func approvedChange(version: String, fleet: Fleet) async throws -> String {
        let environments = Array(Set(fleet.agents.map(\.environment))).sorted()
        let created = try await run(
            "patchpilot",
            ["change", "create", "--title", "demo \(version)", "--package", "demo=\(version)", "--window", "always"]
                + environments.flatMap { ["--environment", $0] }
                + ["--rollback-plan", "reinstall demo 1.0 from the repository"] + fleet.api
        )
        let change = created.output.trimmingCharacters(in: .whitespacesAndNewlines)
        try #require(change.hasPrefix("CHG-"), "\(created.output)")
        let submitted = try await run("patchpilot", ["change", "submit", change] + fleet.api)
        #expect(submitted.output.contains("submitted"), "\(submitted.output)")
        // The requester may not approve their own change.
        let own = try await run("patchpilot", ["change", "approve", change] + fleet.api, check: false)
        #expect(own.status != 0)
        for number in 1...3 {
            let cab = try await user("cab\(number)", role: "approver", server: fleet.server)
            try await run(
                "patchpilot",
                ["change", "approve", change, "--comment", "CAB e2e", "--server", fleet.server.url, "--token", cab]
            )
            if try await changeState(change, fleet: fleet) == "approved" { break }
        }
        #expect(try await changeState(change, fleet: fleet) == "approved")
        return change
    }

    /// Starts the rollout with the CLI: one canary per environment, half an environment per wave,
    /// the probe as post-check; returns the rollout id.
    static func startRollout(
        _ change: String,
        fleet: Fleet,
        probe: String = RolloutEndToEndTests.probe,
        extra: [String] = []
    ) async throws -> String {
        let options = try temporaryDirectory("ro-options") + "/options.json"
        let json = try JSONSerialization.data(withJSONObject: [
            "reboot": "never",
            "postChecks": [["command": ["arguments": ["sh", "-c", probe], "expectedExitCode": 0]]],
        ])
        try json.write(to: URL(fileURLWithPath: options))
        let started = try await run(
            "patchpilot",
            ["rollout", "start", change, "--canary", "1", "--max-concurrency", "50%", "--options-file", options]
                + extra + fleet.api
        )
        let id = started.output.trimmingCharacters(in: .whitespacesAndNewlines)
        try #require(id.hasPrefix("RO-"), "\(started.output) \(started.errors)")
        return id
    }

    static func rollout(_ id: String, fleet: Fleet) async throws -> View {
        let answer = try await fleet.server.get("/api/v1/rollouts/\(id)", token: fleet.token)
        guard answer.status == 200 else {
            throw ProcessFailure("GET rollout \(id): \(answer.status) \(String(decoding: answer.body, as: UTF8.self))")
        }
        return try JSONDecoder().decode(View.self, from: answer.body)
    }

    static func events(_ id: String, fleet: Fleet) async throws -> [AuditEvent] {
        let answer = try await fleet.server.get(
            "/api/v1/audit/events?target=rollout:\(id)&limit=5000",
            token: fleet.token
        )
        return try APIJSON.decoder.decode(AuditEventList.self, from: answer.body).events
    }

    /// Drives the agents until the rollout finishes: each round runs the agents whose task is
    /// leased (or every agent, with `everyHost`), then looks at the rollout again.
    static func drive(
        _ id: String,
        fleet: Fleet,
        everyHost: Bool = false,
        timeout: TimeInterval = 150,
        until done: (View) -> Bool = { RolloutEndToEndTests.finished.contains($0.state) }
    ) async throws -> View {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let view = try await rollout(id, fleet: fleet)
            if done(view) { return view }
            guard Date() < deadline else {
                throw ProcessFailure("rollout \(id) still \(view.state) after \(Int(timeout)) s: \(view.reason ?? "")")
            }
            let leased = Set(((view.tasks ?? []) + view.rollbackTasks).filter { $0.state == "leased" }.map(\.hostID))
            let agents = everyHost ? fleet.agents : fleet.agents.filter { leased.contains($0.hostID) }
            if agents.isEmpty {
                try await Task.sleep(for: .milliseconds(300))
                continue
            }
            _ = try await inBatches(agents) { try await $0.runOnce() }
        }
    }

    // MARK: - Scenarios

    /// 21 hosts in dev, staging and prod: one plan each, environment by environment, every wave
    /// passed, demo 1.1 everywhere, the change completed.
    @Test func cleanRolloutGoesEnvironmentByEnvironmentAcrossTheFleet() async throws {
        let fleet = try await Self.fleet([("dev", 7), ("staging", 7), ("prod", 7)])
        defer { fleet.server.process.kill(signal: SIGKILL) }
        let change = try await Self.approvedChange(version: "1.1", fleet: fleet)
        let plan = try await run(
            "patchpilot",
            ["rollout", "plan", change, "--canary", "1", "--max-concurrency", "50%"] + fleet.api
        )
        #expect(plan.output.contains("dev:") && plan.output.contains("staging:") && plan.output.contains("prod:"))
        let id = try await Self.startRollout(change, fleet: fleet)

        let view = try await Self.drive(id, fleet: fleet)
        #expect(view.state == "completed", "\(view.reason ?? "")")
        #expect(view.waves.allSatisfy { $0.state == "passed" })
        let order = ["dev": 0, "staging": 1, "prod": 2]
        let waveEnvironments = view.waves.map { order[$0.environment] ?? -1 }
        #expect(waveEnvironments == waveEnvironments.sorted(), "waves: \(view.waves.map(\.name))")
        #expect(Set(view.waves.map(\.environment)) == ["dev", "staging", "prod"])
        #expect(view.waves.filter { $0.kind == "canary" }.count == 3)
        // Tier waves are named after the tier the policy's groups give the hosts.
        #expect(
            view.waves.filter { $0.kind == "tier" && $0.environment == "prod" }.allSatisfy {
                $0.name.contains("tier 1")
            }
        )
        #expect(
            view.waves.filter { $0.kind == "tier" && $0.environment == "dev" }.allSatisfy { $0.name.contains("tier 2") }
        )
        #expect(view.waves.reduce(0) { $0 + $1.hosts } == fleet.agents.count)
        #expect(view.tasks?.allSatisfy { $0.state == "succeeded" && $0.attempt == 1 } == true)

        for agent in fleet.agents {
            #expect(try agent.host.installedVersion("demo") == "1.1", "\(agent.name)")
        }

        // One plan per host, leased environment by environment.
        let leases = try await Self.events(id, fleet: fleet).filter { $0.action == "rollout.task_leased" }
            .sorted { $0.id < $1.id }
        let leasedHosts = leases.compactMap { $0.fields["host"] }
        #expect(leasedHosts.count == fleet.agents.count)
        #expect(Set(leasedHosts) == Set(fleet.agents.map(\.hostID)))
        #expect(leases.allSatisfy { $0.fields["plan"]?.hasSuffix("-a1") == true })
        let leasedOrder = leasedHosts.compactMap { fleet.agent(hostID: $0).flatMap { order[$0.environment] } }
        #expect(leasedOrder.count == fleet.agents.count)
        #expect(leasedOrder == leasedOrder.sorted(), "leases by environment: \(leasedOrder)")

        #expect(try await Self.changeState(change, fleet: fleet) == "completed")
        let status = try await run("patchpilot", ["rollout", "status", id] + fleet.api)
        #expect(status.output.contains("\(id)  \(change)  completed"), "\(status.output)")
        for wave in view.waves {
            #expect(status.output.contains("\(wave.name) (\(wave.hosts) hosts) passed"), "\(status.output)")
        }

        // Nothing is left for anyone: another check-in of every agent runs no plan.
        let idle = try await Self.inBatches(fleet.agents) { try await $0.runOnce() }
        #expect(idle.allSatisfy { $0.status == 0 && !$0.errors.contains("plan finished") })
        try await fleet.server.stop()
    }

    /// demo 1.2 breaks the probe: the canary's agent rolls itself back, the rollout and the change end
    /// rolled back, and no other host ever gets a plan.
    @Test func canaryThatBreaksTheProbeRollsBackAndNoOtherHostGetsAPlan() async throws {
        let fleet = try await Self.fleet([("dev", 2), ("staging", 2), ("prod", 2)])
        defer { fleet.server.process.kill(signal: SIGKILL) }
        let change = try await Self.approvedChange(version: "1.2", fleet: fleet)
        let id = try await Self.startRollout(change, fleet: fleet)
        let canaryID = try #require(try await Self.rollout(id, fleet: fleet).tasks?.first { $0.state == "leased" })
            .hostID
        let canary = try #require(fleet.agent(hostID: canaryID))
        #expect(canary.environment == "dev")

        // Every agent checks in each round: only the canary ever gets a plan.
        let view = try await Self.drive(id, fleet: fleet, everyHost: true, timeout: 90)
        #expect(view.state == "rolled-back", "\(view.reason ?? "")")
        #expect(view.reason?.contains("canary") == true, "\(view.reason ?? "")")
        let task = try #require(view.tasks?.first { $0.hostID == canaryID })
        #expect(task.state == "failed")
        #expect(task.outcome == "rolled-back", "the agent rolled the canary back by itself")
        #expect(view.rollbackTasks.isEmpty, "nothing left for the rollout to roll back")
        #expect(view.waves.dropFirst().allSatisfy { $0.state == "skipped" })
        #expect(view.tasks?.filter { $0.hostID != canaryID }.allSatisfy { $0.state == "skipped" } == true)
        #expect(try await Self.changeState(change, fleet: fleet) == "rolled-back")

        _ = try await Self.inBatches(fleet.agents) { try await $0.runOnce() }
        for agent in fleet.agents {
            #expect(try agent.host.installedVersion("demo") == "1.0", "\(agent.name)")
        }
        let leases = try await Self.events(id, fleet: fleet).filter { $0.action == "rollout.task_leased" }
        #expect(leases.compactMap { $0.fields["host"] } == [canaryID])
        try await fleet.server.stop()
    }

    /// `kill -9` of the server while a wave is half done and its agents are between applying and
    /// reporting: a new server on the same data directory and address finishes the rollout, and no
    /// host gets a second plan.
    @Test func serverKilledMidWaveRestartsAndFinishesWithoutLeasingTwice() async throws {
        var fleet = try await Self.fleet([("dev", 5), ("staging", 2), ("prod", 2)])
        defer { fleet.server.process.kill(signal: SIGKILL) }
        // The probe marks that it runs, then waits while the gate file is missing: it holds agents
        // between applying their plan and reporting it, so the server can die at that very moment.
        let gate = try temporaryDirectory("ro-gate") + "/open"
        let open = { try Data().write(to: URL(fileURLWithPath: gate)) }
        try open()
        defer { try? open() }
        let probe =
            #"touch "$PATCHPILOT_ROOT/at-gate"; for i in $(seq 600); do [ -f '\#(gate)' ] && break; sleep 0.1; done; "#
            + Self.probe
        let change = try await Self.approvedChange(version: "1.1", fleet: fleet)
        let id = try await Self.startRollout(change, fleet: fleet, probe: probe)

        // Up to the first dev wave after the canary: the canary done, the wave's hosts leased.
        let leasedWave = try await Self.drive(id, fleet: fleet, timeout: 60) { view in
            let tasks = view.tasks ?? []
            return tasks.contains { $0.state == "succeeded" } && tasks.filter { $0.state == "leased" }.count >= 2
        }
        #expect(leasedWave.state == "running")
        let leased = fleet.agents.filter { agent in
            leasedWave.tasks?.contains { $0.hostID == agent.hostID && $0.state == "leased" } == true
        }
        try #require(leased.count >= 2)

        // One host of the wave finishes: the wave is half done.
        let first = try await leased[0].runOnce()
        #expect(first.status == 0, "\(first.errors)")
        let midWave = try await Self.rollout(id, fleet: fleet)
        let waveIndex = try #require(midWave.tasks?.first { $0.hostID == leased[0].hostID }?.wave)
        #expect(midWave.waves[waveIndex].state == "running")
        #expect(midWave.tasks?.first { $0.hostID == leased[0].hostID }?.state == "succeeded")
        let rest = Array(leased.dropFirst())
        #expect(rest.allSatisfy { agent in midWave.tasks?.first { $0.hostID == agent.hostID }?.state == "leased" })

        // The others fetch their plans and apply them; while they wait at the gate the server is
        // killed; they report to a dead server (and retry) until a new server on the same data
        // directory and address (the agents keep the URL they enrolled with) acknowledges.
        try FileManager.default.removeItem(atPath: gate)
        let round = Task { try await Self.inBatches(rest, width: rest.count) { try await $0.runOnce() } }
        let atGate = Date().addingTimeInterval(60)
        while !rest.allSatisfy({ FileManager.default.fileExists(atPath: $0.host.root + "/at-gate") }), Date() < atGate {
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(rest.allSatisfy { FileManager.default.fileExists(atPath: $0.host.root + "/at-gate") })
        fleet.server.process.kill(signal: SIGKILL)
        #expect(try await fleet.server.process.wait(timeout: 30) == SIGKILL)
        try open()
        try await Task.sleep(for: .milliseconds(1500))
        fleet.server = try await ServerProcess.start(
            dataDirectory: fleet.server.dataDirectory,
            listen: fleet.server.listenAddress,
            extraArguments: ["--rollout-tick", "300"]
        )
        // The gate opened after the old server was gone: these reports reached the new one (the
        // agent's HTTP client keeps trying to connect until its request timeout).
        for result in try await round.value {
            #expect(result.status == 0, "\(result.errors)")
            #expect(result.errors.contains("plan finished"), "\(result.errors)")
        }
        let afterRestart = try await Self.rollout(id, fleet: fleet)
        #expect(
            rest.allSatisfy { agent in afterRestart.tasks?.first { $0.hostID == agent.hostID }?.state == "succeeded" }
        )

        let view = try await Self.drive(id, fleet: fleet)
        #expect(view.state == "completed", "\(view.reason ?? "")")
        #expect(view.tasks?.allSatisfy { $0.state == "succeeded" && $0.attempt == 1 } == true)
        for agent in fleet.agents {
            #expect(try agent.host.installedVersion("demo") == "1.1", "\(agent.name)")
        }
        let leases = try await Self.events(id, fleet: fleet).filter { $0.action == "rollout.task_leased" }
        let hosts = leases.compactMap { $0.fields["host"] }
        #expect(hosts.count == fleet.agents.count, "one lease per host: \(hosts)")
        #expect(Set(hosts) == Set(fleet.agents.map(\.hostID)))
        #expect(leases.allSatisfy { $0.fields["plan"]?.hasSuffix("-a1") == true })
        #expect(try await Self.changeState(change, fleet: fleet) == "completed")
        try await fleet.server.stop()
    }

    /// An agent that shows up after its 5-second lease ran out still applies its plan, but its
    /// report is refused (attempt fencing) and the task stays failed.
    @Test func reportAfterTheLeaseRanOutIsRefused() async throws {
        let fleet = try await Self.fleet([("dev", 2), ("prod", 1)])
        defer { fleet.server.process.kill(signal: SIGKILL) }
        let change = try await Self.approvedChange(version: "1.1", fleet: fleet)
        let id = try await Self.startRollout(change, fleet: fleet, extra: ["--lease", "5", "--error-budget", "100%"])
        let canaryID = try #require(try await Self.rollout(id, fleet: fleet).tasks?.first { $0.state == "leased" })
            .hostID
        let canary = try #require(fleet.agent(hostID: canaryID))

        // The canary's agent stays away past its lease: the scheduler fails the task.
        let deadline = Date().addingTimeInterval(30)
        var expired = try await Self.rollout(id, fleet: fleet)
        while expired.tasks?.first(where: { $0.hostID == canaryID })?.state == "leased", Date() < deadline {
            try await Task.sleep(for: .milliseconds(300))
            expired = try await Self.rollout(id, fleet: fleet)
        }
        let failed = try #require(expired.tasks?.first { $0.hostID == canaryID })
        #expect(failed.state == "failed")
        #expect(failed.reason?.contains("no report before the lease ran out") == true, "\(failed.reason ?? "")")

        // Then it turns up, applies the plan it still finds and reports: too late.
        let late = try await canary.runOnce()
        #expect(late.status == 0, "\(late.errors)")
        #expect(late.errors.contains("plan finished"), "\(late.errors)")
        let refused = try await Self.events(id, fleet: fleet).filter { $0.action == "rollout.report_refused" }
        #expect(refused.count == 1)
        #expect(refused.first?.fields["plan"] == "\(id)-\(canaryID)-a1")
        let after = try await Self.rollout(id, fleet: fleet)
        let task = try #require(after.tasks?.first { $0.hostID == canaryID })
        #expect(task.state == "failed")
        #expect(task.reason?.contains("no report before the lease ran out") == true, "\(task.reason ?? "")")
        #expect(task.attempt == 1)
        // The canary wave failed with it; nothing recorded what the canary had before, so the
        // rollout cannot roll it back and ends failed (the late agent did upgrade the host).
        #expect(after.state == "failed", "\(after.reason ?? "")")
        #expect(after.reason?.contains("rollback failed") == true, "\(after.reason ?? "")")
        #expect(try canary.host.installedVersion("demo") == "1.1")
        #expect(try await Self.changeState(change, fleet: fleet) == "failed")
        let leases = try await Self.events(id, fleet: fleet).filter { $0.action == "rollout.task_leased" }
        #expect(leases.compactMap { $0.fields["host"] } == [canaryID])
        try await fleet.server.stop()
    }
}

extension AuditEvent {
    /// The event's details as strings by name (`host`, `plan`…).
    var fields: [String: String] {
        (try? JSONDecoder().decode([String: String].self, from: Data(details.utf8))) ?? [:]
    }
}
