import AgentProtocol
import Foundation
import Testing

@testable import PatchAgent

/// `patchpilot-agent apply` as a real child process, killed with SIGKILL mid-plan and run again.
///
/// Enabled when the executable sits next to the test binary (or in `PATCHPILOT_BIN_DIR`) and has
/// the `apply` subcommand.
@Suite(.enabled(if: AgentExecutable.path != nil && ExecutionSandbox.available, "needs patchpilot-agent apply"))
struct ApplyProcessTests {
    private func apply(
        _ sandbox: ExecutionSandbox,
        _ plan: UpdatePlan,
        reboot: String = "false"
    ) throws -> CommandOutput {
        let path = sandbox.base + "/plan.json"
        try JSONEncoder().encode(plan).write(to: URL(fileURLWithPath: path))
        return try ProcessCommandRunner().run([
            AgentExecutable.path ?? "patchpilot-agent", "apply", "--plan", path, "--unsigned", "--state-dir",
            sandbox.state,
            "--root", sandbox.root, "--boot-id-file", sandbox.bootIDFile, "--reboot-command", reboot,
        ])
    }

    private func lines(_ output: CommandOutput) -> [[String: Any]] {
        output.standardOutput.split(separator: "\n").compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any]
        }
    }

    @Test func printsStepsAndReportAsJSONLines() throws {
        let sandbox = try ExecutionSandbox()
        try sandbox.buildDemo("1.0")
        let artifact = try sandbox.buildDemo("1.1")
        try sandbox.preinstall("1.0")
        let output = try apply(sandbox, sandbox.plan("1.1", artifact: artifact))
        #expect(output.status == 0, "\(output.standardError)")
        let types = lines(output).compactMap { $0["type"] as? String }
        #expect(types == Array(repeating: "step", count: 7) + ["report"])
        let report = lines(output).last?["report"] as? [String: Any]
        #expect(report?["status"] as? String == "succeeded")
        #expect(try sandbox.installedVersion() == "1.1")
        let again = try apply(sandbox, sandbox.plan("1.1", artifact: artifact))
        #expect(lines(again).first?["type"] as? String == "already-reported")
    }

    @Test func killedDuringSnapshotResumes() throws {
        let sandbox = try ExecutionSandbox()
        try sandbox.buildDemo("1.0")
        let artifact = try sandbox.buildDemo("1.1")
        try sandbox.preinstall("1.0")
        var plan = sandbox.plan("1.1", artifact: artifact)
        let marker = sandbox.base + "/killed-once"
        // The snapshot command SIGKILLs the agent (its parent) the first time it runs.
        plan.snapshotCommand = [
            "sh", "-c", "if [ ! -e '\(marker)' ]; then touch '\(marker)'; kill -9 $PPID; sleep 5; fi",
        ]
        let killed = try apply(sandbox, plan)
        #expect(killed.status == SIGKILL)
        let journal = Journal(stateDirectory: sandbox.state, planID: plan.id)
        #expect(try journal.read().last?.kind == .stepStarted)
        #expect(try journal.read().last?.step == .snapshot)
        let resumed = try apply(sandbox, plan)
        #expect(resumed.status == 0, "\(resumed.standardError)")
        #expect(try journal.read().filter { $0.kind == .stepStarted && $0.step == .precheck }.count == 1)
        #expect(try journal.read().filter { $0.kind == .stepStarted && $0.step == .snapshot }.count == 2)
        #expect(try sandbox.installedVersion() == "1.1")
    }

    @Test func rebootKillsTheAgentAndTheNextBootContinues() throws {
        let sandbox = try ExecutionSandbox()
        let artifact = try sandbox.buildDemo("1.1")
        let script = sandbox.base + "/reboot"
        // Like a real reboot: the boot id changes and the agent dies without a chance to clean up.
        try sandbox.write(script, "#!/bin/sh\necho boot-after > '\(sandbox.bootIDFile)'\nkill -9 $PPID\nsleep 5\n")
        chmod(script, 0o755)
        let plan = sandbox.plan("1.1", artifact: artifact, reboot: .always)
        let killed = try apply(sandbox, plan, reboot: script)
        #expect(killed.status == SIGKILL)
        let resumed = try apply(sandbox, plan, reboot: script)
        #expect(resumed.status == 0, "\(resumed.standardError)")
        let steps = lines(resumed).compactMap { ($0["step"] as? [String: Any])?["step"] as? String }
        #expect(steps == ["postRebootCheck"])
        #expect((lines(resumed).last?["report"] as? [String: Any])?["status"] as? String == "succeeded")
    }
}

/// The `patchpilot-agent` executable built beside the tests, if it has the `apply` subcommand.
enum AgentExecutable {
    static let path: String? = {
        let directory =
            ProcessInfo.processInfo.environment["PATCHPILOT_BIN_DIR"]
            ?? URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path
        let path = directory + "/patchpilot-agent"
        guard FileManager.default.isExecutableFile(atPath: path),
            let help = try? ProcessCommandRunner().run([path, "apply", "--help"]), help.status == 0
        else { return nil }
        return path
    }()
}
