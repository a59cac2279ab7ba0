import ChangeControl
import Crypto
import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import NIOSSL
import PatchAPI
import PatchStore
import Prometheus
import ServiceLifecycle

/// The parts a PatchPilot server is composed of; tests build it with their own clock and storage.
public struct ServerDependencies: Sendable {
    /// Storage engine.
    public var storage: any PatchStorage
    /// Clock.
    public var clock: any WallClock
    /// Logger.
    public var logger: Logger
    /// Extra services to run next to the HTTP server (e.g. the demo fleet).
    public var services: [any Service]
    /// Called with the bound address once the server listens.
    public var onListening: @Sendable (String, Int) async -> Void
    /// The plan-signing key (see ``PlanSigningKey``).
    public var planKey: Curve25519.Signing.PrivateKey
    /// The key that signs audit checkpoints (`audit-signing.key` in the data directory).
    public var auditKey: Curve25519.Signing.PrivateKey
    /// How rollout webhooks are delivered (`nil`: HTTP POST).
    public var webhookSender: WebhookDelivery.Send?

    /// Creates the dependencies.
    public init(
        storage: any PatchStorage,
        clock: any WallClock = SystemWallClock(),
        logger: Logger,
        services: [any Service] = [],
        planKey: Curve25519.Signing.PrivateKey = Curve25519.Signing.PrivateKey(),
        auditKey: Curve25519.Signing.PrivateKey = Curve25519.Signing.PrivateKey(),
        webhookSender: WebhookDelivery.Send? = nil,
        onListening: @escaping @Sendable (String, Int) async -> Void = { _, _ in }
    ) {
        self.planKey = planKey
        self.auditKey = auditKey
        self.webhookSender = webhookSender
        self.storage = storage
        self.clock = clock
        self.logger = logger
        self.services = services
        self.onListening = onListening
    }
}

/// Composes the PatchPilot server: routes, middleware, metrics, dashboard.
public func buildApplication(
    configuration: ServerConfiguration,
    dependencies: ServerDependencies
) async throws -> some ApplicationProtocol {
    let built = try await buildRouter(configuration: configuration, dependencies: dependencies)
    let router = built.router
    let watcher = FeedWatcher(
        vulnerabilities: built.vulnerabilities,
        leadership: built.leadership,
        clock: dependencies.clock,
        interval: .seconds(configuration.feedPollSeconds),
        logger: dependencies.logger
    )
    let server: HTTPServerBuilder
    if let certificatePath = configuration.tlsCertificatePath, let keyPath = configuration.tlsKeyPath {
        do {
            let certificates = try NIOSSLCertificate.fromPEMFile(certificatePath).map {
                NIOSSLCertificateSource.certificate($0)
            }
            let key = try NIOSSLPrivateKey(file: keyPath, format: .pem)
            var tls = TLSConfiguration.makeServerConfiguration(
                certificateChain: certificates,
                privateKey: .privateKey(key)
            )
            // TLS 1.2 and 1.3 only; for 1.2, forward-secret AEAD suites only (1.3 has nothing else).
            tls.minimumTLSVersion = .tlsv12
            tls.cipherSuites = ServerConfiguration.tls12CipherSuites
            server = try .tls(.http1(limits: configuration.requestHeadLimits), tlsConfiguration: tls)
        } catch {
            throw Problem(
                .internalServerError,
                "cannot load TLS certificate \(certificatePath) or key \(keyPath): \(error)"
            )
        }
    } else {
        server = .http1(limits: configuration.requestHeadLimits)
    }
    let onListening = dependencies.onListening
    return Application(
        responder: HeadAsGetResponder(inner: router.buildResponder()),
        server: server,
        configuration: .init(
            address: .hostname(configuration.host, port: configuration.port),
            serverName: "PatchPilot"
        ),
        services: [
            LeaderElection(
                storage: dependencies.storage,
                clock: dependencies.clock,
                leadership: built.leadership,
                lease: TimeInterval(configuration.leaseSeconds),
                logger: dependencies.logger
            ),
            watcher,
            AuditSweeper(
                audit: built.audit,
                leadership: built.leadership,
                interval: .seconds(configuration.auditSealSeconds),
                logger: dependencies.logger
            ),
            RolloutScheduler(rollouts: built.rollouts, interval: .milliseconds(configuration.rolloutTickMilliseconds)),
            WebhookDeliveryService(delivery: built.webhooks, interval: .seconds(2)),
        ] + dependencies.services,
        onServerRunning: { channel in
            let port = channel.localAddress?.port ?? configuration.port
            await onListening(configuration.host, port)
        },
        logger: dependencies.logger
    )
}

