import ChangeControl
import FleetModel
import Foundation
import RolloutEngine
import SecurityAdvisories

/// A host's stored package list and its fingerprint.
public struct StoredInventory: Sendable, Hashable {
    /// The fingerprint, `nil` before the first upload.
    public var fingerprint: String?
    /// The packages, sorted by key.
    public var packages: [InstalledPackage]

    /// Creates a stored inventory.
    public init(fingerprint: String?, packages: [InstalledPackage]) {
        self.fingerprint = fingerprint
        self.packages = packages
    }
}

/// Everything the server stores, behind one protocol so that SQLite and PostgreSQL can both serve it.
///
/// Every mutating call is one transaction: it is applied whole or not at all, together with the
/// event it records.
public protocol PatchStorage: Sendable {
    // MARK: Lifecycle
    /// Releases the engine's connections (PostgreSQL); the store is unusable afterwards.
    func close() async
    /// Runs a trivial query: throws ``StoreError/Code-swift.struct/unavailable`` while the database
    /// cannot be reached (the readiness probe).
    func ping() async throws
    /// Hears of `change` each time a committed write announces it — on every replica sharing the
    /// database (PostgreSQL LISTEN/NOTIFY); the dashboard's live pages wait on this instead of polling.
    func subscribe(to change: StoreChange) -> ChangeSubscription
    /// A secret the whole deployment shares (the plan and audit signing keys when replicas share a
    /// PostgreSQL database), created from `generate` when missing: when replicas start together,
    /// one value wins and every replica answers it. Creating it is an audit event.
    func sharedKey(named name: String, now: Date, generate: @Sendable () -> [UInt8]) async throws -> [UInt8]

    // MARK: Users, sessions, tokens
    /// Creates a user; fails with ``StoreError/Code-swift.struct/conflict`` if the name is taken.
    func createUser(_ user: UserRecord, actor: String) async throws
    /// The user with this login name.
    func user(named username: String) async throws -> UserRecord?
    /// The user with this id.
    func user(id: String) async throws -> UserRecord?
    /// Number of users.
    func userCount() async throws -> Int
    /// Sets a user's password hash and whether they must change it, ends their other sessions (all
    /// but `keepSession`, a session id) and records the change; `false` for an unknown user.
    func setPassword(
        userID: String,
        passwordHash: String,
        mustChange: Bool,
        keepSession: String?,
        actor: String,
        now: Date
    ) async throws -> Bool
    /// Disables a user (ending their sessions) or enables them again, recorded; `false` for an
    /// unknown user.
    func setUserDisabled(userID: String, disabled: Bool, actor: String, now: Date) async throws -> Bool
    /// Stores a new session.
    func createSession(_ session: SessionRecord) async throws
    /// The session with this id if it has not expired at `now`.
    func session(id: String, now: Date) async throws -> SessionRecord?
    /// Ends a session.
    func deleteSession(id: String) async throws
    /// Stores a new API token.
    func createAPIToken(_ token: APITokenRecord, actor: String) async throws
    /// The API token with this id.
    func apiToken(id: String) async throws -> APITokenRecord?
    /// API tokens, newest first: one user's, or everyone's when `userID` is `nil`.
    func apiTokens(userID: String?) async throws -> [APITokenRecord]
    /// Revokes an API token (an `api_token.revoked` event); `false` when there is no such token.
    func revokeAPIToken(id: String, actor: String, now: Date) async throws -> Bool

