// Every JSON request body the API accepts, decoded and validated as the server does
// (APIBody.decode), then used the way the server uses it: the first byte picks the body type, the
// rest is the JSON. Whatever validates must be safe for the server's own arithmetic (durations to
// seconds, plan expiry, rollout settings) — the harness repeats that arithmetic, so an overflow the
// validation let through traps here.
import AgentProtocol
import ChangeControl
import FleetModel
import Foundation
import FuzzSupport
import PatchAPI
import RolloutEngine

let now: Int64 = 1_767_225_600

func accept<T: APIRequestBody>(_ type: T.Type, _ bytes: [UInt8]) -> T? {
    do {
        return try APIBody.decode(type, from: bytes)
    } catch let error as APIInputError {
        invariant(!error.description.isEmpty, "an empty refusal")
        return nil
    } catch {
        // Errors thrown by a type's own Decodable (budgets, grant scopes) are refusals too.
        return nil
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
func fuzzAPIBodies(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let (selector, bytes) = FuzzInput(data, size).selectorAndRest
    switch selector % 20 {
    case 0: _ = accept(CreateUserRequest.self, bytes)
    case 1: _ = accept(GrantRequest.self, bytes)
    case 2: _ = accept(RoleRequest.self, bytes)
    case 3:
        if let body = accept(ElevationRequest.self, bytes) {
            _ = Date(timeIntervalSince1970: Double(now)).addingTimeInterval(TimeInterval(body.durationMinutes * 60))
        }
    case 4:
        if let body = accept(APITokenRequest.self, bytes) {
            let seconds = body.expiresInSeconds ?? 90 * 86400
            invariant(seconds >= 60 && seconds <= 366 * 86400, "token lifetime \(seconds) accepted")
            _ = now + Int64(seconds)
        }
    case 5:
        if let body = accept(EnrollmentTokenRequest.self, bytes) {
            _ = now + Int64(body.expiresInSeconds ?? 86400)
            invariant((body.uses ?? 1) >= 1, "uses \(body.uses ?? 1) accepted")
        }
    case 6: _ = accept(CreateChangeRequest.self, bytes).map { $0.content.digest }
    case 7: _ = accept(EditChangeRequest.self, bytes).map { $0.content.digest }
    case 8: _ = accept(CommentRequest.self, bytes)
    case 9:
        if let body = accept(ScheduleRequest.self, bytes) {
            _ = Int64((body.start.timeIntervalSince1970 * 1000).rounded())
        }
    case 10: _ = accept(StandardChangeTemplate.self, bytes)
    case 11: _ = accept(HostLabelsRequest.self, bytes)
    case 12:
        if let draft = accept(PlanDraft.self, bytes) {
            _ = now + Int64(draft.validForSeconds ?? 86400)
            _ = (draft.timeBudgetSeconds ?? 3600) * 1000
            for check in (draft.preChecks ?? []) + (draft.postChecks ?? []) {
                if case .backupMarker(_, let hours) = check { _ = hours * 3600 }
            }
        }
    case 13, 14:
        if let options = accept(RolloutOptions.self, bytes) { useOptions(options) }
    case 15:
        if let body = accept(StartRolloutRequest.self, bytes), let options = body.options { useOptions(options) }
    case 16: _ = accept(RolloutCommandRequest.self, bytes)
    case 17: _ = accept(EnrollmentRequest.self, bytes)
    case 18:
        if let beat = accept(HeartbeatRequest.self, bytes) { _ = InputBounds.wholeSeconds(beat.facts.uptimeSeconds) }
    default:
        _ = accept(PlanReport.self, bytes)
    }
    return 0
}

/// The server's arithmetic on rollout options.
func useOptions(_ options: RolloutOptions) {
    _ = TimeInterval((options.taskMinutes ?? 30) * 60)
    _ = TimeInterval(options.bakeTimeSeconds ?? 0) + TimeInterval(options.waveBakeSeconds ?? 0)
    _ = now + Int64(options.leaseSeconds ?? 3600)
    for total in [0, 1, 7, 100_000] {
        for budget in [options.canary, options.maxConcurrency, options.errorBudget].compactMap({ $0 }) {
            invariant(budget.limit(of: total) >= 0, "budget \(budget) gives a negative limit")
        }
    }
    for gate in options.metricGates ?? [] { _ = try? gate.gate() }
}

runFuzzer(fuzzAPIBodies)
