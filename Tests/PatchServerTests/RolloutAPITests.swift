import AgentProtocol
import ChangeControl
import FleetModel
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import PatchAPI
import PatchServer
import PatchStore
import RolloutEngine
import Synchronization
import Testing

/// Rollouts through the real router and store, with test agents that fetch their signed plans and
/// report over the signed agent API.
@Suite struct RolloutAPITests {
    static let policy = """
        environments: [dev, prod]
        groups:
          - name: dev
            labels: {env: dev}
            tier: staging
            environment: dev
          - name: prod
            labels: {env: prod}
            tier: production-services
            environment: prod
        """

    /// Open around the clock (a 48-hour window starting every day: yesterday's is still open late
    /// in the evening, when today's has less than a task's time left), so windows never block these tests.
    static let calendar = """
        BEGIN:VCALENDAR\r
        VERSION:2.0\r
        PRODID:-//tests//EN\r
        BEGIN:VEVENT\r
        UID:always@tests\r
        SUMMARY:always\r
        DTSTART:20260101T000000Z\r
        DURATION:PT48H\r
        RRULE:FREQ=DAILY\r
        X-PATCHPILOT-CUTOFF:0\r
        END:VEVENT\r
        END:VCALENDAR\r

        """

    final class Captured: Sendable {
        let messages = Mutex<[String]>([])
        var all: [String] { messages.withLock { $0 } }
    }

    struct Setup: Sendable {
        var harness: Harness
        var rollouts: RolloutOrchestrator
        var agents: [String: TestAgent]
        var changeID: String
        var hooks: Captured
        var webhooks: WebhookDelivery
    }

    struct PlanAnswer: Decodable { var plan: SignedPlan? }