/// The router, the table of secured routes (for the permission-matrix tests) and the findings engine.
public struct BuiltRouter {
    /// The router.
    public var router: Router<AppRequestContext>
    /// Every secured route and its permission.
    public var routes: SecuredRoutes
    /// Keeps findings current.
    public var vulnerabilities: VulnerabilityService
    /// Seals and verifies the audit chain, expires elevations.
    public var audit: AuditService
    /// Plans and runs rollouts.
    public var rollouts: RolloutOrchestrator
    /// Posts the webhook outbox.
    public var webhooks: WebhookDelivery
    /// Whether this replica holds the leader lease.
    public var leadership: Leadership
}

/// Builds the router and the services its routes use.
public func buildRouter(
    configuration: ServerConfiguration,
    dependencies: ServerDependencies
) async throws -> BuiltRouter {
    let storage = dependencies.storage
    let clock = dependencies.clock
    let identities = IdentityService(storage: storage, clock: clock, bcryptCost: configuration.bcryptCost)
    let metrics = ServerMetrics()
    let table = SecuredRoutes(storage: storage, clock: clock)
    let audit = AuditService(storage: storage, clock: clock, key: dependencies.auditKey)
    let vulnerabilities = VulnerabilityService(storage: storage, clock: clock, logger: dependencies.logger)
    let scopes = HostScopes(storage: storage)
    let unauthenticatedBodies = BodyBudget(capacity: configuration.unauthenticatedBodyBytes)

    let router = Router(context: AppRequestContext.self)
    router.add(middleware: RequestMetricsMiddleware(metrics: metrics))
    router.add(middleware: HTTPMethodsMiddleware(usesTLS: configuration.usesTLS))
    router.add(middleware: try await ErrorPageMiddleware.load())
    router.add(middleware: ProblemMiddleware())
    router.add(middleware: LogRequestsMiddleware(.debug))
    router.get("healthz") { _, _ in
        Response(
            status: .ok,
            headers: [.contentType: "text/plain"],
            body: .init(byteBuffer: ByteBuffer(string: "ok\n"))
        )
    }

    // Readiness: 503 with Retry-After (ProblemMiddleware) while the database cannot be reached.
    router.get("readyz") { _, _ in
        try await storage.ping()
        return Response(
            status: .ok,
            headers: [.contentType: "text/plain"],
            body: .init(byteBuffer: ByteBuffer(string: "ready\n"))
        )
    }

    let agentKeys = AgentKeyCache()
    let agentAuthenticator = AgentAuthenticator(
        storage: storage,
        clock: clock,
        maxSkewSeconds: configuration.signatureMaxSkewSeconds,
        rateLimiter: RateLimiter(
            perMinute: configuration.agentRequestsPerMinute,
            burst: configuration.agentRequestBurst
        ),
        keys: agentKeys
    )
    let plans = PlanQueue(storage: storage, clock: clock, key: dependencies.planKey)
    let webhooks = WebhookDelivery(
        storage: storage,
        clock: clock,
        owner: configuration.replicaID,
        maxAttempts: configuration.webhookMaxAttempts,
        logger: dependencies.logger,
        send: dependencies.webhookSender
    )
    let leadership = Leadership(replicaID: configuration.replicaID)
    let updates = UpdatesController(storage: storage, clock: clock)
    let changes = ChangeService(
        storage: storage,
        clock: clock,
        updates: updates,
        approvalPolicy: configuration.approvalPolicy
    )
    let rollouts = RolloutOrchestrator(
        storage: storage,
        clock: clock,
        changes: changes,
        plans: plans,
        prometheus: configuration.prometheusURL.map {
            PrometheusClient(configuration: .init(baseURL: $0), logger: dependencies.logger)
        },
        notifier: WebhookNotifier(webhooks: configuration.webhooks),
        delivery: webhooks,
        replicaID: configuration.replicaID,
        tickLease: TimeInterval(configuration.leaseSeconds),
        logger: dependencies.logger
    )
    AgentController(
        storage: storage,
        clock: clock,
        configuration: configuration,
        authenticator: agentAuthenticator,
        vulnerabilities: vulnerabilities,
        planPublicKey: PlanSigningKey.publicKeyText(dependencies.planKey),
        unauthenticatedBodies: unauthenticatedBodies,
        onReport: { rollouts.agentReported($0) }
    )
    .addRoutes(to: router.group("api/v1/agent"))

    var fleetController = FleetController(
        storage: storage,
        identities: identities,
        clock: clock,
        configuration: configuration,
        scopes: scopes,
        agentKeys: agentKeys
    )
    fleetController.onHostMoved = { host, before, after, actor in
        try await changes.hostMoved(host, from: before, to: after, actor: actor, rollouts: rollouts)
    }
    let fleet = fleetController
    let authenticated = router.group()
        .add(middleware: AuthenticationMiddleware(identities: identities))
        .add(middleware: AuditMiddleware(storage: storage, clock: clock))
    fleet.addRoutes(to: authenticated.group("api/v1"), table: table)
    FindingsController(storage: storage, vulnerabilities: vulnerabilities)
        .addRoutes(to: authenticated.group("api/v1"), table: table)
    let compliance = ComplianceService(storage: storage, clock: clock)
    PolicyController(storage: storage, clock: clock, compliance: compliance).addRoutes(
        to: authenticated.group("api/v1"),
        table: table
    )
    updates.addRoutes(to: authenticated.group("api/v1"), table: table)
    RolloutController(storage: storage, rollouts: rollouts).addRoutes(to: authenticated.group("api/v1"), table: table)
    ChangeController(storage: storage, clock: clock, service: changes)
        .addRoutes(to: authenticated.group("api/v1"), table: table)
    AccessController(storage: storage, identities: identities, clock: clock)
        .addRoutes(to: authenticated.group("api/v1"), table: table)
    AuditController(storage: storage, audit: audit).addRoutes(to: authenticated.group("api/v1"), table: table)
    WebhookController(storage: storage, clock: clock, delivery: webhooks).addRoutes(
        to: authenticated.group("api/v1"),
        table: table
    )
    table.add(.post, "hosts/{id}/plans", on: authenticated.group("api/v1"), prefix: "/api/v1", permission: .plansManage)
    {
        request,
        context,
        identity in
        let id = try context.parameters.requireDecoded("id")
        // A plan runs as root on the host: the caller's plans.manage must cover where the host sits.
        _ = try await scopes.requireHost(id: id, .plansManage, identity: identity)
        let draft = try await JSONBody.decode(PlanDraft.self, request, limit: 1024 * 1024)
        guard let plan = try await plans.queue(hostID: id, draft: draft, actor: identity.actor) else {
            throw Problem.conflict("the plan was already queued")
        }
        return try JSONResponse.make(plan, status: .created)
    }
    table.add(.get, "metrics", on: authenticated, prefix: "", permission: .metricsRead) { _, _, _ in
        metrics.update(from: try await fleet.summary())
        return Response(
            status: .ok,
            headers: [.contentType: "text/plain; version=0.0.4"],
            body: .init(byteBuffer: ByteBuffer(bytes: metrics.registry.emitToBuffer()))
        )
    }
    let dashboard = try await DashboardController(
        unauthenticatedBodies: unauthenticatedBodies,
        identities: identities,
        fleet: fleet,
        storage: storage,
        clock: clock,
        configuration: configuration,
        changes: changes,
        compliance: compliance,
        audit: audit,
        routes: table
    )
    dashboard.addRoutes(to: authenticated, public: router)
    return BuiltRouter(
        router: router,
        routes: table,
        vulnerabilities: vulnerabilities,
        audit: audit,
        rollouts: rollouts,
        webhooks: webhooks,
        leadership: leadership
    )
}
