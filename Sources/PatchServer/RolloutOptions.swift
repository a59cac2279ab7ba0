import AgentProtocol
import Foundation
import RolloutEngine

/// How a change is rolled out, as given to `POST /api/v1/rollouts`.
public struct RolloutOptions: Codable, Sendable, Hashable {
    /// Canary size per environment (`1`, `5%`).
    public var canary: Budget?
    /// Most hosts per wave (`25%`).
    public var maxConcurrency: Budget?
    /// Failed hosts tolerated per wave (`0`, `10%`).
    public var errorBudget: Budget?
    /// Service order inside a tier.
    public var serviceOrder: RolloutRequest.ServiceOrder?
    /// Disruption budget per service (default 1 host).
    public var disruptionBudgets: [String: Budget]?
    /// Wait between environments.
    public var bakeTimeSeconds: Int?
    /// Wait after each wave before its verdict (metric gates look at this period).
    public var waveBakeSeconds: Int?
    /// How long one host's task may take (it must fit in the window before the cutoff).
    public var taskMinutes: Int?
    /// How long an agent has to report before its task counts as failed.
    public var leaseSeconds: Int?
    /// A person approves each environment after the first.
    public var approveEachEnvironment: Bool?
    /// Reboot policy of the plans.
    public var reboot: RebootPolicy?
    /// Checks of the plans.
    public var preChecks: [PlanCheck]?
    /// Post-checks of the plans (the exact installed versions are always checked).
    public var postChecks: [PlanCheck]?
    /// Metric gates judged against a Prometheus server at the end of each wave's bake period.
    public var metricGates: [MetricGateSpec]?

    /// Creates options (all defaults).
    public init() {}

    /// Range checks on every number, before any of them is multiplied or converted.
    func validate() throws {
        try InputBounds.check(bakeTimeSeconds ?? 0, "bakeTimeSeconds", in: 0...(30 * 86400))
        try InputBounds.check(waveBakeSeconds ?? 0, "waveBakeSeconds", in: 0...(7 * 86400))
        try InputBounds.check(taskMinutes ?? 30, "taskMinutes", in: 1...(7 * 24 * 60))
        try InputBounds.check(leaseSeconds ?? 3600, "leaseSeconds", in: 1...(7 * 86400))
        try InputBounds.check(disruptionBudgets?.count ?? 0, "disruptionBudgets", in: 0...10_000)
        try InputBounds.check(preChecks?.count ?? 0, "preChecks", in: 0...100)
        try InputBounds.check(postChecks?.count ?? 0, "postChecks", in: 0...100)
        try InputBounds.check(metricGates?.count ?? 0, "metricGates", in: 0...50)
        for (index, gate) in (metricGates ?? []).enumerated() {
            let field = "metricGates[\(index)]"
            if let value = gate.relativeTolerance {
                try InputBounds.check(value, "\(field).relativeTolerance", in: 0...1000)
            }
            if let value = gate.absoluteTolerance {
                try InputBounds.check(value, "\(field).absoluteTolerance", in: 0...1e15)
            }
            try InputBounds.check(gate.minimumSamples ?? 10, "\(field).minimumSamples", in: 1...100_000)
        }
        var draft = PlanDraft(packages: [PlanPackage(name: "-", version: "-", action: .install)])
        draft.preChecks = preChecks
        draft.postChecks = postChecks
        try PlanQueue.validateNumbers(draft)
    }
}

/// A metric gate as JSON.
public struct MetricGateSpec: Codable, Sendable, Hashable {
    /// Name.
    public var name: String
    /// PromQL with `{{hosts}}` (a regex of the hosts' names, for an `instance=~"…"`-style matcher).
    public var query: String
    /// `increase`, `decrease` or `either`.
    public var direction: MetricGate.Direction
    /// Tolerated shift as a fraction of the baseline median (`relativeTolerance`) or in the metric's
    /// unit (`absoluteTolerance`).
    public var relativeTolerance: Double?
    /// See `relativeTolerance`.
    public var absoluteTolerance: Double?
    /// A failure alone fails the wave.
    public var critical: Bool?
    /// Fewest samples per side.
    public var minimumSamples: Int?

    func gate() throws -> MetricGate {
        try MetricGate(
            name: name,
            query: query,
            direction: direction,
            tolerance: absoluteTolerance.map(MetricGate.Tolerance.absolute) ?? .relative(relativeTolerance ?? 0.1),
            critical: critical ?? false,
            minimumSamples: minimumSamples ?? 10
        )
    }
}

extension Rollout {
    /// The options the rollout was started with (kept in its annotations).
    var options: RolloutOptions? {
        get {
            annotations["options"].flatMap { try? JSONDecoder().decode(RolloutOptions.self, from: Data($0.utf8)) }
        }
        set {
            annotations["options"] = newValue.flatMap { try? String(decoding: JSONEncoder().encode($0), as: UTF8.self) }
        }
    }
}
