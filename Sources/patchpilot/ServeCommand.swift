import ArgumentParser
import Foundation
import Hummingbird
import Logging
import PatchDemo
import PatchServer
import PatchStore
import ServiceLifecycle
import UnixSignals

/// `patchpilot serve`: the server (API, dashboard, metrics), optionally with a demo fleet.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the PatchPilot server."
    )

    @OptionGroup var data: DataDirectoryOptions
    @Option(help: "Address to listen on, host:port (port 0 picks a free one).")
    var listen = ListenAddress(argument: "127.0.0.1:8080")!
    @Option(name: .customLong("tls-cert"), help: "PEM certificate chain; enables HTTPS with --tls-key.")
    var tlsCertificate: String?
    @Option(name: .customLong("tls-key"), help: "PEM private key for --tls-cert.")
    var tlsKey: String?
    @Option(help: "Seconds between agent check-ins.") var checkInInterval = 300
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.") var logLevel = "info"
    @Flag(help: "Start a simulated fleet that enrolls and reports through the API.") var demo = false
    @Option(help: "Number of simulated hosts with --demo.") var demoAgents = 300
    @Option(help: "Share of plans the demo's agents fail (and roll back), 0…1.") var demoFailureRate = 0.02
    @Option(help: "Prometheus base URL for rollout metric gates (e.g. http://127.0.0.1:9090).") var prometheusURL:
        String?
    @Option(help: "Webhook for rollout notifications: URL or URL,slack (repeat for several).") var webhook: [String] =
        []
    @Option(help: "Milliseconds between rollout scheduler ticks.") var rolloutTick = 2000
    @Option(help: "Seconds between checks for feeds imported by the CLI or another replica (1…3600).")
    var feedPoll = 15
    @Option(help: "Seconds between seals of the audit chain's new events (1…86400); it is sealed at shutdown too.")
    var auditSeal = 60
    @Option(
        help: """
            This replica's id in leases (also PATCHPILOT_REPLICA_ID). Default: 'local' on SQLite; \
            host name, process id and a random suffix on PostgreSQL. A replica restarted with the same id \
            resumes its leases at once instead of waiting for them to lapse.
            """
    )
    var replicaID: String?
    @Option(help: "Seconds a lease (leader, rollout tick) lasts unless renewed: the take-over time (3…600).")
    var leaseSeconds = 15
    @Option(help: "Attempts at a webhook message before it becomes a dead letter (1…100).")
    var webhookAttempts = 10

    /// Crash-only operation: a fatal error (a trap) must end the process at once so the supervisor
    /// restarts it, not after a minute of symbolicating a backtrace while the port is dead. Swift's
    /// runtime reads `SWIFT_BACKTRACE` at start, so when it is unset the server re-executes itself
    /// (same PID, same arguments) with `SWIFT_BACKTRACE=enable=no`. Set the variable yourself to
    /// choose otherwise (e.g. `enable=yes` while debugging).
    static func exitFastOnFatalErrors() {
        guard getenv("SWIFT_BACKTRACE") == nil else { return }
        setenv("SWIFT_BACKTRACE", "enable=no", 1)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        // exec failed (no /proc): carry on with the runtime's default.
    }

    func validate() throws {
        guard demoFailureRate.isFinite, (0...1).contains(demoFailureRate) else {
            throw ValidationError("--demo-failure-rate must be a number from 0 to 1, got \(demoFailureRate)")
        }
        guard (tlsCertificate == nil) == (tlsKey == nil) else {
            throw ValidationError("--tls-cert and --tls-key must be given together")
        }
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("unknown --log-level '\(logLevel)'")
        }
    }

    func run() async throws {
        Self.exitFastOnFatalErrors()
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "patchpilot")
        var configuration = ServerConfiguration()
        configuration.dataDirectory = data.dataDirectory
        configuration.host = listen.host
        configuration.port = listen.port
        configuration.tlsCertificatePath = tlsCertificate
        configuration.tlsKeyPath = tlsKey
        configuration.checkInIntervalSeconds = checkInInterval
        configuration.prometheusURL = prometheusURL
        configuration.rolloutTickMilliseconds = max(50, rolloutTick)
        guard (1...3600).contains(feedPoll) else {
            throw ValidationError("--feed-poll must be 1…3600 seconds, got \(feedPoll)")
        }
        configuration.feedPollSeconds = feedPoll
        guard (1...86400).contains(auditSeal) else {
            throw ValidationError("--audit-seal must be 1…86400 seconds, got \(auditSeal)")
        }
        configuration.auditSealSeconds = auditSeal
        guard (3...600).contains(leaseSeconds) else {
            throw ValidationError("--lease-seconds must be 3…600, got \(leaseSeconds)")
        }
        configuration.leaseSeconds = leaseSeconds
        guard (1...100).contains(webhookAttempts) else {
            throw ValidationError("--webhook-attempts must be 1…100, got \(webhookAttempts)")
        }
        configuration.webhookMaxAttempts = webhookAttempts
        let replica = replicaID ?? ProcessInfo.processInfo.environment["PATCHPILOT_REPLICA_ID"]
        if let replica {
            guard (1...128).contains(replica.utf8.count), replica.allSatisfy({ $0.isASCII && !$0.isWhitespace }) else {
                throw ValidationError("--replica-id must be 1…128 printable ASCII characters, got '\(replica)'")
            }
            configuration.replicaID = replica
        } else if data.databaseURL == nil {
            // One server on one SQLite file: a restart is the same replica and keeps its leases.
            configuration.replicaID = "local"
        }
        configuration.webhooks = try webhook.map { text in
            guard let hook = Webhook(argument: text) else {
                throw ValidationError(
                    "--webhook must be an http(s) URL, optionally followed by ',slack' or ',generic': '\(text)'"
                )
            }
            return hook
        }

        // A replica stalled mid-transaction loses its locks after one lease period, so that the
        // others can take its leases over.
        let storage = try await data.openStorage(stalledTransactionSeconds: leaseSeconds)
        let identities = IdentityService(
            storage: storage,
            clock: SystemWallClock(),
            bcryptCost: configuration.bcryptCost
        )
        var credentials: (String, String)?
        if try await storage.userCount() == 0 {
            let password = BearerSecret.randomToken(bytes: 12)
            do {
                try await identities.createUser(
                    username: "admin",
                    password: password,
                    role: "admin",
                    actor: "system",
                    mustChangePassword: true
                )
                credentials = ("admin", password)
                announce("Created the first user. Sign in as admin with the one-time password: \(password)")
            } catch let error as StoreError where error.code == .conflict {
                // Another replica starting at the same moment created it (the unique user name
                // decides); its log has the password.
                logger.notice("the first admin was created by another replica")
            }
        } else if demo {
            let password = BearerSecret.randomToken(bytes: 12)
            let username = "demo-\(BearerSecret.randomToken(bytes: 3))"
            try await identities.createUser(
                username: username,
                password: password,
                role: "admin",
                actor: "system",
                mustChangePassword: true
            )
            credentials = (username, password)
        }

        var services: [any Service] = []
        let (urls, urlSink) = AsyncStream.makeStream(of: String.self)
        if demo, let imported = try await DemoFeeds.importIfEmpty(into: storage) {
            announce(
                "Demo: imported bundled advisories (\(imported.added) advisories, \(imported.knownExploited) KEV entries)"
            )
        }
        if demo, let applied = try await DemoPolicy.applyIfEmpty(into: storage) {
            announce(
                "Demo: applied the demo policy as version \(applied.version) (environments dev, staging, prod; services; an always-open window)"
            )
        }
        if demo {
            let token = try await identities.createEnrollmentToken(
                uses: demoAgents,
                expiresIn: 3600,
                actor: "system:demo"
            )
            services.append(
                DemoFleetService(
                    serverURL: urls,
                    enrollmentToken: token.text,
                    agents: demoAgents,
                    roundSeconds: 60,
                    logger: Logger(label: "patchpilot.demo"),
                    storage: storage,
                    behaviour: PlanFollower.Behaviour(
                        failureRate: demoFailureRate,
                        slowHostRate: PlanFollower.Behaviour.demo.slowHostRate,
                        slowSeconds: PlanFollower.Behaviour.demo.slowSeconds
                    )
                )
            )
        }
        let scheme = configuration.usesTLS ? "https" : "http"
        let demoCredentials = credentials
        let isDemo = demo
        let app = try await buildApplication(
            configuration: configuration,
            dependencies: ServerDependencies(
                storage: storage,
                logger: logger,
                services: services,
                planKey: try await data.planKey(storage),
                auditKey: try await data.auditKey(storage),
                onListening: { host, port in
                    let shownHost = host.contains(":") ? "[\(host)]" : host
                    let url = "\(scheme)://\(shownHost):\(port)"
                    announce("PatchPilot is listening on \(url)/")
                    if isDemo, let (username, password) = demoCredentials {
                        announce(
                            "Demo: a simulated fleet is enrolling. Open \(url)/ and sign in as \(username) / \(password)"
                        )
                    }
                    if isDemo {
                        announce(DemoGuide.text(url: url))
                    }
                    urlSink.yield(url)
                    urlSink.finish()
                }
            )
        )
        let group = ServiceGroup(
            configuration: .init(services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        )
        try await group.run()
    }
}

/// Writes a line to standard output at once (not buffered), so wrappers and tests see it immediately.
func announce(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
