import AgentProtocol
import Foundation
import Logging

/// Asks the server for the host's next update plan, verifies it against the pinned plan key, runs it
/// with the journaled executor, and sends the report (signed) until the server acknowledges it.
public struct PlanPoller: Sendable {
    /// Where and how plans run on this host.
    public struct Settings: Sendable {
        /// Root of the host's file system.
        public var root: String
        /// dpkg admin directory inside the root.
        public var dpkgAdminDirectory: String
        /// Reboot command.
        public var rebootCommand: [String]
        /// Boot id file.
        public var bootIDFile: String
        /// Boots allowed during one plan.
        public var maximumBoots: Int
        /// Install plan packages without an artifact (and roll back) from the host's apt
        /// repositories; `nil` to use artifacts only.
        public var apt: AptSettings?

        /// Creates settings.
        public init(
            root: String = "/",
            dpkgAdminDirectory: String = "/var/lib/dpkg",
            rebootCommand: [String] = ["systemctl", "reboot"],
            bootIDFile: String = "/proc/sys/kernel/random/boot_id",
            maximumBoots: Int = 3,
            apt: AptSettings? = AptSettings()
        ) {
            self.apt = apt
            self.root = root
            self.dpkgAdminDirectory = dpkgAdminDirectory
            self.rebootCommand = rebootCommand
            self.bootIDFile = bootIDFile
            self.maximumBoots = maximumBoots
        }
    }

    let client: AgentClient
    let signer: RequestSigner
    let state: AgentStateStore
    let identity: AgentIdentity
    let settings: Settings
    let logger: Logger

    /// Creates a poller.
    public init(
        client: AgentClient,
        signer: RequestSigner,
        state: AgentStateStore,
        identity: AgentIdentity,
        settings: Settings,
        logger: Logger
    ) {
        self.client = client
        self.signer = signer
        self.state = state
        self.identity = identity
        self.settings = settings
        self.logger = logger
    }

    /// Fetches and runs the next plan; returns its outcome, or `nil` when there was none.
    @discardableResult
    public func pollAndRun() async throws -> PlanOutcome? {
        guard let signed = try await client.nextPlan(signer: signer) else { return nil }
        let path = state.directory + "/incoming-plan.json"
        try DurableFile.write(Array(try JSONEncoder().encode(signed)), to: path)
        let plan: UpdatePlan
        do {
            plan = try PlanFile(stateDirectory: state.directory)
                .load(path: path, planKey: identity.planPublicKey, allowUnsigned: false, hostID: identity.hostID)
        } catch {
            // Refused before any change: say why, under the id the payload claims (unverified).
            let claimed = Base64.decode(signed.payload).flatMap {
                try? JSONDecoder().decode(UpdatePlan.self, from: Data($0))
            }
            let now = Int64(Date().timeIntervalSince1970)
            try await deliver(
                PlanReport(
                    planID: claimed?.id ?? "unknown",
                    sequence: claimed?.sequence ?? 0,
                    outcome: .refused,
                    steps: [
                        StepResult(step: "verify", startedAt: now, endedAt: now, outcome: .failed, message: "\(error)")
                    ]
                )
            )
            logger.error("plan refused", metadata: ["pp.error": .string("\(error)")])
            return .refused
        }
        let base = settings.root == "/" ? "" : settings.root
        let adminDirectory = base + settings.dpkgAdminDirectory
        let commands = ProcessCommandRunner()
        let executor = DpkgExecutor(
            root: settings.root,
            adminDirectory: adminDirectory,
            stateDirectory: state.directory,
            runner: commands,
            fetch: { url in
                guard url.isFileURL else {
                    let bytes: [UInt8] = try await client.download(url.absoluteString)
                    return bytes
                }
                return try await localFileFetch(url)
            },
            apt: settings.apt
        )
        let runner = PlanRunner(
            plan: plan,
            journal: Journal(stateDirectory: state.directory, planID: plan.id),
            executor: executor,
            checks: CheckRunner(
                root: settings.root,
                adminDirectory: adminDirectory,
                runner: commands,
                executor: executor
            ),
            rebootMonitor: RebootMonitor(
                root: settings.root,
                adminDirectory: adminDirectory,
                rebootCommand: settings.rebootCommand,
                bootIDFile: settings.bootIDFile,
                runner: commands
            ),
            runner: commands,
            maximumBoots: settings.maximumBoots
        )
        let outcome = try await runner.run(deliver: { report in try await deliver(report.planReport) })
        switch outcome {
        case .finished(let report): return report.planReport.outcome
        case .awaitingReboot: return .inProgress
        case .alreadyReported: return nil
        }
    }

    /// Sends a report, retrying with backoff until the server acknowledges it (up to 5 tries here;
    /// the journal keeps it unreported otherwise, so the next poll sends it again).
    func deliver(_ report: PlanReport) async throws {
        var delay: Duration = .seconds(1)
        for attempt in 1...5 {
            do {
                _ = try await client.report(report, signer: signer)
                return
            } catch {
                logger.warning("report not acknowledged", metadata: ["pp.attempt": .stringConvertible(attempt)])
                if attempt == 5 { throw error }
                try await Task.sleep(for: delay)
                delay *= 2
            }
        }
    }
}
