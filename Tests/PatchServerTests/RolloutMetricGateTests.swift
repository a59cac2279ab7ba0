import AgentProtocol
import ChangeControl
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import PatchAPI
import PatchServer
import PatchStore
import Synchronization
import Testing

/// A rollout whose canary regresses a metric: a real Prometheus scrapes one exporter per host
/// (labelled with the host's name), the wave bakes, the metric gate compares the canary against the
/// environment's other hosts with Mann-Whitney U, fails, and the rollout rolls back.
@Suite(.enabled(if: PrometheusProcess.binary != nil, "needs the prometheus binary (Debian package prometheus)"))
struct RolloutMetricGateTests {
    /// Latency per host, changed by the test while Prometheus scrapes.
    final class Latencies: Sendable {
        let values = Mutex<[String: Double]>([:])
        func set(_ host: String, _ value: Double) { values.withLock { $0[host] = value } }
        func get(_ host: String) -> Double { values.withLock { $0[host] ?? 0.1 } }
    }

    static func exporter(_ host: String, _ latencies: Latencies) -> some ApplicationProtocol {
        let router = Router()
        let counter = Mutex(0)
        router.get("/metrics") { _, _ -> Response in
            // A little jitter so samples are not all tied.
            let tick = counter.withLock { value -> Int in
                value += 1
                return value
            }
            let value = latencies.get(host) + Double(tick % 3) * 0.002
            return Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4"],
                body: ResponseBody(
                    byteBuffer: ByteBuffer(string: "# TYPE pp_latency_seconds gauge\npp_latency_seconds \(value)\n")
                )
            )
        }
        return Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
    }

    @Test func canaryLatencyRegressionFailsTheWaveAndRollsBack() async throws {
        let latencies = Latencies()
        try await Self.exporter("dev-1", latencies).test(.live) { dev1 in
            try await Self.exporter("dev-2", latencies).test(.live) { dev2 in
                let targets = [
                    "127.0.0.1:\(try #require(dev1.port))": "dev-1", "127.0.0.1:\(try #require(dev2.port))": "dev-2",
                ]
                let prometheus = try PrometheusProcess.start(
                    targets: Array(targets.keys).sorted(),
                    instanceNames: targets
                )
                defer { prometheus.stop() }
                // Scraping has begun before the rollout starts.
                let client = PrometheusClient(configuration: .init(baseURL: prometheus.url, timeout: .seconds(10)))
                let deadline = Date().addingTimeInterval(60)
                while Date() < deadline {
                    let series =
                        (try? await client.instantQuery(query: "count_over_time(pp_latency_seconds[1m])")) ?? []
                    if series.count == 2 && series.allSatisfy({ ($0.values.first?.value ?? 0) >= 2 }) { break }
                    try await Task.sleep(for: .milliseconds(500))
                }
                try await run(prometheusURL: prometheus.url, latencies: latencies, prometheus: client)
            }
        }
    }

    /// Waits until Prometheus has scraped `host` at `value` or more (a loaded machine can delay or
    /// time out scrapes: the bake period must see the regression, not the old value).
    static func awaitScraped(_ client: PrometheusClient, host: String, atLeast value: Double) async throws {
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            let series =
                (try? await client.instantQuery(query: "pp_latency_seconds{instance=\"\(host)\"}")) ?? []
            if let latest = series.first?.values.first?.value, latest >= value { return }
            try await Task.sleep(for: .milliseconds(250))
        }
        Issue.record("Prometheus never scraped \(host) at \(value) or more")
    }

    func run(prometheusURL: String, latencies: Latencies, prometheus: PrometheusClient) async throws {
        let (setup, router) = try await RolloutAPITests.setup(clockStart: Date(), prometheusURL: prometheusURL)
        let harness = setup.harness
        let options = #"""
            {"canary":"1","waveBakeSeconds":15,"metricGates":[{"name":"latency",
             "query":"pp_latency_seconds{instance=~\"{{hosts}}\"}","direction":"increase",
             "relativeTolerance":0.2,"critical":true,"minimumSamples":5}]}
            """#
        try await Application(router: router).test(.router) { client in
            let started = try await RolloutAPITests.startRollout(client, setup, options: options)
            #expect(started.status == .created, "\(started.text)")
            let id = try started.json(RolloutAPITests.View.self).id
            let canary = try #require(setup.agents["dev-1"])
            let plan = try #require(try await RolloutAPITests.fetchPlan(client, canary, harness))
            // The new version makes the canary slow.
            latencies.set("dev-1", 0.5)
            try await Self.awaitScraped(prometheus, host: "dev-1", atLeast: 0.5)
            // The server's clock is the test's: bring it to real time before the install is reported,
            // so the bake period it queries Prometheus for is the real one (setup can take long on a
            // loaded machine, and a lagging clock would put the window before the regression).
            harness.clock.advance(Date().timeIntervalSince(harness.clock.now()))
            try await RolloutAPITests.report(client, canary, setup, plan: plan, outcome: .completed)
            var status = try await RolloutAPITests.status(client, id, harness)
            let deadline = Date().addingTimeInterval(60)
            while status.state == "running" && Date() < deadline {
                try await Task.sleep(for: .seconds(1))
                harness.clock.advance(Date().timeIntervalSince(harness.clock.now()))
                await setup.rollouts.tickAll()
                status = try await RolloutAPITests.status(client, id, harness)
            }
            #expect(
                status.state == "rolling-back",
                "\(status.state): \(status.reason ?? "") \(status.waves.first.map { "\($0)" } ?? "")"
            )
            #expect(status.reason?.contains("critical metric latency failed") == true, "\(status.reason ?? "")")
            #expect(status.waves.first?.state == "failed")
            #expect(status.waves.dropFirst().allSatisfy { $0.state == "skipped" })
            // The canary gets a rollback plan back to the recorded version; nobody else gets anything.
            let rollback = try #require(try await RolloutAPITests.fetchPlan(client, canary, harness))
            #expect(rollback.packages.map { "\($0.name)=\($0.version)" } == ["openssl=3.0.15-1~deb12u1"])
            try await RolloutAPITests.report(client, canary, setup, plan: rollback, outcome: .completed)
            for name in ["dev-2", "prod-1", "prod-2"] {
                #expect(try await RolloutAPITests.fetchPlan(client, setup.agents[name]!, harness) == nil)
            }
            let final = try await RolloutAPITests.status(client, id, harness)
            #expect(final.state == "rolled-back")
        }
        #expect(try await harness.storage.change(id: setup.changeID)?.state == .rolledBack)
    }
}