    // MARK: Enrollment and agents
    /// Stores a new enrollment token.
    func createEnrollmentToken(_ token: EnrollmentTokenRecord, actor: String) async throws
    /// The newest `limit` enrollment tokens (secrets are never stored, only their hashes).
    func enrollmentTokens(limit: Int) async throws -> [EnrollmentTokenRecord]
    /// Ends an enrollment token now (it expires at `now` unless it expired before), recorded;
    /// `false` for an unknown token.
    func revokeEnrollmentToken(id: String, actor: String, now: Date) async throws -> Bool
    /// Consumes one use of the token and registers the agent, atomically.
    ///
    /// A machine already known (same machine id) keeps its host id; its earlier agents are revoked.
    func enroll(
        tokenID: String,
        secretHash: String,
        registration: AgentRegistration,
        now: Date
    ) async throws -> EnrollmentOutcome
    /// The agent with this id.
    func agent(id: String) async throws -> AgentRecord?
    /// All agents, newest first.
    func agents() async throws -> [AgentRecord]
    /// A page of agents, newest enrollment first (ties by id), after `after`, with the total.
    func agents(limit: Int, after: AgentCursor?) async throws -> AgentPage
    /// Revokes an agent at once; `false` if unknown. Revoking a revoked agent changes nothing.
    func revokeAgent(id: String, actor: String, now: Date) async throws -> Bool
    /// Records a request nonce; `false` if this agent used it before (a replay).
    /// Nonces older than `forgetBefore` are dropped.
    func recordNonce(agentID: String, nonce: String, now: Date, forgetBefore: Date) async throws -> Bool

    // MARK: Hosts and inventory
    /// Updates a host's facts and last-seen time.
    func recordCheckIn(hostID: String, facts: HostFacts, now: Date) async throws
    /// A heartbeat in one write transaction: records the request's nonce (returns `nil` when it
    /// was used before, changing nothing), the host's facts and last seen, and returns the stored
    /// inventory fingerprint.
    func recordHeartbeat(
        agentID: String,
        nonce: String,
        hostID: String,
        facts: HostFacts,
        now: Date,
        forgetNoncesBefore: Date
    ) async throws -> HeartbeatRecord?
    /// One host.
    func host(id: String) async throws -> HostRecord?
    /// Replaces a host's labels and tags (with an event); `false` when the host is unknown.
    /// Sets a host's labels and tags only if they are still `expectedLabels`/`expectedTags` (what
    /// the caller's access check was made against); `nil` when the host is gone, `false` when they
    /// changed meanwhile (nothing written).
    func replaceLabels(
        hostID: String,
        expectedLabels: [String: String],
        expectedTags: [String],
        labels: [String: String],
        tags: [String],
        actor: String,
        now: Date
    ) async throws -> Bool?
    func setLabels(
        hostID: String,
        labels: [String: String],
        tags: [String],
        actor: String,
        now: Date
    ) async throws -> Bool
    /// A filtered, sorted page of hosts.
    func hosts(_ query: HostQuery) async throws -> HostPage
    /// Counts for the overview; hosts seen since `onlineSince` are online.
    func fleetSummary(now: Date, onlineSince: Date) async throws -> FleetSummary
    /// A host's stored inventory.
    func inventory(hostID: String) async throws -> StoredInventory
    /// Replaces a host's package list, recording the differences as history; the host's findings
    /// follow (those that disappear are stored as fixed, with their start).
    ///
    /// Fails with ``StoreError/Code-swift.struct/conflict`` when the stored fingerprint is no longer
    /// `expectedFingerprint` (another upload won the race), and with
    /// ``StoreError/Code-swift.struct/invalidData`` when `packages` names one package slot twice.
    func replaceInventory(
        hostID: String,
        expectedFingerprint: String?,
        packages: [InstalledPackage],
        fingerprint: String,
        now: Date
    ) async throws -> PackageSetDiff
    /// A host's inventory history, newest first.
    func inventoryHistory(hostID: String, limit: Int, offset: Int) async throws -> [PackageChange]

