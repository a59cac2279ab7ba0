import AgentProtocol
import RolloutEngine

/// How a change is rolled out, as given to `POST /api/v1/rollouts` and `…/rollout-plan`.
///
/// A limit given here applies to every environment (or to its service); one left out comes from
/// the policy (an environment's `canary`, `maxConcurrency`, `errorBudget`; a service's
/// `disruptionBudget`), else from the built-in default.
public struct RolloutOptions: APIRequestBody, Codable, Hashable {
    /// Canary size per environment (`1`, `5%`; default: the policy's, else 1).
    public var canary: Budget?
    /// Most hosts per wave (`25%`; default: the policy's, else 25%).
    public var maxConcurrency: Budget?
    /// Failed hosts tolerated per wave (`0`, `10%`; default: the policy's, else 0).
    public var errorBudget: Budget?
    /// Service order inside a tier.
    public var serviceOrder: RolloutRequest.ServiceOrder?
    /// Disruption budget per service (default: the policy's, else 1 host).
    public var disruptionBudgets: [String: Budget]?
    /// Wait between environments.
    public var bakeTimeSeconds: Int?
    /// Wait after each wave before its verdict (metric gates look at this period).
    public var waveBakeSeconds: Int?
    /// How long one host's task may take (it must fit in the window before the cutoff); default:
    /// measured from recent completed plans, else 30 minutes.
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
    public func validate() throws {
        try InputBounds.check(bakeTimeSeconds ?? 0, "bakeTimeSeconds", in: 0...(30 * 86400))
        try InputBounds.check(waveBakeSeconds ?? 0, "waveBakeSeconds", in: 0...(7 * 86400))
        try InputBounds.check(taskMinutes ?? 30, "taskMinutes", in: 1...(7 * 24 * 60))
        try InputBounds.check(leaseSeconds ?? 3600, "leaseSeconds", in: 1...(7 * 86400))
        try InputBounds.count(disruptionBudgets?.count ?? 0, "disruptionBudgets", atMost: 10_000)
        for name in (disruptionBudgets ?? [:]).keys { try TextField.check(name, "disruptionBudgets key", max: 256) }
        try InputBounds.count(metricGates?.count ?? 0, "metricGates", atMost: 50)
        for (index, gate) in (metricGates ?? []).enumerated() { try gate.validate(field: "metricGates[\(index)]") }
        try PlanDraft.validateChecks(preChecks: preChecks, postChecks: postChecks)
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

    /// Creates a spec.
    public init(name: String, query: String, direction: MetricGate.Direction) {
        self.name = name
        self.query = query
        self.direction = direction
    }

    func validate(field: String) throws {
        try TextField.check(name, "\(field).name", max: 128)
        try TextField.check(query, "\(field).query", max: 8192)
        if let value = relativeTolerance { try InputBounds.check(value, "\(field).relativeTolerance", in: 0...1000) }
        if let value = absoluteTolerance { try InputBounds.check(value, "\(field).absoluteTolerance", in: 0...1e15) }
        try InputBounds.check(minimumSamples ?? 10, "\(field).minimumSamples", in: 1...100_000)
        _ = try gate()
    }

    /// The engine's gate.
    public func gate() throws -> MetricGate {
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

/// `POST /api/v1/rollouts`.
public struct StartRolloutRequest: APIRequestBody {
    public var change: String
    public var options: RolloutOptions?
    /// The `digest` of the plan that was reviewed (`POST /changes/{id}/rollout-plan`): the start
    /// is refused if the fleet changed so that the plan would differ.
    public var planDigest: String?

    public init(change: String, options: RolloutOptions? = nil, planDigest: String? = nil) {
        self.change = change
        self.options = options
        self.planDigest = planDigest
    }

    public func validate() throws {
        try TextField.check(change, "change", max: 64)
        try options?.validate()
        if let planDigest {
            guard planDigest.utf8.count == 64,
                planDigest.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) })
            else {
                throw APIInputError(
                    field: "planDigest",
                    "must be 64 lowercase hex digits (the plan's digest), got '\(planDigest.prefix(80))'"
                )
            }
        }
    }
}

/// Pause, resume, abort, approve the next environment.
public struct RolloutCommandRequest: APIRequestBody, Hashable {
    public var reason: String?

    public func validate() throws { try TextField.checkLength(reason, "reason", max: 2000) }
}
