import ChangeControl

/// Everything `patchpilot serve` can be told, with documented defaults.
public struct ServerConfiguration: Sendable {
    /// Directory for the SQLite database and server keys. Default `./patchpilot-data`.
    public var dataDirectory = "./patchpilot-data"
    /// Address to listen on. Default `127.0.0.1`.
    public var host = "127.0.0.1"
    /// Port to listen on; `0` picks a free port. Default `8080`.
    public var port = 8080
    /// PEM certificate chain for HTTPS; HTTPS is on when both this and ``tlsKeyPath`` are set.
    public var tlsCertificatePath: String?
    /// PEM private key for HTTPS.
    public var tlsKeyPath: String?
    /// How often agents should check in, in seconds. Default 300.
    public var checkInIntervalSeconds = 300
    /// How far an agent's signed timestamp may be from the server clock, in seconds. Default 300.
    public var signatureMaxSkewSeconds: Int64 = 300
    /// Largest accepted agent request body (inventory uploads), in bytes. Default 32 MiB.
    public var maxAgentBodyBytes = 32 * 1024 * 1024
    /// Most packages accepted in one inventory. Default 100,000.
    public var maxPackagesPerHost = 100_000
    /// How long a dashboard session lasts, in seconds. Default 12 hours.
    public var sessionLifetimeSeconds = 12 * 3600
    /// bcrypt cost for password hashes. Default 12.
    public var bcryptCost: UInt8 = 12
    /// Hosts not seen for this many check-in intervals count as stale. Default 3.
    public var staleAfterIntervals = 3

    /// How often the server checks for newly imported advisory data, in seconds. Default 15.
    public var feedPollSeconds = 15

    /// How often the server signs a checkpoint of the audit chain and expires lapsed elevations,
    /// in seconds. Default 60.
    public var auditSealSeconds = 60

    /// How often the rollout scheduler ticks, in milliseconds. Default 2000.
    public var rolloutTickMilliseconds = 2000

    /// Seconds a dashboard live stream (a rollout page's) waits for an announced change before it
    /// re-reads what it shows anyway — only a safety net: changes reach every replica's streams at
    /// once by the store's notifications (LISTEN/NOTIFY on PostgreSQL). Default 15; 1…3600.
    public var liveUpdateFallbackSeconds = 15

    /// Prometheus base URL for rollout metric gates (`http://prometheus:9090`); `nil` disables gates.
    public var prometheusURL: String?

    /// Webhooks notified of rollout starts, wave verdicts, pauses, failures and completion.
    public var webhooks: [Webhook] = []
    /// Attempts at a webhook message before it becomes a dead letter. Default 10 (about an hour
    /// and a half of backoff).
    public var webhookMaxAttempts = 10

    /// This replica's id in leases (leader, rollout ticks, webhook claims). Default: host name,
    /// process id and a random suffix.
    public var replicaID = Leadership.makeReplicaID()
    /// How long a lease (the leader's, a rollout tick's) lasts unless renewed, in seconds: a replica
    /// that dies or stalls is replaced within this time. Default 15.
    public var leaseSeconds = 15

    /// Approvals needed per change kind and risk, and the emergency review deadline.
    public var approvalPolicy = ApprovalPolicy()

    /// Signed agent requests allowed per agent per minute (token bucket); 0 turns the limit off.
    /// Default 120.
    public var agentRequestsPerMinute = 120
    /// Requests an agent may make at once before its rate applies. Default 60.
    public var agentRequestBurst = 60
    /// Bytes that unauthenticated requests (enrollment, login) may hold in memory, all together.
    /// Default 4 MiB.
    public var unauthenticatedBodyBytes = 4 * 1024 * 1024
    /// Longest request line and head: past them a request gets 414 or 431 at once.
    public var requestHeadLimits = RequestHeadLimits()

    /// Creates the default configuration.
    public init() {}

    /// The TLS 1.2 cipher suites offered (OpenSSL names): ECDHE key exchange with AES-GCM or
    /// ChaCha20-Poly1305 only. TLS 1.0 and 1.1 are refused.
    public static let tls12CipherSuites = [
        "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384",
        "ECDHE-RSA-AES256-GCM-SHA384", "ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE-RSA-CHACHA20-POLY1305",
    ].joined(separator: ":")

    /// Whether HTTPS is configured.
    public var usesTLS: Bool { tlsCertificatePath != nil && tlsKeyPath != nil }
}