    // MARK: Advisories and findings
    /// Stores advisories, KEV entries and EPSS scores in one transaction; idempotent (the same
    /// data again changes nothing) and incremental (a record older than the stored one is ignored).
    func importAdvisories(
        _ advisories: [Advisory],
        knownExploited: [KnownExploitedVulnerability],
        epss: [EPSSScore],
        skipped: Int,
        source: String,
        format: String,
        actor: String,
        now: Date
    ) async throws -> AdvisoryImportSummary
    /// The id of the latest feed import (0 before any), so replicas notice new data.
    func latestFeedImport() async throws -> Int64
    /// Every stored advisory (withdrawn ones included).
    func advisories() async throws -> [Advisory]
    /// One advisory by id.
    func advisory(id: String) async throws -> Advisory?
    /// The advisories with an open finding on at least one host, filtered, ordered and paged,
    /// with how many match.
    func advisorySummaries(_ query: AdvisorySummaryQuery) async throws -> (advisories: [AdvisorySummary], total: Int)
    /// Every KEV entry.
    func knownExploited() async throws -> [KnownExploitedVulnerability]
    /// Every EPSS score.
    func epssScores() async throws -> [EPSSScore]
    /// Adds the packages a host of `release` reports to the package catalog (distinct versions
    /// stored once) and returns those never correlated, for correlation before the inventory is
    /// stored.
    func registerPackages(release: String, packages: [InstalledPackage]) async throws -> [CatalogPackage]
    /// Catalog packages never correlated, oldest first.
    func uncorrelatedPackages(limit: Int) async throws -> [CatalogPackage]
    /// A page of the catalog by id.
    func catalogPackages(afterID: Int64, limit: Int) async throws -> [CatalogPackage]
    /// Catalog packages whose binary or source name is in `names`.
    func catalogPackages(named names: Set<String>) async throws -> [CatalogPackage]
    /// Stores the complete correlation results of catalog packages: new (package, advisory)
    /// findings open on every host that runs the package, changed ones update in place, missing
    /// ones are stored as fixed on every such host. Marks the packages correlated.
    func recordCorrelation(_ results: [PackageCorrelation], now: Date) async throws -> CorrelationOutcome
    /// A filtered page of findings, most severe first, and the total matching.
    func findings(_ query: FindingQuery) async throws -> (findings: [StoredFinding], total: Int)
    /// Hosts with at least one open finding.
    func hostIDsWithOpenFindings() async throws -> [String]
    /// Folds every open finding, and the fixed ones fixed at or after `fixedSince`, into `state`
    /// in one read, in no particular order — for reports over the whole fleet, which must not hold
    /// every finding in memory or page through a sorted list.
    func reduceFindings<State: Sendable>(
        into state: State,
        fixedSince: Date,
        _ body: @escaping @Sendable (inout State, StoredFinding) throws -> Void
    ) async throws -> State
    /// Folds the open findings grouped by package finding (see `OpenFindingGroup`) into `state`,
    /// in one read — the fleet-wide form of `reduceFindings` for open findings, with one row per
    /// affected host read from an index and no per-host finding materialised.
    func reduceOpenFindingGroups<State: Sendable>(
        into state: State,
        _ body: @escaping @Sendable (inout State, OpenFindingGroup) throws -> Void
    ) async throws -> State
    /// Folds the findings fixed at or after `fixedSince` into `state`, in one read.
    func reduceFixedFindings<State: Sendable>(
        into state: State,
        fixedSince: Date,
        _ body: @escaping @Sendable (inout State, StoredFinding) throws -> Void
    ) async throws -> State
    /// Every host by number, with `FleetHost.record` decoded only where `decode(number,
    /// descriptionKey)` answers true (a caller that kept what it derived from a host's OS release,
    /// labels and tags skips decoding them again).
    func fleetHosts(decode: @escaping @Sendable (Int64, Int) -> Bool) async throws -> [FleetHost]
    /// A number that changes whenever data a fleet-wide report reads changes (hosts, their OS,
    /// labels, tags and inventory, findings, advisories, the policy) and not on heartbeats: a
    /// report computed at one revision is still exact at the same revision (until its clock moves).
    func reportRevision() async throws -> Int64
    /// Per host id, which of `names` it has installed (hosts with none are left out).
    func installedPackageNames(_ names: Set<String>) async throws -> [String: Set<String>]
    /// The publication dates of advisories, by id (advisories without one are left out).
    func advisoryPublicationDates() async throws -> [String: Date]
    /// Counts of open findings for the overview.
    func riskSummary() async throws -> RiskSummary

