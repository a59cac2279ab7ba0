import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing

@testable import PatchServer

/// The client against canned answers: decoding, error reporting, URL encoding, timeouts.
@Suite struct PrometheusClientTests {
    static func decode(_ json: String, status: Int = 200) throws -> [PrometheusClient.Series] {
        try PrometheusClient.decode(Data(json.utf8), status: status, what: "/api/v1/query for 'q'")
    }

    @Test func decodesAMatrix() throws {
        let series = try Self.decode(
            """
            {"status":"success","data":{"resultType":"matrix","result":[
              {"metric":{"__name__":"up","instance":"a:9100"},"values":[[1700000000,"1"],[1700000001.5,"0.25"]]},
              {"metric":{"instance":"b:9100"},"values":[[1700000000,"NaN"],[1700000001,"+Inf"],[1700000002,"-Inf"],
                [1700000003,"1e-3"]]}
            ]}}
            """
        )
        #expect(series.count == 2)
        #expect(series[0].metric == ["__name__": "up", "instance": "a:9100"])
        #expect(
            series[0].values == [
                .init(timestamp: 1_700_000_000, value: 1), .init(timestamp: 1_700_000_001.5, value: 0.25),
            ]
        )
        let values = series[1].values.map(\.value)
        #expect(values[0].isNaN)
        #expect(values[1] == .infinity)
        #expect(values[2] == -.infinity)
        #expect(values[3] == 0.001)
    }

    @Test func decodesAVectorAndAScalar() throws {
        let vector = try Self.decode(
            #"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"job":"x"},"value":[1.5,"42"]}]}}"#
        )
        #expect(vector == [.init(metric: ["job": "x"], values: [.init(timestamp: 1.5, value: 42)])])
        let scalar = try Self.decode(#"{"status":"success","data":{"resultType":"scalar","result":[2,"7"]}}"#)
        #expect(scalar == [.init(metric: [:], values: [.init(timestamp: 2, value: 7)])])
        let empty = try Self.decode(#"{"status":"success","data":{"resultType":"vector","result":[]}}"#)
        #expect(empty.isEmpty)
    }

    @Test func reportsTheAPIError() throws {
        let body = """
            {"status":"error","errorType":"bad_data",\
            "error":"invalid parameter \\"query\\": 1:4: parse error: unclosed left parenthesis"}
            """
        do {
            _ = try Self.decode(body, status: 400)
            Issue.record("no error")
        } catch let error as PrometheusClientError {
            #expect(error.code == .queryFailed)
            #expect(error.status == 400)
            #expect(error.errorType == "bad_data")
            #expect(
                error.message
                    == #"Prometheus rejected /api/v1/query for 'q' (HTTP 400, bad_data): invalid parameter "query": "#
                    + "1:4: parse error: unclosed left parenthesis"
            )
        }
        let timeout = #"{"status":"error","errorType":"timeout","error":"query timed out in expression evaluation"}"#
        let timedOut = #expect(throws: PrometheusClientError.self) { try Self.decode(timeout, status: 503) }
        #expect(timedOut?.code == .timeout)
    }

    @Test func reportsAnHTTPErrorWithoutJSON() throws {
        let gateway = #expect(throws: PrometheusClientError.self) {
            try Self.decode("<html>502 Bad Gateway</html>", status: 502)
        }
        #expect(gateway?.code == .httpStatus)
        #expect(gateway?.status == 502)
        #expect(gateway?.message.contains("502 Bad Gateway") == true)
        let notJSON = #expect(throws: PrometheusClientError.self) { try Self.decode("not json", status: 200) }
        #expect(notJSON?.code == .invalidResponse)
        let string = #expect(throws: PrometheusClientError.self) {
            try Self.decode(#"{"status":"success","data":{"resultType":"string","result":[1,"a"]}}"#)
        }
        #expect(string?.code == .unsupportedResult)
        #expect(throws: (any Error).self) {
            try Self.decode(#"{"status":"success","data":{"resultType":"vector","result":[{"value":[1,"x"]}]}}"#)
        }
    }

    @Test func percentEncodesEverythingButUnreserved() {
        #expect(
            PrometheusClient.percentEncoded(#"rate(a{b=~"c|d"}[5m]) + 1 ü"#)
                == "rate%28a%7Bb%3D~%22c%7Cd%22%7D%5B5m%5D%29%20%2B%201%20%C3%BC"
        )
        #expect(PrometheusClient.percentEncoded("AZaz09-._~") == "AZaz09-._~")
    }

    @Test func configurationDropsTrailingSlashes() {
        #expect(PrometheusClient.Configuration(baseURL: "http://p:9090//").baseURL == "http://p:9090")
    }

    @Test func rejectsUnusableArguments() async throws {
        let client = PrometheusClient(configuration: .init(baseURL: "http://127.0.0.1:9"))
        let now = Date()
        let zeroStep = await #expect(throws: PrometheusClientError.self) {
            try await client.rangeQuery(query: "up", start: now, end: now, step: .zero)
        }
        #expect(zeroStep?.code == .invalidArgument)
        let reversed = await #expect(throws: PrometheusClientError.self) {
            try await client.rangeQuery(query: "up", start: now, end: now.addingTimeInterval(-1), step: .seconds(1))
        }
        #expect(reversed?.code == .invalidArgument)
    }

    /// A fake Prometheus: echoes the parameters it received as the labels of a one-sample vector;
    /// `/api/v1/query_range` answers after two seconds.
    static func fakePrometheus() -> some ApplicationProtocol {
        let router = Router()
        router.get("/prefix/api/v1/query") { request, _ -> Response in
            var labels: [String: String] = [:]
            for (name, value) in request.uri.queryParameters { labels[String(name)] = String(value) }
            let body = try JSONSerialization.data(
                withJSONObject: [
                    "status": "success",
                    "data": ["resultType": "vector", "result": [["metric": labels, "value": [1, "1"]]]],
                ] as [String: Any]
            )
            return Response(status: .ok, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
        }
        router.get("/prefix/api/v1/query_range") { _, _ -> String in
            try await Task.sleep(for: .seconds(2))
            return "{}"
        }
        return Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
    }

    @Test func sendsTheQueryIntact() async throws {
        try await Self.fakePrometheus().test(.live) { server in
            let port = try #require(server.port)
            let client = PrometheusClient(
                configuration: .init(baseURL: "http://127.0.0.1:\(port)/prefix/", timeout: .seconds(5))
            )
            let query = #"sum by (instance) (rate(x{instance=~"a\\.b:1|c"}[5m])) + 1 > 0.5"#
            let series = try await client.instantQuery(
                query: query,
                time: Date(timeIntervalSince1970: 1_700_000_000.25)
            )
            #expect(series.count == 1)
            #expect(series.first?.metric["query"] == query)
            #expect(series.first?.metric["time"] == "1700000000.250")
            #expect(series.first?.metric["timeout"] == "5.000")
        }
    }

    @Test func timesOut() async throws {
        try await Self.fakePrometheus().test(.live) { server in
            let port = try #require(server.port)
            let client = PrometheusClient(
                configuration: .init(baseURL: "http://127.0.0.1:\(port)/prefix", timeout: .milliseconds(300))
            )
            let now = Date()
            do {
                _ = try await client.rangeQuery(
                    query: "up",
                    start: now.addingTimeInterval(-60),
                    end: now,
                    step: .seconds(15)
                )
                Issue.record("no timeout")
            } catch let error as PrometheusClientError {
                #expect(error.code == .timeout)
                #expect(error.message.contains("did not answer /api/v1/query_range for 'up' within 0.3 seconds"))
            }
        }
    }

    @Test func reportsAnUnreachableServer() async throws {
        let port = try PrometheusProcess.freePort()
        let client = PrometheusClient(configuration: .init(baseURL: "http://127.0.0.1:\(port)", timeout: .seconds(1)))
        let unreachable = await #expect(throws: PrometheusClientError.self) {
            try await client.instantQuery(query: "up")
        }
        #expect(unreachable?.code == .transport)
    }
}

