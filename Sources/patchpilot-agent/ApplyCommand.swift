import AgentProtocol
import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import PatchAgent

/// `patchpilot-agent apply --plan FILE`: runs a plan offline (for tests and break-glass use) and
/// prints each step result, then the final report, as JSON lines. Running it again with the same
/// plan resumes from the journal in `--state-dir` (after a crash or the plan's reboot).
struct ApplyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Apply an update plan from a file, journaling each step; run again to resume."
    )

    @Option(help: "The plan file: a signed plan (with --plan-key) or a bare plan (with --unsigned).")
    var plan: String
    @Option(name: .customLong("state-dir"), help: "Directory for the journal and the artifact cache.")
    var stateDirectory = "/var/lib/patchpilot-agent"
    @Option(help: "Root of the host's file system (a sandbox for tests).") var root = "/"
    @Option(help: "dpkg admin directory, a path inside --root (default: /var/lib/dpkg).") var admindir: String?
    @Option(name: .customLong("reboot-command"), help: "Command that reboots the host (split on spaces).")
    var rebootCommand = "systemctl reboot"
    @Option(name: .customLong("boot-id-file"), help: "File holding the current boot id.")
    var bootIDFile = "/proc/sys/kernel/random/boot_id"
    @Option(name: .customLong("plan-key"), help: "Base64 Ed25519 public key the plan must be signed with.")
    var planKey: String?
    @Flag(help: "Accept a bare, unsigned plan (only without --plan-key).") var unsigned = false
    @Option(name: .customLong("host-id"), help: "This host's id (default: the enrolled identity's).")
    var hostID: String?
    @Option(name: .customLong("max-boots"), help: "Boots allowed during the plan before stopping (reboot loop).")
    var maximumBoots = 3
    @Option(name: .customLong("service-manager"), help: "Command for service checks.")
    var serviceManager = "systemctl"
    @Option(name: .customLong("package-manager"), help: "dpkg or rpm.") var packageManager = "dpkg"
    @Option(name: .customLong("rpm-dbpath"), help: "rpm database directory inside --root.")
    var rpmDatabasePath = "/var/lib/rpm"
    @Flag(help: "Install plan packages without an artifact from the apt repositories configured in --root.")
    var apt = false
    @Flag(help: "With --apt: do not run apt-get update first.") var noAptUpdate = false

    func validate() throws {
        if planKey != nil, unsigned { throw ValidationError("--unsigned and --plan-key exclude each other") }
        if planKey == nil, !unsigned { throw ValidationError("give --plan-key, or --unsigned for an unsigned plan") }
        if !["dpkg", "rpm"].contains(packageManager) { throw ValidationError("--package-manager is dpkg or rpm") }
    }

    func run() async throws {
        let host = hostID ?? (try? AgentStateStore(directory: stateDirectory).loadIdentity().hostID)
        let update = try PlanFile(stateDirectory: stateDirectory)
            .load(path: plan, planKey: planKey, allowUnsigned: unsigned, hostID: host)
        let base = root == "/" ? "" : root
        let adminDirectory = base + (admindir ?? "/var/lib/dpkg")
        let commands = ProcessCommandRunner()
        let executor: any PackageExecutor =
            packageManager == "rpm"
            ? RPMExecutor(
                root: root,
                databasePath: rpmDatabasePath,
                stateDirectory: stateDirectory,
                runner: commands,
                fetch: Self.fetch
            )
            : DpkgExecutor(
                root: root,
                adminDirectory: adminDirectory,
                stateDirectory: stateDirectory,
                runner: commands,
                fetch: Self.fetch,
                apt: apt ? AptSettings(update: !noAptUpdate) : nil
            )
        let runner = PlanRunner(
            plan: update,
            journal: Journal(stateDirectory: stateDirectory, planID: update.id),
            executor: executor,
            checks: CheckRunner(
                root: root,
                adminDirectory: adminDirectory,
                runner: commands,
                executor: executor,
                serviceManager: serviceManager.split(separator: " ").map(String.init)
            ),
            rebootMonitor: RebootMonitor(
                root: root,
                adminDirectory: adminDirectory,
                rebootCommand: rebootCommand.split(separator: " ").map(String.init),
                bootIDFile: bootIDFile,
                runner: commands,
                rpm: (executor as? RPMExecutor)?.rpm
            ),
            runner: commands,
            maximumBoots: maximumBoots,
            onStepResult: { Self.printLine(ApplyLine(type: "step", step: $0)) }
        )
        switch try await runner.run(deliver: { Self.printLine(ApplyLine(type: "report", report: $0)) }) {
        case .finished(let report):
            if report.status != .succeeded { throw ExitCode(1) }
        case .awaitingReboot:
            Self.printLine(ApplyLine(type: "awaiting-reboot"))
        case .alreadyReported(let status):
            Self.printLine(ApplyLine(type: "already-reported", status: status))
            if status != .succeeded { throw ExitCode(1) }
        }
    }

    /// One JSON line of output.
    struct ApplyLine: Encodable {
        var type: String
        var step: ExecutionStepResult?
        var report: ExecutionReport?
        var status: ExecutionStatus?
    }

    static func printLine(_ line: ApplyLine) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(line) else { return }
        print(String(decoding: data, as: UTF8.self))
    }

    /// `file://` from disk, `http(s)://` with the shared HTTP client.
    static let fetch: ArtifactFetch = { url in
        if url.isFileURL { return try await localFileFetch(url) }
        let response = try await HTTPClient.shared.execute(
            HTTPClientRequest(url: url.absoluteString),
            timeout: .minutes(10)
        )
        guard response.status.code == 200 else {
            throw ExecutionError(
                code: .artifactUnavailable,
                subject: url.absoluteString,
                message: "HTTP status \(response.status.code)"
            )
        }
        let body = try await response.body.collect(upTo: 2 << 30)
        return Array(body.readableBytesView)
    }
}