    // MARK: Policy
    /// The policy in force: its version and source files, `nil` before the first apply.
    func currentPolicy() async throws -> PolicyVersion?
    /// Stores a new policy version and its event (who, why, what changed) in one transaction.
    func applyPolicy(
        files: [PolicyFile],
        actor: String,
        reason: String,
        changes: [String],
        now: Date
    ) async throws
        -> PolicyVersion

    // MARK: Host plans
    /// Queues a plan in one write transaction: allocates the host's next sequence, has `sign`
    /// produce the signed plan for it, stores it with a `plan.queued` event and returns the
    /// sequence — or `nil`, changing nothing, when a plan with `planID` exists (queueing a
    /// rollout task's attempt is idempotent). Concurrent callers never collide on a sequence.
    func queuePlan(
        hostID: String,
        planID: String,
        actor: String,
        now: Date,
        sign: @escaping @Sendable (Int64) throws -> String
    ) async throws -> Int64?
    /// The newest plan for a host that has no report yet and was not cancelled, marking it delivered.
    func pendingPlan(hostID: String, now: Date) async throws -> String?
    /// Cancels the plans among `planIDs` that no agent has fetched yet (they will never be
    /// delivered; a `plan.cancelled` event each) and returns their ids. A plan already delivered is
    /// left alone: its report decides.
    func cancelUndeliveredPlans(_ planIDs: [String], reason: String, actor: String, now: Date) async throws -> [String]

    // MARK: Agent plan reports
    /// Stores an agent's plan report and its event in one transaction; `false` when this exact
    /// report (same plan and digest) was stored before, so agents can retry until acknowledged.
    /// A report on a plan that was not issued to `hostID` throws ``StoreError/Code/notFound`` and
    /// stores nothing: an agent speaks only for its own host.
    func recordPlanReport(
        hostID: String,
        agentID: String,
        planID: String,
        digest: String,
        outcome: String,
        report: String,
        now: Date
    ) async throws -> Bool
    /// How long recent completed plans took on their hosts, in seconds: of the `limit` (at most
    /// 5,000) completed reports stored last, each one's last step end minus its first step start.
    /// Reports without steps, with times before 1970 or long before or after their arrival, or
    /// lasting over a week are left out. Cheap: one query reading at most `limit` reports.
    func recentPlanDurations(limit: Int) async throws -> [TimeInterval]

    // MARK: Events
    /// Appends an event.
    func appendEvent(_ event: EventRecord) async throws
    /// Events newest first, skipping the `offset` most recent.
    func events(limit: Int, offset: Int) async throws -> [EventRecord]
    /// Events newest first with ids below `before` (all, without it), skipping the `offset` first
    /// of those, and how many events there are.
    func eventPage(limit: Int, before: Int64?, offset: Int) async throws -> (events: [EventRecord], total: Int)
    /// How many package changes a host's inventory history holds.
    func inventoryHistoryCount(hostID: String) async throws -> Int

    // MARK: Audit chain

    /// Events after `afterID` in chain order, optionally since a time or for one target.
    func auditEvents(afterID: Int64, since: Date?, target: String?, limit: Int) async throws -> [AuditEvent]
    /// A page of events matching `query`, newest first, with the number that match.
    func auditEvents(_ query: AuditEventQuery) async throws -> (events: [AuditEvent], total: Int)
    /// Every signed checkpoint.
    func auditCheckpoints() async throws -> [AuditCheckpoint]
    /// Signs the chain head with `sign` and stores the checkpoint; `nil` when the head is already sealed.
    func sealAuditHead(
        now: Date,
        fence: LeaseGrant?,
        sign: @escaping @Sendable (_ eventID: Int64, _ hash: String, _ at: Date) throws -> AuditCheckpoint
    ) async throws -> AuditCheckpoint?

