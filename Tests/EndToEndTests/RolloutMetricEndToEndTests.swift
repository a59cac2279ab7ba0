import ChangeControl
import Foundation
import Testing

/// The `prometheus` binary (Debian package `prometheus`), if installed.
let prometheusBinary: String? = ["/usr/bin/prometheus", "/usr/local/bin/prometheus"].first {
    FileManager.default.isExecutableFile(atPath: $0)
}

/// A metric regression on the canary, end to end: the real server with `--prometheus-url`, a real
/// Prometheus scraping one exporter per host (Python's `http.server` serving the `metrics` file the
/// installed `demo` package ships, labelled with the host's name), real agents. demo 1.3 installs
/// fine and passes its probe but reports five times the latency: the canary wave bakes, the metric
/// gate fails it, the rollout rolls the canary back to 1.0 and no other host gets a plan.
@Suite(.serialized, .enabled(if: prometheusBinary != nil, "needs the prometheus binary"))
struct RolloutMetricEndToEndTests {
    static let prometheus = prometheusBinary

    /// A loopback port nobody listens on right now.
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Bool in
                bind(fd, pointer, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
                    && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else { throw ProcessFailure("cannot find a free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    @Test func canaryMetricRegressionFailsTheWaveAndRollsBack() async throws {
        let prometheusPort = try Self.freePort()
        let fleet = try await RolloutEndToEndTests.fleet(
            [("dev", 3), ("prod", 2)],
            serverArguments: ["--prometheus-url", "http://127.0.0.1:\(prometheusPort)"]
        )
        defer { fleet.server.process.kill(signal: SIGKILL) }
        // One exporter per host, serving the metrics file of the installed package.
        var exporters: [RunningProcess] = []
        var targets: [(address: String, name: String)] = []
        for agent in fleet.agents {
            let port = try Self.freePort()
            exporters.append(
                try RunningProcess(
                    "/usr/bin/python3",
                    [
                        "-m", "http.server", String(port), "--bind", "127.0.0.1", "--directory",
                        agent.host.root + "/usr/share/demo",
                    ]
                )
            )
            targets.append(("127.0.0.1:\(port)", agent.name))
        }
        defer { for exporter in exporters { exporter.kill(signal: SIGKILL) } }
        let directory = try temporaryDirectory("ro-prometheus")
        let config = """
            global: {scrape_interval: 1s, scrape_timeout: 1s}
            scrape_configs:
              - job_name: hosts
                static_configs:
            \(targets.map { "      - targets: ['\($0.address)']\n        labels: {instance: '\($0.name)'}" }.joined(separator: "\n"))

            """
        try config.write(toFile: directory + "/prometheus.yml", atomically: true, encoding: .utf8)
        let prometheus = try RunningProcess(
            try #require(Self.prometheus),
            [
                "--config.file=\(directory)/prometheus.yml", "--storage.tsdb.path=\(directory)/data",
                "--web.listen-address=127.0.0.1:\(prometheusPort)", "--log.level=warn",
            ]
        )
        defer { prometheus.kill(signal: SIGKILL) }
        // Wait until every host has been scraped a few times.
        let deadline = Date().addingTimeInterval(60)
        var scraped = false
        while Date() < deadline && !scraped {
            if let output = try? system([
                "python3", "-c",
                "import json,urllib.request;print(json.load(urllib.request.urlopen('http://127.0.0.1:\(prometheusPort)/api/v1/query?query=count_over_time(pp_latency_seconds%5B1m%5D)'))['data']['result'].__len__())",
            ]), Int(output.trimmingCharacters(in: .whitespacesAndNewlines)) == fleet.agents.count {
                scraped = true
            } else {
                try await Task.sleep(for: .milliseconds(500))
            }
        }
        try #require(scraped, "Prometheus did not scrape the exporters")
        try await Task.sleep(for: .seconds(3))

        let change = try await RolloutEndToEndTests.approvedChange(version: "1.3", fleet: fleet)
        let options = try temporaryDirectory("ro-gate") + "/options.json"
        let json = try JSONSerialization.data(withJSONObject: [
            "reboot": "never",
            "waveBakeSeconds": 12,
            "postChecks": [
                ["command": ["arguments": ["sh", "-c", RolloutEndToEndTests.probe], "expectedExitCode": 0]]
            ],
            "metricGates": [
                [
                    "name": "latency", "query": #"pp_latency_seconds{instance=~"{{hosts}}"}"#, "direction": "increase",
                    "relativeTolerance": 0.2, "critical": true, "minimumSamples": 5,
                ]
            ],
        ])
        try json.write(to: URL(fileURLWithPath: options))
        let started = try await run(
            "patchpilot",
            ["rollout", "start", change, "--canary", "1", "--max-concurrency", "50%", "--options-file", options]
                + fleet.api
        )
        let id = started.output.trimmingCharacters(in: .whitespacesAndNewlines)
        try #require(id.hasPrefix("RO-"), "\(started.output) \(started.errors)")
        let canaryID = try #require(
            try await RolloutEndToEndTests.rollout(id, fleet: fleet).tasks?.first { $0.state == "leased" }
        ).hostID
        let canary = try #require(fleet.agent(hostID: canaryID))

        let view = try await RolloutEndToEndTests.drive(id, fleet: fleet, timeout: 120)
        #expect(view.state == "rolled-back", "\(view.state): \(view.reason ?? "")")
        #expect(view.reason?.contains("critical metric latency failed") == true, "\(view.reason ?? "")")
        #expect(view.waves.first?.state == "failed")
        #expect(view.waves.dropFirst().allSatisfy { $0.state == "skipped" })
        // The canary passed its probe, so the rollout rolled it back with a plan of its own.
        #expect(view.rollbackTasks.map(\.hostID) == [canaryID])
        #expect(try canary.host.installedVersion("demo") == "1.0")
        for agent in fleet.agents where agent.hostID != canaryID {
            #expect(try agent.host.installedVersion("demo") == "1.0", "\(agent.name)")
        }
        let leased = try await RolloutEndToEndTests.events(id, fleet: fleet).filter {
            $0.action == "rollout.task_leased"
        }
        #expect(leased.compactMap { $0.fields["host"] } == [canaryID])
        #expect(try await RolloutEndToEndTests.changeState(change, fleet: fleet) == "rolled-back")
        try await fleet.server.stop()
    }
}