/// The client against a real Prometheus (the `prometheus` binary on the PATH, or `PROMETHEUS_BIN`):
/// two exporters on loopback ports, scraped every second.
@Suite(.enabled(if: PrometheusProcess.binary != nil, "needs the prometheus binary (Debian package prometheus)"))
struct PrometheusIntegrationTests {
    /// An exporter serving two gauge series: `pp_test_gauge{kind="latency"}` and `{kind="errors"}`.
    static func exporter(latency: Double, errors: Double) -> some ApplicationProtocol {
        let router = Router()
        router.get("/metrics") { _, _ -> Response in
            let text = """
                # HELP pp_test_gauge A gauge for PatchPilot's Prometheus client test.
                # TYPE pp_test_gauge gauge
                pp_test_gauge{kind="latency"} \(latency)
                pp_test_gauge{kind="errors"} \(errors)

                """
            return Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: text))
            )
        }
        return Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
    }

    @Test func queriesScrapedSeries() async throws {
        try await Self.exporter(latency: 0.25, errors: 3).test(.live) { first in
            try await Self.exporter(latency: 1.5, errors: 7).test(.live) { second in
                let instances = ["127.0.0.1:\(try #require(first.port))", "127.0.0.1:\(try #require(second.port))"]
                let prometheus = try PrometheusProcess.start(targets: instances)
                defer { prometheus.stop() }
                let client = PrometheusClient(configuration: .init(baseURL: prometheus.url, timeout: .seconds(10)))
                try await prometheus.waitForSamples(client: client, instances: instances, count: 4)
                try await Self.checkRangeQuery(client, instances: instances)
                try await Self.checkInstantQueries(client, instances: instances)
                try await Self.checkErrors(client)
            }
        }
    }

    static func checkRangeQuery(_ client: PrometheusClient, instances: [String]) async throws {
        // The hosts as a metric gate substitutes them (regex-escaped, then escaped for the string),
        // and a `+` that must survive the URL encoding.
        let hosts = instances.map { $0.replacingOccurrences(of: ".", with: #"\\."#) }.joined(separator: "|")
        let query = #"pp_test_gauge{kind="latency",instance=~""# + hosts + #""} + 0"#
        let end = Date()
        let series = try await client.rangeQuery(
            query: query,
            start: end.addingTimeInterval(-60),
            end: end,
            step: .seconds(1)
        )
        #expect(series.count == 2)
        let byInstance = Dictionary(uniqueKeysWithValues: series.map { ($0.metric["instance"] ?? "?", $0) })
        for (instance, expected) in zip(instances, [0.25, 1.5]) {
            let found = try #require(byInstance[instance])
            #expect(found.metric["kind"] == "latency")
            #expect(found.metric["job"] == "pp-test")
            #expect(found.metric["__name__"] == nil)  // `+ 0` drops the name
            #expect(found.values.count >= 3)
            #expect(found.values.allSatisfy { $0.value == expected })
            let steps = zip(found.values.dropFirst(), found.values).map { $0.timestamp - $1.timestamp }
            // Points sit on the 1 s grid; a scrape that timed out on a loaded machine leaves a
            // gap (a stale point is omitted), so a step may span several seconds, never a fraction.
            #expect(steps.allSatisfy { $0 >= 1 - 1e-6 && abs($0 - $0.rounded()) < 1e-6 }, "\(steps)")
            #expect(found.values.allSatisfy { $0.timestamp <= end.timeIntervalSince1970 + 0.001 })
        }
    }

    static func checkInstantQueries(_ client: PrometheusClient, instances: [String]) async throws {
        let errors = try await client.instantQuery(query: #"pp_test_gauge{kind="errors"}"#)
        let values = Dictionary(uniqueKeysWithValues: errors.map { ($0.metric["instance"] ?? "?", $0.values) })
        #expect(values[instances[0]]?.map(\.value) == [3])
        #expect(values[instances[1]]?.map(\.value) == [7])

        let total = try await client.instantQuery(query: #"scalar(sum(pp_test_gauge{kind="errors"}))"#)
        #expect(total.count == 1)
        #expect(total.first?.metric == [:])
        #expect(total.first?.values.map(\.value) == [10])

        let window = try await client.instantQuery(query: #"pp_test_gauge{kind="latency"}[5s]"#)
        #expect(window.count == 2)
        #expect(window.allSatisfy { $0.values.count >= 2 })
    }

    static func checkErrors(_ client: PrometheusClient) async throws {
        let end = Date()
        do {
            _ = try await client.rangeQuery(
                query: "sum(pp_test_gauge",
                start: end.addingTimeInterval(-60),
                end: end,
                step: .seconds(1)
            )
            Issue.record("a bad query was accepted")
        } catch let error as PrometheusClientError {
            #expect(error.code == .queryFailed)
            #expect(error.status == 400)
            #expect(error.errorType == "bad_data")
            #expect(error.message.contains("/api/v1/query_range for 'sum(pp_test_gauge'"))
            #expect(error.message.contains("parse error"))
        }
        let unknown = await #expect(throws: PrometheusClientError.self) {
            try await client.instantQuery(query: "no_such_function(pp_test_gauge)")
        }
        #expect(unknown?.code == .queryFailed)
        #expect(unknown?.errorType == "bad_data")
        #expect(unknown?.message.contains("unknown function") == true)
    }
}

/// A Prometheus server in a temporary directory, on a free loopback port, scraping `targets` every
/// second. Stopped (SIGTERM, then waited for) by `stop()`.
final class PrometheusProcess {
    /// The `prometheus` binary: `PROMETHEUS_BIN`, else the first on the PATH.
    static let binary: String? = {
        let environment = ProcessInfo.processInfo.environment
        if let path = environment["PROMETHEUS_BIN"], FileManager.default.isExecutableFile(atPath: path) { return path }
        let directories = (environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") + ["/usr/bin"]
        return directories.map { "\($0)/prometheus" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    let url: String
    let directory: URL
    private let process: Process

    private init(url: String, directory: URL, process: Process) {
        self.url = url
        self.directory = directory
        self.process = process
    }

    static func start(targets: [String], instanceNames: [String: String] = [:]) throws -> PrometheusProcess {
        let binary = try #require(binary)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "pp-prometheus-\(UUID().uuidString)"
        )
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let config = """
            global:
              scrape_interval: 1s
              scrape_timeout: 1s
              evaluation_interval: 1s
            scrape_configs:
              - job_name: pp-test
                static_configs:
            \(targets.map { target in
                "      - targets: ['\(target)']" + (instanceNames[target].map { "\n        labels: {instance: '\($0)'}" } ?? "")
            }.joined(separator: "\n"))

            """
        let configFile = directory.appendingPathComponent("prometheus.yml")
        try Data(config.utf8).write(to: configFile)
        let port = try freePort()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = [
            "--config.file=\(configFile.path)",
            "--storage.tsdb.path=\(directory.appendingPathComponent("data").path)",
            "--web.listen-address=127.0.0.1:\(port)",
            "--log.level=warn",
        ]
        let log = directory.appendingPathComponent("prometheus.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        return PrometheusProcess(url: "http://127.0.0.1:\(port)", directory: directory, process: process)
    }

    /// Waits (up to a minute) until every instance has at least `count` scraped samples.
    func waitForSamples(client: PrometheusClient, instances: [String], count: Int) async throws {
        let deadline = Date().addingTimeInterval(60)
        var last = "no answer yet"
        while Date() < deadline {
            guard process.isRunning else { break }
            do {
                let series = try await client.instantQuery(
                    query: #"count_over_time(pp_test_gauge{kind="latency"}[1m])"#
                )
                let counts = Dictionary(
                    series.map { ($0.metric["instance"] ?? "?", $0.values.first?.value ?? 0) },
                    uniquingKeysWith: { max($0, $1) }
                )
                if instances.allSatisfy({ (counts[$0] ?? 0) >= Double(count) }) { return }
                last = "samples per instance: \(counts)"
            } catch {
                last = "\(error)"
            }
            try await Task.sleep(for: .milliseconds(500))
        }
        let log = (try? String(contentsOf: directory.appendingPathComponent("prometheus.log"), encoding: .utf8)) ?? ""
        Issue.record("Prometheus did not scrape \(count) samples in time (\(last)); its log:\n\(log.suffix(2000))")
        throw CancellationError()
    }

    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: directory)
    }

    /// A loopback port nobody listens on right now (bound to port 0, read back, closed).
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw CocoaError(.fileWriteUnknown) }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0 else { throw CocoaError(.fileWriteUnknown) }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