    // MARK: Roles, grants, login throttling

    /// Custom roles.
    func customRoles() async throws -> [Role]
    /// Creates or replaces a custom role.
    func saveCustomRole(_ role: Role, actor: String, now: Date) async throws
    /// A user's scoped and temporary grants (their base role is on the user record).
    func grants(userID: String) async throws -> [RoleGrant]
    /// Adds a grant.
    func addGrant(userID: String, grant: RoleGrant, actor: String, now: Date) async throws
    /// Removes a permanent grant; `false` when there was none.
    func removeGrant(userID: String, role: String, scope: GrantScope, actor: String, now: Date) async throws -> Bool
    /// Every user.
    func users() async throws -> [UserRecord]
    /// Records a failed login from a source address (and an event); returns the failures kept for
    /// the name from that source.
    func recordLoginFailure(username: String, source: String, at: Date, forgetBefore: Date) async throws -> Int
    /// Failed logins for a name from a source after a time.
    func loginFailures(username: String, source: String, since: Date) async throws -> [Date]
    /// Forgets a name's failures from a source after a successful login.
    func clearLoginFailures(username: String, source: String) async throws

    // MARK: Change requests

    /// Creates a change with the next number; `make` builds it from the number.
    func createChange(
        _ make: @escaping @Sendable (_ number: Int64) throws -> ChangeRequest,
        actor: String
    ) async throws -> ChangeRequest
    /// Changes one change atomically: `body` mutates it and returns event details; the event is
    /// `change.<action>` with the state before and after.
    func updateChange(
        id: String,
        actor: String,
        action: String,
        _ body: @escaping @Sendable (inout ChangeRequest) throws -> [String: String]
    ) async throws -> ChangeRequest
    /// One change.
    func change(id: String) async throws -> ChangeRequest?
    /// Changes newest first, optionally in some states.
    func changes(
        states: Set<ChangeState>?,
        limit: Int,
        offset: Int
    ) async throws -> (changes: [ChangeRequest], total: Int)
    /// Standard-change templates.
    func changeTemplates() async throws -> [StandardChangeTemplate]
    /// Creates or replaces a template.
    func saveChangeTemplate(_ template: StandardChangeTemplate, actor: String, now: Date) async throws

    // MARK: Elevations

    /// Stores a new elevation request (and its grant, for break-glass).
    func createElevation(_ elevation: Elevation, actor: String) async throws
    /// Changes one elevation atomically, adding or removing its grant as its state requires.
    func updateElevation(
        id: String,
        actor: String,
        action: String,
        now: Date,
        _ body: @escaping @Sendable (inout Elevation) throws -> Void
    ) async throws -> Elevation
    /// Elevations newest first, of one user or all.
    func elevations(userID: String?, limit: Int) async throws -> [Elevation]
    /// One elevation.
    func elevation(id: String) async throws -> Elevation?
    /// Expires every active elevation whose time is up (refused when `fence` no longer holds its lease).
    func expireLapsedElevations(now: Date, fence: LeaseGrant?) async throws -> [Elevation]

    // MARK: Rollouts

    /// Stores a new rollout with its events and the webhook messages announcing it; refused when
    /// the change already has an active one.
    func createRollout(_ rollout: Rollout, events: [EventRecord], outbox: [OutboxMessage], now: Date) async throws
    /// Changes one rollout atomically; `body` returns the events to record (none: nothing is
    /// written), `outbox` webhook messages written with the change (not when nothing is), and
    /// `reports` are marked applied in the same transaction. With `fence`, the write is refused
    /// (``StoreError/Code/fenced``) when the rollout's tick lease has gone to another holder.
    func updateRollout(
        id: String,
        applying reports: [StoredPlanReport],
        fence: LeaseGrant?,
        outbox: [OutboxMessage],
        _ body: @escaping @Sendable (inout Rollout) throws -> [EventRecord]
    ) async throws -> Rollout
    /// Final agent reports of the rollout's plans that no tick has applied yet, oldest first.
    func unappliedPlanReports(rolloutID: String) async throws -> [StoredPlanReport]
    /// Ids of the rollouts a scheduler tick moves on (running or rolling back) or has reports to
    /// apply to, oldest first.
    func tickableRolloutIDs() async throws -> [String]
    /// Claims the tick lease of every rollout a tick moves on (of `only` that one) whose lease is
    /// free, lapsed or already `owner`'s, until `until`; each grant's token fences the tick's write.
    func claimRolloutTicks(owner: String, now: Date, until: Date, only: String?) async throws -> [LeaseGrant]

