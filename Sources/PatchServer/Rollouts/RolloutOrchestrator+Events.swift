import AgentProtocol
import Foundation
import PatchStore
import RolloutEngine

extension RolloutOrchestrator {
    static func outcome(_ text: String) -> HostTask.Outcome {
        HostTask.Outcome(rawValue: text) ?? .rollbackFailed
    }

    static func reason(_ report: PlanReport) -> String? {
        report.steps.last { $0.outcome == .failed }.map { "\($0.step): \($0.message)" }
    }

    static func reason(_ text: String) -> String? {
        (try? JSONDecoder().decode(PlanReport.self, from: Data(text.utf8))).flatMap(reason)
    }

    /// Events for effects.
    static func events(_ effects: [RolloutEffect], rollout: Rollout, now: Date) throws -> [EventRecord] {
        try effects.map { effect in
            let target = "rollout:\(rollout.id)"
            switch effect {
            case .stateChanged(let state, let reason):
                return EventRecord(
                    at: now,
                    actor: "system",
                    action: "rollout.state_changed",
                    target: target,
                    details: try JSONResponse.text(["after": state.rawValue, "reason": reason ?? ""])
                )
            case .waveStarted(let index):
                return EventRecord(
                    at: now,
                    actor: "system",
                    action: "rollout.wave_started",
                    target: target,
                    details: try JSONResponse.text([
                        "wave": rollout.plan.waves[index].name, "hosts": String(rollout.plan.waves[index].hosts.count),
                    ])
                )
            case .waveBaking(let index, let until):
                return EventRecord(
                    at: now,
                    actor: "system",
                    action: "rollout.wave_baking",
                    target: target,
                    details: try JSONResponse.text([
                        "wave": rollout.plan.waves[index].name, "until": ISO8601DateFormatter().string(from: until),
                    ])
                )
            case .waveVerdict(let index, let verdict):
                return EventRecord(
                    at: now,
                    actor: "system",
                    action: "rollout.wave_verdict",
                    target: target,
                    details: try JSONResponse.text([
                        "wave": rollout.plan.waves[index].name, "verdict": verdict.outcome.rawValue,
                        "reasons": verdict.reasons.joined(separator: "; "),
                    ])
                )
            case .leaseTask(let host, let attempt, let planID):
                return EventRecord(
                    at: now,
                    actor: "system",
                    action: "rollout.task_leased",
                    target: target,
                    details: try JSONResponse.text(["host": host, "attempt": String(attempt), "plan": planID])
                )
            case .taskFinished(let host, let wave, let state):
                return EventRecord(
                    at: now,
                    actor: "system",
                    action: "rollout.task_finished",
                    target: target,
                    details: try JSONResponse.text(["host": host, "wave": String(wave), "state": state.rawValue])
                )
            case .rollBackHost(let host, let attempt, let planID):
                return EventRecord(
                    at: now,
                    actor: "system",
                    action: "rollout.rollback_host",
                    target: target,
                    details: try JSONResponse.text(["host": host, "attempt": String(attempt), "plan": planID])
                )
            case .rollbackFinished(let host, let succeeded):
                return EventRecord(
                    at: now,
                    actor: "system",
                    action: "rollout.rollback_finished",
                    target: target,
                    details: try JSONResponse.text(["host": host, "succeeded": String(succeeded)])
                )
            }
        }
    }
}
