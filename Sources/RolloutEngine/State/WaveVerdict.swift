/// A wave's verdict, with Argo Rollouts' three outcomes.
public struct WaveVerdict: Sendable, Hashable, Codable {
    /// The outcome.
    public enum Outcome: String, Sendable, Hashable, Codable {
        /// Move on.
        case pass
        /// Stop and roll back.
        case fail
        /// Pause for a person.
        case inconclusive
    }

    /// The outcome.
    public var outcome: Outcome
    /// Why, in words.
    public var reasons: [String]

    /// Creates a verdict.
    public init(_ outcome: Outcome, _ reasons: [String]) {
        self.outcome = outcome
        self.reasons = reasons
    }

    /// Judges a wave from its tasks and, when a metric gate ran, its result.
    ///
    /// - Fail when failed tasks exceed the error budget (of the wave's hosts), when any canary
    ///   task failed, or when any task ended in a reboot loop. Tasks still running when the budget is
    ///   exceeded may still fail: the verdict does not wait for them (as AWS Systems Manager states
    ///   for its error threshold).
    /// - Fail when the metric gate failed; inconclusive when it was inconclusive.
    /// - Otherwise pass once every task is over; `nil` while tasks are still pending or leased.
    public static func judge(
        tasks: [HostTask],
        isCanary: Bool,
        errorBudget: Budget,
        metrics: WaveVerdict? = nil
    ) -> WaveVerdict? {
        let failed = tasks.filter { $0.state == .failed || $0.state == .rolledBack }
        let allowed = errorBudget.tolerance(of: tasks.count)
        if let loop = failed.first(where: { $0.outcome == .rebootLoop }) {
            return WaveVerdict(.fail, ["\(loop.hostID) is in a reboot loop"])
        }
        if isCanary, let first = failed.first {
            return WaveVerdict(
                .fail,
                ["canary \(first.hostID) failed: \(first.reason ?? first.outcome?.rawValue ?? "failed")"]
            )
        }
        if failed.count > allowed {
            let running = tasks.filter { !$0.state.isTerminal }.count
            var reasons = ["\(failed.count) of \(tasks.count) hosts failed; the error budget allows \(allowed)"]
            if running > 0 { reasons.append("\(running) task(s) still running may fail too") }
            return WaveVerdict(.fail, reasons)
        }
        guard tasks.allSatisfy(\.state.isTerminal) else { return nil }
        if let metrics, metrics.outcome != .pass { return metrics }
        var reasons = ["\(tasks.count - failed.count) of \(tasks.count) hosts succeeded (error budget \(allowed))"]
        if let metrics { reasons += metrics.reasons }
        return WaveVerdict(.pass, reasons)
    }
}