    /// Two dev and two prod hosts (or `hostnames`, `dev-…` and `prod-…`), an approved change
    /// upgrading `openssl`, under `policy`.
    static func setup(
        window: Bool = true,
        clockStart: Date = Date(timeIntervalSince1970: 1_800_000_000),
        prometheusURL: String? = nil,
        version: String? = "3.0.16-1~deb12u1",
        policy: String = policy,
        hostnames: [String] = ["dev-1", "dev-2", "prod-1", "prod-2"]
    ) async throws -> (Setup, Router<AppRequestContext>) {
        let harness = try await Harness.make(clockStart: clockStart) {
            $0.rolloutTickMilliseconds = 60_000
            $0.prometheusURL = prometheusURL
            $0.webhooks = [
                Webhook(url: "http://hooks.test/generic"), Webhook(url: "http://hooks.test/slack", format: .slack),
            ]
        }
        _ = try await harness.storage.applyPolicy(
            files: [PolicyFile(name: "policy.yaml", text: policy), PolicyFile(name: "always.ics", text: calendar)],
            actor: "test",
            reason: "test",
            changes: [],
            now: harness.clock.now()
        )
        let hooks = Captured()
        let built = try await buildRouter(
            configuration: harness.configuration,
            dependencies: ServerDependencies(
                storage: harness.storage,
                clock: harness.clock,
                logger: Harness.logger,
                webhookSender: { delivery in
                    hooks.messages.withLock { $0.append(delivery.message.format + " " + delivery.message.body) }
                }
            )
        )
        let token = try await harness.enrollmentToken(uses: 10)
        let agents = try await Application(router: built.router).test(.router) { client in
            var agents: [String: TestAgent] = [:]
            for name in hostnames {
                var agent = TestAgent(hostname: name)
                try await client.enroll(&agent, token: token)
                let labelled = try await client.execute(
                    uri: "/api/v1/hosts/\(agent.hostID)/labels",
                    method: .put,
                    headers: harness.bearer(.admin),
                    body: ByteBuffer(string: #"{"labels":{"env":"\#(name.prefix(while: { $0 != "-" }))"},"tags":[]}"#)
                )
                #expect(labelled.status == .ok)
                agents[name] = agent
            }
            return agents
        }
        let admin = try #require(try await harness.storage.user(named: "admin-user"))
        let now = harness.clock.now()
        let change = try await harness.storage.createChange(
            { number in
                ChangeRequest(
                    id: "CHG-\(number)",
                    title: "openssl",
                    kind: .normal,
                    requesterID: admin.id,
                    requester: "admin-user",
                    content: ChangeContent(
                        packages: [.init(name: "openssl", version: version)],
                        environments: ["dev", "prod"],
                        windows: window ? ["always"] : [],
                        rollbackPlan: "previous version"
                    ),
                    now: now
                )
            },
            actor: "test"
        )
        var approved = change
        try approved.submit(
            impact: ChangeImpact(
                environments: ["dev", "prod"].map { environment in
                    .init(environment: environment, hosts: hostnames.filter { $0.hasPrefix(environment) }.count)
                },
                hostCount: hostnames.count,
                mostCriticalTier: 1
            ),
            template: nil,
            holds: [],
            policy: ApprovalPolicy(),
            now: now
        )
        for decider in ["approver", "operator"] {
            try approved.decide(
                .approve,
                userID: decider,
                username: decider,
                environments: ["dev", "prod"],
                comment: "",
                elevationID: nil,
                policy: ApprovalPolicy(),
                now: now
            )
            if approved.state == .approved { break }
        }
        let final = approved
        _ = try await harness.storage.updateChange(id: change.id, actor: "test", action: "approved") { change in
            change = final
            return [:]
        }
        return (
            Setup(
                harness: harness,
                rollouts: built.rollouts,
                agents: agents,
                changeID: change.id,
                hooks: hooks,
                webhooks: built.webhooks
            ),
            built.router
        )
    }

    /// The API's rollout answer, as the CLI reads it too.
    typealias View = RolloutView

    /// The plan waiting for an agent, if any.
    static func fetchPlan(
        _ client: some TestClientProtocol,
        _ agent: TestAgent,
        _ harness: Harness
    ) async throws -> UpdatePlan? {
        let response = try await client.signedPost(
            "/api/v1/agent/plan",
            [String: String](),
            agent: agent,
            clock: harness.clock
        )
        guard let signed = try response.json(PlanAnswer.self).plan, let bytes = Base64.decode(signed.payload) else {
            return nil
        }
        return try JSONDecoder().decode(UpdatePlan.self, from: Data(bytes))
    }

    /// `POST /api/v1/rollouts` for the setup's change, as `role`, with optional options JSON.
    static func startRollout(
        _ client: some TestClientProtocol,
        _ setup: Setup,
        options: String? = nil,
        as role: Role = .operator
    ) async throws -> TestResponse {
        let body = #"{"change":"\#(setup.changeID)""# + (options.map { #","options":"# + $0 } ?? "") + "}"
        return try await client.execute(
            uri: "/api/v1/rollouts",
            method: .post,
            headers: setup.harness.bearer(role),
            body: ByteBuffer(string: body)
        )
    }

    /// The rollout as a viewer sees it.
    static func status(_ client: some TestClientProtocol, _ id: String, _ harness: Harness) async throws -> View {
        try await client.execute(uri: "/api/v1/rollouts/\(id)", method: .get, headers: harness.bearer(.viewer))
            .json(View.self)
    }

    /// Sends the agent's report of `plan`, then runs the scheduler tick that applies it (the report
    /// request only stores it).
    static func report(
        _ client: some TestClientProtocol,
        _ agent: TestAgent,
        _ setup: Setup,
        plan: UpdatePlan,
        outcome: PlanOutcome,
        before: [String: String] = ["openssl": "3.0.15-1~deb12u1"]
    ) async throws {
        let report = PlanReport(
            planID: plan.id,
            sequence: plan.sequence,
            outcome: outcome,
            steps: [
                StepResult(
                    step: "recordInstalled",
                    startedAt: 1,
                    endedAt: 2,
                    outcome: .succeeded,
                    versionsBefore: before
                ),
                StepResult(
                    step: "postcheck",
                    startedAt: 2,
                    endedAt: 3,
                    outcome: outcome == .completed ? .succeeded : .failed,
                    message: outcome == .completed ? "ok" : "probe failed"
                ),
            ]
        )
        let sent = try await client.signedPost(
            "/api/v1/agent/reports",
            report,
            agent: agent,
            clock: setup.harness.clock
        )
        #expect(sent.status == .ok)
        await setup.rollouts.tickAll()
    }

    @Test func cleanRolloutGoesEnvironmentByEnvironmentAndCompletesTheChange() async throws {
        let (setup, router) = try await Self.setup()
        let harness = setup.harness
        try await Application(router: router).test(.router) { client in
            let started = try await Self.startRollout(client, setup, options: #"{"canary":"1","maxConcurrency":"1"}"#)
            #expect(started.status == .created, "\(started.text)")
            let id = try started.json(View.self).id
            var order: [String] = []
            for _ in 0..<12 {
                for (name, agent) in setup.agents.sorted(by: { $0.key < $1.key }) {
                    guard let plan = try await Self.fetchPlan(client, agent, harness) else { continue }
                    #expect(plan.packages.map(\.name) == ["openssl"])
                    #expect(plan.packages.first?.version == "3.0.16-1~deb12u1")
                    order.append(name)
                    try await Self.report(client, agent, setup, plan: plan, outcome: .completed)
                }
                harness.clock.advance(30)
                await setup.rollouts.tickAll()
            }
            let status = try await Self.status(client, id, harness)
            #expect(status.state == "completed", "\(status.reason ?? "")")
            #expect(order.count == 4)
            #expect(order.prefix(2).allSatisfy { $0.hasPrefix("dev") })
            #expect(status.waves.map(\.environment) == ["dev", "dev", "prod", "prod"])
            // Tiers come from the policy's groups (staging is tier 2, production-services tier 1).
            #expect(
                status.waves.map(\.name) == ["dev canary", "dev tier 2 wave 1", "prod canary", "prod tier 1 wave 1"]
            )
            #expect(status.waves.allSatisfy { $0.state == "passed" })
        }
        let change = try #require(try await harness.storage.change(id: setup.changeID))
        #expect(change.state == .completed)
        let actions = try await harness.storage.auditEvents(afterID: 0, since: nil, target: nil, limit: 1000).map(
            \.action
        )
        #expect(actions.filter { $0 == "rollout.task_leased" }.count == 4)
        #expect(actions.filter { $0 == "rollout.wave_verdict" }.count == 4)
        // Notifications go through the outbox: written with the rollout, posted by the delivery loop.
        #expect(setup.hooks.all.isEmpty)
        #expect(try await setup.webhooks.deliverDue() > 6)
        #expect(try await setup.webhooks.deliverDue() == 0)
        #expect(try await harness.storage.webhookDeliveries(state: .pending, limit: 100, offset: 0).isEmpty)
        #expect(setup.hooks.all.contains { $0.contains("\"event\":\"started\"") })
        #expect(setup.hooks.all.contains { $0.contains("\"event\":\"completed\"") })
        #expect(setup.hooks.all.filter { $0.contains("wave-verdict") }.count == 4)
        #expect(setup.hooks.all.contains { $0.hasPrefix("slack {\"text\":\"PatchPilot CHG-1: ") })
    }

    @Test func failingCanaryRollsBackAndLaterWavesNeverStart() async throws {
        let (setup, router) = try await Self.setup()
        let harness = setup.harness
        try await Application(router: router).test(.router) { client in
            let id = try await Self.startRollout(client, setup).json(View.self).id
            let canary = try #require(setup.agents["dev-1"])
            let plan = try #require(try await Self.fetchPlan(client, canary, harness))
            // The agent could not undo it itself: the rollout sends a rollback plan.
            try await Self.report(client, canary, setup, plan: plan, outcome: .rollbackFailed)
            let rollback = try #require(try await Self.fetchPlan(client, canary, harness))
            #expect(rollback.id.contains("-rollback-a1"))
            #expect(rollback.packages.map { "\($0.name)=\($0.version)" } == ["openssl=3.0.15-1~deb12u1"])
            try await Self.report(client, canary, setup, plan: rollback, outcome: .completed)
            for name in ["dev-2", "prod-1", "prod-2"] {
                #expect(try await Self.fetchPlan(client, setup.agents[name]!, harness) == nil, "\(name) got a plan")
            }
            let status = try await Self.status(client, id, harness)
            #expect(status.state == "rolled-back")
            #expect(status.reason?.contains("canary dev-1") == true || status.reason?.contains("canary") == true)
            #expect(status.waves.dropFirst().allSatisfy { $0.state == "skipped" })
        }
        #expect(try await harness.storage.change(id: setup.changeID)?.state == .rolledBack)
        try await setup.webhooks.deliverDue()
        #expect(setup.hooks.all.contains { $0.contains("rolled-back") })
    }

    @Test func hostWithoutRecordedVersionsFailsItsRollbackAtOnce() async throws {
        let (setup, router) = try await Self.setup()
        let harness = setup.harness
        try await Application(router: router).test(.router) { client in
            let id = try await Self.startRollout(client, setup).json(View.self).id
            let canary = try #require(setup.agents["dev-1"])
            let plan = try #require(try await Self.fetchPlan(client, canary, harness))
            try await Self.report(client, canary, setup, plan: plan, outcome: .rollbackFailed, before: [:])
            #expect(try await Self.fetchPlan(client, canary, harness) == nil, "no rollback plan can be built")
            let status = try await Self.status(client, id, harness)
            #expect(status.state == "failed")
            #expect(status.reason?.contains("rollback failed on") == true)
        }
        #expect(try await harness.storage.change(id: setup.changeID)?.state == .failed)
    }

    @Test func theRolloutListPagesWithItsTotal() async throws {
        let (setup, router) = try await Self.setup()
        let harness = setup.harness
        try await Application(router: router).test(.router) { client in
            let id = try await Self.startRollout(client, setup).json(View.self).id
            let list = { (query: String) in
                try await client.execute(
                    uri: "/api/v1/rollouts?\(query)",
                    method: .get,
                    headers: harness.bearer(.viewer)
                )
            }
            let first = try await list("active=true&limit=1").json(RolloutList.self)
            #expect(first.total == 1)
            #expect(first.limit == 1)
            #expect(first.rollouts.map(\.id) == [id])
            let beyond = try await list("offset=1").json(RolloutList.self)
            #expect(beyond.total == 1)
            #expect(beyond.offset == 1)
            #expect(beyond.rollouts.isEmpty)
            #expect(try await list("limit=0").status == .badRequest)
            #expect(try await list("limit=501").status == .badRequest)
        }
    }

    @Test func aRolloutsTasksComeAPageAtATimeWithTheirTotal() async throws {
        let (setup, router) = try await Self.setup()
        let harness = setup.harness
        try await Application(router: router).test(.router) { client in
            let id = try await Self.startRollout(client, setup).json(View.self).id
            let get = { (query: String) in
                try await client.execute(
                    uri: "/api/v1/rollouts/\(id)?\(query)",
                    method: .get,
                    headers: harness.bearer(.viewer)
                )
            }
            let all = try await get("").json(View.self)
            #expect(all.tasks?.count == 4)
            #expect(all.tasksTotal == 4)
            let page = try await get("taskLimit=3&taskOffset=1").json(View.self)
            #expect(page.tasks?.map(\.hostID) == Array((all.tasks ?? []).map(\.hostID)[1...3]))
            #expect(page.tasksTotal == 4 && page.tasksOffset == 1 && page.tasksLimit == 3)
            // Host names only of the hosts the answer shows.
            #expect(Set(page.hostnames.keys) == Set(page.tasks?.map(\.hostID) ?? []))
            let leased = try await get("taskState=leased").json(View.self)
            #expect(leased.tasks?.isEmpty == false)
            #expect(leased.tasks?.allSatisfy { $0.state == .leased } == true)
            #expect(leased.tasksTotal == all.tasks?.filter { $0.state == .leased }.count)
            let listed = try await client.execute(
                uri: "/api/v1/rollouts",
                method: .get,
                headers: harness.bearer(.viewer)
            )
            .json(RolloutList.self)
            #expect(listed.rollouts.first?.tasks == nil)
            #expect(listed.rollouts.first?.hostnames.isEmpty == true, "a list names no hosts without tasks to show")
            for bad in ["taskLimit=0", "taskLimit=100001", "taskOffset=-1", "taskState=asleep"] {
                #expect(try await get(bad).status == .badRequest, "\(bad)")
            }
        }
    }

    @Test func aReportIsStoredAtOnceAndTheSchedulerAppliesIt() async throws {
        let (setup, router) = try await Self.setup()
        let harness = setup.harness
        try await Application(router: router).test(.router) { client in
            let id = try await Self.startRollout(client, setup).json(View.self).id
            let canary = try #require(setup.agents["dev-1"])
            let plan = try #require(try await Self.fetchPlan(client, canary, harness))
            let report = Array(
                try JSONEncoder().encode(
                    PlanReport(planID: plan.id, sequence: plan.sequence, outcome: .completed, steps: [])
                )
            )
            let sent = try await client.signedPost(
                "/api/v1/agent/reports",
                bytes: report,
                agent: canary,
                clock: harness.clock
            )
            #expect(sent.status == .ok)
            // Stored, not applied: the request did not wait for the rollout.
            #expect(try await harness.storage.unappliedPlanReports(rolloutID: id).map(\.planID) == [plan.id])
            let before = try await Self.status(client, id, harness)
            #expect(before.tasks?.first { $0.hostID == canary.hostID }?.state == .leased)
            await setup.rollouts.tickAll()
            let after = try await Self.status(client, id, harness)
            #expect(after.tasks?.first { $0.hostID == canary.hostID }?.state == .succeeded)
            #expect(try await harness.storage.unappliedPlanReports(rolloutID: id).isEmpty)
            // A retry of the same report is acknowledged and never applied twice.
            let retry = try await client.signedPost(
                "/api/v1/agent/reports",
                bytes: report,
                agent: canary,
                clock: harness.clock
            )
            #expect(retry.status == .ok)
            #expect(try await harness.storage.unappliedPlanReports(rolloutID: id).isEmpty)
        }
    }

    @Test func reportAfterTheLeaseRanOutIsRefused() async throws {
        let (setup, router) = try await Self.setup()
        let harness = setup.harness
        try await Application(router: router).test(.router) { client in
            let id = try await Self.startRollout(client, setup, options: #"{"leaseSeconds":120,"errorBudget":"100%"}"#)
                .json(View.self).id
            let canary = try #require(setup.agents["dev-1"])
            let plan = try #require(try await Self.fetchPlan(client, canary, harness))
            // The agent is paused past its lease.
            harness.clock.advance(121)
            await setup.rollouts.tickAll()
            try await Self.report(client, canary, setup, plan: plan, outcome: .completed)
            let status = try await Self.status(client, id, harness)
            let task = try #require(status.tasks?.first { $0.hostID == canary.hostID })
            #expect(task.state == .failed)
            #expect(task.reason?.contains("no report before the lease ran out") == true)
        }
        let refused = try await harness.storage.auditEvents(afterID: 0, since: nil, target: nil, limit: 1000)
            .filter { $0.action == "rollout.report_refused" }
        #expect(refused.count == 1)
    }

    @Test func pauseResumeAbortAndPermissions() async throws {
        let (setup, router) = try await Self.setup()
        let harness = setup.harness
        try await Application(router: router).test(.router) { client in
            let viewerStart = try await Self.startRollout(client, setup, as: .viewer)
            #expect(viewerStart.status == .forbidden)
            let id = try await Self.startRollout(client, setup).json(View.self).id
            let again = try await Self.startRollout(client, setup)
            #expect(again.status == .conflict)
            let started = try #require(try await harness.storage.rollout(id: id))
            let leased = started.tasks.filter { $0.state == .leased }
            #expect(!leased.isEmpty)
            let paused = try await client.execute(
                uri: "/api/v1/rollouts/\(id)/pause",
                method: .post,
                headers: harness.bearer(.operator)
            )
            #expect(try paused.json(View.self).state == "paused")
            // The paused rollout's plans that no agent fetched are withdrawn (an agent asking gets
            // nothing) and their tasks wait, pending, for the resume.
            let pausedRollout = try #require(try await harness.storage.rollout(id: id))
            for task in leased {
                #expect(try await harness.storage.pendingPlan(hostID: task.hostID, now: harness.clock.now()) == nil)
                #expect(pausedRollout.tasks.first { $0.hostID == task.hostID }?.state == .pending)
            }
            let illegal = try await client.execute(
                uri: "/api/v1/rollouts/\(id)/pause",
                method: .post,
                headers: harness.bearer(.operator)
            )
            #expect(illegal.status == .conflict)
            #expect(illegal.text.contains("cannot pause a rollout that is paused"))
            #expect(
                try await client.execute(
                    uri: "/api/v1/rollouts/\(id)/resume",
                    method: .post,
                    headers: harness.bearer(.operator)
                ).json(View.self).state == "running"
            )
            // Resumed: the same hosts are leased again as new attempts with new plans.
            let resumed = try #require(try await harness.storage.rollout(id: id))
            for task in leased {
                let again = try #require(resumed.tasks.first { $0.hostID == task.hostID })
                #expect(again.state == .leased)
                #expect(again.attempt == task.attempt + 1)
                #expect(again.planID != task.planID)
                let text = try await harness.storage.pendingPlan(hostID: task.hostID, now: harness.clock.now())
                #expect(text?.isEmpty == false)
            }
            let aborted = try await client.execute(
                uri: "/api/v1/rollouts/\(id)/abort",
                method: .post,
                headers: harness.bearer(.operator),
                body: ByteBuffer(string: #"{"reason":"window closing"}"#)
            )
            #expect(try aborted.json(View.self).state == "aborted")
        }
        #expect(try await harness.storage.change(id: setup.changeID)?.state == .failed)
    }

    @Test func planShowsWavesAndUnschedulableHosts() async throws {
        let (setup, router) = try await Self.setup(window: false)
        let harness = setup.harness
        try await Application(router: router).test(.router) { client in
            let response = try await client.execute(
                uri: "/api/v1/changes/\(setup.changeID)/rollout-plan",
                method: .post,
                headers: harness.bearer(.viewer)
            )
            let plan = try response.json(RolloutPlan.self)
            #expect(plan.waves.isEmpty)
            #expect(plan.unschedulable.count == 4)
            #expect(plan.unschedulable.allSatisfy { $0.reason == "no maintenance window" })
            let start = try await Self.startRollout(client, setup)
            #expect(start.status == .conflict)
            #expect(start.text.contains("no maintenance window"))
        }
    }
    /// The plan that was reviewed is the plan that starts: `POST /rollouts` with the plan's
    /// `digest` starts it; a digest of another plan (the fleet changed since) is refused.
    @Test func reviewedPlanStartsByItsDigest() async throws {
        let (setup, router) = try await Self.setup()
        let harness = setup.harness
        try await Application(router: router).test(.router) { client in
            let response = try await client.execute(
                uri: "/api/v1/changes/\(setup.changeID)/rollout-plan",
                method: .post,
                headers: harness.bearer(.viewer)
            )
            let plan = try response.json(RolloutPlan.self)
            #expect(!plan.waves.isEmpty)
            struct Digest: Decodable { var digest: String }
            let digest = try response.json(Digest.self).digest
            #expect(digest.count == 64)
            // The same plan again (time moved on, the estimates too) has the same digest.
            harness.clock.advance(600)
            let again = try await client.execute(
                uri: "/api/v1/changes/\(setup.changeID)/rollout-plan",
                method: .post,
                headers: harness.bearer(.viewer)
            )
            #expect(try again.json(Digest.self).digest == digest)

            func start(_ planDigest: String) async throws -> TestResponse {
                try await client.execute(
                    uri: "/api/v1/rollouts",
                    method: .post,
                    headers: harness.bearer(.operator),
                    body: ByteBuffer(string: #"{"change":"\#(setup.changeID)","planDigest":"\#(planDigest)"}"#)
                )
            }
            let malformed = try await start("not-a-digest")
            #expect(malformed.status == .badRequest)
            #expect(malformed.text.contains("planDigest"))
            let stale = try await start(String(repeating: "0", count: 64))
            #expect(stale.status == .conflict)
            #expect(stale.text.contains("the fleet changed since plan 000000000000"))
            #expect(try await harness.storage.change(id: setup.changeID)?.state == .approved)
            let started = try await start(digest)
            #expect(started.status == .created, "\(started.text)")
            let stored = try #require(try await harness.storage.rollout(id: try started.json(View.self).id))
            #expect(stored.plan.assignmentText == plan.assignmentText)
        }
    }
    /// A change that names a package without a version gives each host the update it has for that
    /// package; a host with none has nothing to install: its task completes without a plan (the
    /// rollout used to be stored and then fail every tick on an empty plan).
    @Test func hostWithNothingToInstallCompletesWithoutAPlan() async throws {
        let (setup, router) = try await Self.setup(version: nil)
        let harness = setup.harness
        try await Application(router: router).test(.router) { client in
            let started = try await Self.startRollout(client, setup)
            #expect(started.status == .created, "\(started.text)")
            let id = try started.json(View.self).id
            for _ in 0..<12 {
                harness.clock.advance(120)
                await setup.rollouts.tickAll()
            }
            for agent in setup.agents.values {
                #expect(try await Self.fetchPlan(client, agent, harness) == nil)
            }
            let rollout = try #require(try await harness.storage.rollout(id: id))
            #expect(rollout.tasks.allSatisfy { $0.state == .succeeded }, "\(rollout.tasks.map(\.state))")
            #expect(rollout.tasks.allSatisfy { $0.reason?.contains("nothing of the change to install") == true })
            #expect(rollout.state == .completed)
        }
    }
}
