import Foundation
import PatchAPI
import RolloutEngine

extension RolloutOrchestrator {
    /// The metric gates' verdict for a wave: the wave's hosts against the environment's hosts not in
    /// it (the baseline), over the bake period (from the moment the wave's last host finished).
    func metricVerdict(_ rollout: Rollout, wave index: Int, now: Date) async -> WaveVerdict {
        guard let prometheus, let specs = rollout.options?.metricGates, !specs.isEmpty else {
            return WaveVerdict(.pass, ["no metric gates"])
        }
        let wave = rollout.plan.waves[index]
        let canaryHosts = wave.hosts.compactMap { id in rollout.hostnames[id] }
        let baselineHosts = rollout.plan.waves.filter { $0.environment == wave.environment && $0.index != index }
            .flatMap(\.hosts).compactMap { rollout.hostnames[$0] }
        // The bake period only: the wave's hosts run the new versions from its start, so samples from
        // before (while the wave was still installing) would dilute a regression.
        let bakeTime = rollout.settings.waveBakeTime
        let start =
            rollout.waves[index].bakeUntil.map { $0.addingTimeInterval(-bakeTime) } ?? now.addingTimeInterval(-bakeTime)
        // About 20 points or more over the period, never finer than a second nor coarser than 15 s.
        let step = Duration.seconds(max(1, min(15, Int(now.timeIntervalSince(start) / 20))))
        var judgements: [MetricJudgement] = []
        for spec in specs {
            do {
                let gate = try spec.gate()
                func samples(_ hosts: [String]) async throws -> [Double] {
                    guard !hosts.isEmpty else { return [] }
                    return try await prometheus.rangeQuery(
                        query: try gate.query(hosts: hosts),
                        start: start,
                        end: now,
                        step: step
                    )
                    .flatMap { $0.values.map(\.value) }
                }
                judgements.append(
                    gate.judge(baseline: try await samples(baselineHosts), canary: try await samples(canaryHosts))
                )
            } catch {
                return WaveVerdict(.inconclusive, ["metric \(spec.name): \(error)"])
            }
        }
        let result = MetricGateResult.combine(judgements)
        let outcome: WaveVerdict.Outcome =
            switch result.outcome {
            case .pass: .pass
            case .fail: .fail
            case .inconclusive: .inconclusive
            }
        return WaveVerdict(outcome, [result.reason] + judgements.map(\.reason))
    }
}
