import AgentProtocol
import Foundation

extension PlanRunner {
    /// Runs one step's work and says how it went; never throws (a failure is a failed step).
    func perform(_ step: ExecutionStep, replay: inout Replay, afterInterruption: Bool) async -> ExecutionStepResult {
        let names = plan.packages.filter { $0.action != .hold }.map(\.name)
        var repairNote = ""
        if afterInterruption, step == .apply || step == .rollback {
            // dpkg may have been killed half-way: finish what it unpacked before going on.
            switch Result(catching: { () throws(ExecutionError) in try executor.repair() }) {
            case .success(let output):
                repairNote = "repaired interrupted run (dpkg --configure -a, exit \(output.status)); "
            case .failure(let error):
                repairNote = "repair failed: \(error); "
            }
        }
        var result: ExecutionStepResult
        switch step {
        case .precheck:
            result = checkStep(step, plan.preChecks)
            if result.succeeded {
                switch Result(catching: { () throws(ExecutionError) in try executor.heldPackages(among: names) }) {
                case .success(let held) where !held.isEmpty:
                    result.succeeded = false
                    result.detail = "held package(s) \(held.joined(separator: ", ")): refusing to change them"
                case .success: break
                case .failure(let error):
                    result.succeeded = false
                    result.detail = error.description
                }
            }
        case .snapshot:
            guard let command = plan.snapshotCommand, !command.isEmpty else {
                return ExecutionStepResult(step: step, succeeded: true, detail: "no snapshot command")
            }
            result = commandStep(step, command)
        case .recordInstalled:
            result = await recordInstalled(names)
        case .apply:
            result = packageStep(step, before: names) { () throws(ExecutionError) in try executor.install(plan.packages)
            }
        case .verify:
            result = checkStep(step, [.installedVersionsMatchPlan])
        case .postcheck, .postRebootCheck:
            result = checkStep(step, plan.postChecks)
        case .reboot:
            let decision = rebootMonitor.decide(plan.reboot)
            result = ExecutionStepResult(step: step, succeeded: true, detail: decision.reason)
            result.rebootRequired = decision.required
        case .rollback:
            result = rollback(names, versionsBefore: replay.versionsBefore)
        case .rollbackCheck:
            result = rollbackCheck(names, versionsBefore: replay.versionsBefore ?? [:])
        }
        if step == .recordInstalled, result.succeeded { replay.versionsBefore = result.versionsAfter }
        result.detail = repairNote + result.detail
        return result
    }

    private func checkStep(_ step: ExecutionStep, _ planChecks: [PlanCheck]) -> ExecutionStepResult {
        let results = checks.run(planChecks, plan: plan)
        let failing = results.filter { !$0.passed }
        var result = ExecutionStepResult(
            step: step,
            succeeded: failing.isEmpty,
            detail: failing.isEmpty
                ? "\(results.count) check(s) passed"
                : failing.map { "\($0.check) failed: \($0.detail)" }.joined(separator: "; ")
        )
        result.checks = results
        return result
    }

    private func commandStep(_ step: ExecutionStep, _ command: [String]) -> ExecutionStepResult {
        switch Result(catching: { () throws(ExecutionError) in try runner.run(command) }) {
        case .success(let output):
            var result = ExecutionStepResult(
                step: step,
                succeeded: output.status == 0,
                detail: "\(command.joined(separator: " ")) exited \(output.status)"
            )
            result.stdoutTail = output.outputTail()
            result.stderrTail = output.errorTail()
            return result
        case .failure(let error):
            return ExecutionStepResult(step: step, succeeded: false, detail: error.description)
        }
    }

    private func recordInstalled(_ names: [String]) async -> ExecutionStepResult {
        let before: [String: String]
        do {
            before = try executor.installedVersions(of: names)
            try await executor.stage(plan.packages)
        } catch {
            return ExecutionStepResult(step: .recordInstalled, succeeded: false, detail: error.description)
        }
        let uncached = before.filter { !executor.isRestorable(name: $0.key, version: $0.value) }.map {
            "\($0.key) \($0.value)"
        }
        var result = ExecutionStepResult(
            step: .recordInstalled,
            succeeded: true,
            detail: uncached.isEmpty
                ? "recorded \(before.count) installed version(s); artifacts staged"
                : "recorded \(before.count) installed version(s); no cached artifact or repository version for rollback of "
                    + uncached.sorted().joined(separator: ", ")
        )
        // versionsAfter of this step is what rollback restores.
        result.versionsBefore = before
        result.versionsAfter = before
        return result
    }

    private func packageStep(
        _ step: ExecutionStep,
        before names: [String],
        _ body: () throws(ExecutionError) -> PackageChange
    ) -> ExecutionStepResult {
        let before = (try? executor.installedVersions(of: names)) ?? [:]
        var result: ExecutionStepResult
        do {
            let change = try body()
            result = ExecutionStepResult(
                step: step,
                succeeded: change.output.status == 0,
                detail: change.output.status == 0
                    ? (change.alreadyInstalled.isEmpty
                        ? "done" : "done; already at target: \(change.alreadyInstalled.joined(separator: ", "))")
                    : "package manager exited \(change.output.status)"
            )
            result.stdoutTail = change.output.outputTail()
            result.stderrTail = change.output.errorTail()
        } catch {
            result = ExecutionStepResult(step: step, succeeded: false, detail: error.description)
        }
        result.versionsBefore = before
        result.versionsAfter = (try? executor.installedVersions(of: names)) ?? [:]
        return result
    }

    private func rollback(_ names: [String], versionsBefore: [String: String]?) -> ExecutionStepResult {
        guard let versionsBefore else {
            return ExecutionStepResult(
                step: .rollback,
                succeeded: false,
                detail: "no recorded versions to roll back to"
            )
        }
        if let revert = plan.rollback.snapshotRevertCommand, !revert.isEmpty {
            let reverted = commandStep(.rollback, revert)
            guard reverted.succeeded else { return reverted }
        }
        return packageStep(.rollback, before: names) { () throws(ExecutionError) in
            try executor.restore(versionsBefore, names: names)
        }
    }

    private func rollbackCheck(_ names: [String], versionsBefore: [String: String]) -> ExecutionStepResult {
        var problems: [String] = []
        let installed = (try? executor.installedVersions(of: names)) ?? [:]
        for name in names where installed[name] != versionsBefore[name] {
            problems.append(
                "\(name) is \(installed[name] ?? "not installed"), was \(versionsBefore[name] ?? "not installed")"
            )
        }
        let audit = checks.run(.packagesConsistent, plan: plan)
        if !audit.passed { problems.append("dpkg --audit: \(audit.detail)") }
        var result = ExecutionStepResult(
            step: .rollbackCheck,
            succeeded: problems.isEmpty,
            detail: problems.isEmpty ? "recorded versions restored; audit clean" : problems.joined(separator: "; ")
        )
        result.checks = [audit]
        result.versionsAfter = installed
        return result
    }
}