    // MARK: Leases and the webhook outbox

    /// Takes the lease `name` for `owner` until `until` when it is free or lapsed, or renews it when
    /// `owner` holds it; `nil` while someone else holds it. The token grows with every new holder.
    func acquireLease(name: String, owner: String, now: Date, until: Date) async throws -> LeaseGrant?
    /// Gives the lease up (when `grant` still holds it), so another replica may take it at once.
    func releaseLease(_ grant: LeaseGrant) async throws
    /// The lease `name` as stored.
    func lease(name: String) async throws -> LeaseGrant?
    /// Writes webhook messages to the outbox.
    func enqueueWebhooks(_ messages: [OutboxMessage], now: Date) async throws
    /// Claims up to `limit` due messages for `owner` until `until` (skipping those another replica holds).
    func claimWebhookDeliveries(owner: String, now: Date, until: Date, limit: Int) async throws -> [OutboxDelivery]
    /// Records an attempt of a claimed message: delivered (`error` nil), to retry at `retryAt`, or
    /// dead (`retryAt` nil; an audit event records it).
    func recordWebhookAttempt(id: Int64, owner: String, now: Date, error: String?, retryAt: Date?) async throws
    /// Messages newest first, of one state or all.
    func webhookDeliveries(state: OutboxDelivery.State?, limit: Int, offset: Int) async throws -> [OutboxDelivery]
    /// Puts a dead letter back in the queue, due now, with its attempts reset.
    func retryWebhookDelivery(id: Int64, actor: String, now: Date) async throws -> OutboxDelivery
    /// One rollout.
    func rollout(id: String) async throws -> Rollout?
    /// Rollouts newest first (only those not finished, when `activeOnly`).
    func rollouts(activeOnly: Bool, limit: Int) async throws -> [Rollout]
    /// A page of rollouts newest first (only those not finished, when `activeOnly`), with the total.
    func rolloutPage(activeOnly: Bool, limit: Int, offset: Int) async throws -> RolloutPage
    /// Stored agent reports by plan id (outcome and the report JSON).
    func planReports(planIDs: [String]) async throws -> [String: (outcome: String, report: String)]
    /// Whether a plan with this id was queued.
    func planExists(id: String) async throws -> Bool
}

extension PatchStorage {
    /// Changes one rollout atomically, without a lease or webhook messages.
    public func updateRollout(
        id: String,
        _ body: @escaping @Sendable (inout Rollout) throws -> [EventRecord]
    ) async throws -> Rollout {
        try await updateRollout(id: id, applying: [], fence: nil, outbox: [], body)
    }

    /// Stores a new rollout with its events.
    public func createRollout(_ rollout: Rollout, events: [EventRecord], now: Date) async throws {
        try await createRollout(rollout, events: events, outbox: [], now: now)
    }

    /// Signs the chain head (no lease).
    public func sealAuditHead(
        now: Date,
        sign: @escaping @Sendable (_ eventID: Int64, _ hash: String, _ at: Date) throws -> AuditCheckpoint
    ) async throws -> AuditCheckpoint? {
        try await sealAuditHead(now: now, fence: nil, sign: sign)
    }

    /// Expires lapsed elevations (no lease).
    public func expireLapsedElevations(now: Date) async throws -> [Elevation] {
        try await expireLapsedElevations(now: now, fence: nil)
    }
}
