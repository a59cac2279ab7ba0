import HTTPTypes
import Hummingbird
import PatchStore
import Prometheus

/// The server's Prometheus registry and the metrics it records.
///
/// Kept as an instance (not `MetricsSystem.bootstrap`) so that several servers can run in one test
/// process; dimensions are bounded: method, route template and status code, never raw paths.
public final class ServerMetrics: Sendable {
    /// The registry `/metrics` renders.
    public let registry = PrometheusCollectorRegistry()
    private let hostGauges: [String: Gauge]
    private let hostsTotal: Gauge
    private let agentsActive: Gauge

    /// Creates the registry and its fleet gauges.
    public init() {
        var gauges: [String: Gauge] = [:]
        let hosts = Self.name(
            "hosts",
            help: "Hosts by state (online/stale by last check-in; reboot_pending by the host's flag)."
        )
        for state in ["online", "stale", "reboot_pending"] {
            gauges[state] = registry.makeGauge(descriptor: hosts, labels: [("state", state)])
        }
        hostGauges = gauges
        hostsTotal = registry.makeGauge(descriptor: Self.name("hosts", unit: "total", help: "All known hosts."))
        agentsActive = registry.makeGauge(
            descriptor: Self.name("agents_active", help: "Enrolled, unrevoked agents.")
        )
    }

    /// Records one finished request.
    func recordRequest(method: String, route: String, status: Int, seconds: Double) {
        registry.makeCounter(
            descriptor: Self.requests,
            labels: [("method", method), ("route", route), ("status", String(status))]
        ).increment()
        registry.makeDurationHistogram(
            descriptor: Self.latency,
            labels: [("method", method), ("route", route)],
            buckets: Self.latencyBuckets
        ).record(.nanoseconds(Int64(seconds * 1e9)))
    }

    private static func name(
        _ metric: String,
        subsystem: String? = nil,
        unit: String = "",
        help: String
    )
        -> MetricNameDescriptor
    {
        MetricNameDescriptor(
            namespace: "patchpilot",
            subsystem: subsystem,
            metricName: metric,
            unitName: unit,
            helpText: help
        )
    }

    private static var requests: MetricNameDescriptor {
        name(
            "requests",
            subsystem: "http",
            unit: "total",
            help: "HTTP requests by method, route template and status."
        )
    }
    private static var latency: MetricNameDescriptor {
        name(
            "request_duration",
            subsystem: "http",
            unit: "seconds",
            help: "HTTP request latency by method and route template."
        )
    }

    /// Sets the fleet gauges from a summary.
    func update(from summary: FleetSummary) {
        hostGauges["online"]?.set(Double(summary.online))
        hostGauges["stale"]?.set(Double(summary.stale))
        hostGauges["reboot_pending"]?.set(Double(summary.rebootPending))
        hostsTotal.set(Double(summary.hosts))
        agentsActive.set(Double(summary.activeAgents))
    }

    private static let latencyBuckets: [Duration] = [
        .milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
        .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5),
    ]
}

/// Records request counts and latency into ``ServerMetrics``.
struct RequestMetricsMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let metrics: ServerMetrics

    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let start = ContinuousClock.now
        func record(_ status: Int) {
            let elapsed = ContinuousClock.now - start
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
            metrics.recordRequest(
                method: request.method.rawValue,
                route: context.endpointPath ?? "unmatched",
                status: status,
                seconds: seconds
            )
        }
        do {
            let response = try await next(request, context)
            record(response.status.code)
            return response
        } catch let error as any HTTPResponseError {
            record(error.status.code)
            throw error
        } catch {
            record(500)
            throw error
        }
    }
}
