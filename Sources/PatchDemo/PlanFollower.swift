import AgentProtocol
import Crypto
import FleetModel
import Foundation
import PatchAgent

/// Simulated agents that keep checking in and carry out the plans the server hands them, the way
/// real agents do, and count what they saw: every plan applied (per host), every answer.
///
/// A plan is applied at most once per plan id, as the real agent's journal does: a plan served
/// again (its report was lost) gets the stored report again, not a second run. Two different plans
/// for one host task therefore show up as two applications, which is what the chaos test counts.
/// "Applying" is simulated: the plan is verified against the key pinned at enrollment (signature,
/// host, sequence newer than the last one), the planned package versions replace the installed
/// ones, and a `completed` report is sent until the server acknowledges it.
public struct PlanFollower: Sendable {
    /// One plan a host carried out.
    public struct Application: Sendable, Codable, Hashable {
        public var planID: String
        public var sequence: Int64
        /// Seconds since the follower started.
        public var at: Double
    }

    /// What one agent saw.
    public struct HostRecord: Sendable, Codable {
        public var hostID: String
        public var hostname: String
        public var applications: [Application] = []
        /// Plans the server handed over again after they were applied (the stored report was re-sent).
        public var repeatedDeliveries = 0
        /// Plans refused by verification (bad signature, wrong host, old sequence).
        public var refusals: [String] = []
        public var requests = 0
        /// Answers with a 5xx status.
        public var serverErrors = 0
        /// Requests that got no answer at all (connection refused or reset, timeout).
        public var transportErrors = 0
        /// The longest stretch, in seconds, from the start of a cycle that failed to the next
        /// success (a request waiting on a stopped replica before its error counts in full).
        public var longestOutage = 0.0
        /// The longest stretch, in seconds, from the first error answered to the start of the
        /// next cycle that succeeded: how long the agent kept seeing errors.
        public var longestErrorStreak = 0.0
        /// Other 4xx answers (a sign of a bug: signatures or nonces refused).
        public var clientErrors: [String] = []
    }

    /// Everything the fleet saw.
    public struct Summary: Sendable, Codable {
        public var seconds: Double
        public var hosts: [HostRecord]
    }

    let client: AgentClient
    let interval: Double
    let behaviour: Behaviour

    /// How plans turn out on the simulated hosts.
    public struct Behaviour: Sendable {
        /// Share of plans that fail (the install step fails, nothing changes), 0…1.
        public var failureRate: Double
        /// Share of hosts that take `slowSeconds` longer to carry out a plan, 0…1.
        public var slowHostRate: Double
        /// How much longer a slow host takes, in seconds.
        public var slowSeconds: Double

        /// Every plan succeeds at once (the chaos test's agents).
        public static let reliable = Behaviour(failureRate: 0, slowHostRate: 0, slowSeconds: 0)
        /// The demo's agents: a rare failure, some slow hosts.
        public static let demo = Behaviour(failureRate: 0.02, slowHostRate: 0.15, slowSeconds: 20)

        /// Creates a behaviour; rates are clamped to 0…1 and the delay to 0…600 s.
        public init(failureRate: Double, slowHostRate: Double, slowSeconds: Double) {
            self.failureRate = failureRate.isFinite ? min(max(failureRate, 0), 1) : 0
            self.slowHostRate = slowHostRate.isFinite ? min(max(slowHostRate, 0), 1) : 0
            self.slowSeconds = slowSeconds.isFinite ? min(max(slowSeconds, 0), 600) : 0
        }
    }

    /// Followers check in every `interval` seconds (with ±20% jitter) against `client`'s server;
    /// plans turn out as `behaviour` says.
    public init(client: AgentClient, interval: Double, behaviour: Behaviour = .reliable) {
        self.client = client
        self.interval = interval
        self.behaviour = behaviour
    }

    /// Runs every agent until `stop` answers true, then returns what each saw.
    public func run(_ agents: [FleetSimulator.EnrolledAgent], stop: @escaping @Sendable () -> Bool) async -> Summary {
        let start = ContinuousClock.now
        let records = await withTaskGroup(of: HostRecord.self) { group in
            for (index, agent) in agents.enumerated() {
                group.addTask {
                    await follow(agent, seed: UInt64(index) &+ 1, start: start, stop: stop)
                }
            }
            var records: [HostRecord] = []
            for await record in group { records.append(record) }
            return records
        }
        return Summary(
            seconds: FleetSimulator.seconds(since: start),
            hosts: records.sorted { $0.hostname < $1.hostname }
        )
    }

    func follow(
        _ agent: FleetSimulator.EnrolledAgent,
        seed: UInt64,
        start: ContinuousClock.Instant,
        stop: @Sendable () -> Bool
    ) async -> HostRecord {
        var agent = agent
        var random = SplitMix64(seed: seed)
        var record = HostRecord(hostID: agent.hostID, hostname: agent.host.facts.hostname)
        var verifier = agent.planKey.flatMap(Base64.decode).flatMap {
            try? Curve25519.Signing.PublicKey(rawRepresentation: $0)
        }.map { PlanVerifier(pinnedKey: $0, hostID: agent.hostID, lastSequence: 0) }
        var reports: [String: PlanReport] = [:]
        var unacknowledged: PlanReport?
        var outageSince: ContinuousClock.Instant?
        var errorSince: ContinuousClock.Instant?
        let isSlow = Double(random.next() % 1000) / 1000 < behaviour.slowHostRate
        // Spread the first check-ins over one interval.
        try? await Task.sleep(for: .seconds(interval * Double(random.next() % 1000) / 1000))
        while !stop() {
            var failed = false
            let began = ContinuousClock.now
            do {
                if let report = unacknowledged {
                    record.requests += 1
                    _ = try await client.report(report, signer: agent.signer)
                    unacknowledged = nil
                }
                record.requests += 1
                try await agent.checkIn(client)
                record.requests += 1
                if let signed = try await client.nextPlan(signer: agent.signer) {
                    if isSlow { try? await Task.sleep(for: .seconds(behaviour.slowSeconds)) }
                    let fails = Double(random.next() % 10_000) / 10_000 < behaviour.failureRate
                    let report = apply(
                        signed,
                        agent: &agent,
                        verifier: &verifier,
                        reports: &reports,
                        record: &record,
                        start: start,
                        fails: fails
                    )
                    unacknowledged = report
                    record.requests += 1
                    _ = try await client.report(report, signer: agent.signer)
                    unacknowledged = nil
                }
            } catch let error as AgentError {
                failed = true
                if let status = error.status {
                    if status >= 500 {
                        record.serverErrors += 1
                    } else if record.clientErrors.count < 20 {
                        record.clientErrors.append(error.message)
                    }
                } else {
                    record.transportErrors += 1
                }
            } catch {
                failed = true
                record.transportErrors += 1
            }
            // Outage: from the start of the first failed cycle (a request waiting on a stopped
            // replica included) to the end of the next successful one. Error streak: from the
            // first error answered to the start of the cycle that succeeded — how long the agent
            // kept seeing errors (not how long its successful retry, an inventory upload say, took).
            if failed {
                if outageSince == nil { outageSince = began }
                if errorSince == nil { errorSince = .now }
            } else {
                if let since = outageSince {
                    record.longestOutage = max(record.longestOutage, FleetSimulator.seconds(since: since))
                }
                if let since = errorSince {
                    let seconds = since.duration(to: began) / .seconds(1)
                    record.longestErrorStreak = max(record.longestErrorStreak, seconds)
                }
                outageSince = nil
                errorSince = nil
            }
            // After a failure, retry within a second (as an agent honouring a short Retry-After would).
            let pause = failed ? min(1, interval) : interval * (0.8 + 0.4 * Double(random.next() % 1000) / 1000)
            try? await Task.sleep(for: .seconds(pause))
        }
        if let since = outageSince {
            record.longestOutage = max(record.longestOutage, FleetSimulator.seconds(since: since))
        }
        if let since = errorSince {
            record.longestErrorStreak = max(record.longestErrorStreak, FleetSimulator.seconds(since: since))
        }
        return record
    }

    /// Carries out a plan once per plan id and returns the report to send.
    func apply(
        _ signed: SignedPlan,
        agent: inout FleetSimulator.EnrolledAgent,
        verifier: inout PlanVerifier?,
        reports: inout [String: PlanReport],
        record: inout HostRecord,
        start: ContinuousClock.Instant,
        fails: Bool = false
    ) -> PlanReport {
        let now = Int64(Date().timeIntervalSince1970)
        let claimed = Base64.decode(signed.payload).flatMap {
            try? JSONDecoder().decode(UpdatePlan.self, from: Data($0))
        }
        if let id = claimed?.id, let stored = reports[id] {
            record.repeatedDeliveries += 1
            return stored
        }
        let plan: UpdatePlan
        do {
            guard var pinned = verifier else { throw PlanRejection.malformed("no plan key was pinned at enrollment") }
            plan = try pinned.accept(signed, now: now)
            verifier = pinned
        } catch {
            record.refusals.append("\(claimed?.id ?? "unknown"): \(error)")
            let step = StepResult(step: "verify", startedAt: now, endedAt: now, outcome: .failed, message: "\(error)")
            return PlanReport(
                planID: claimed?.id ?? "unknown",
                sequence: claimed?.sequence ?? 0,
                outcome: .refused,
                steps: [step]
            )
        }
        record.applications.append(
            Application(planID: plan.id, sequence: plan.sequence, at: FleetSimulator.seconds(since: start))
        )
        if fails {
            let step = StepResult(
                step: "install",
                startedAt: now,
                endedAt: now,
                outcome: .failed,
                message: "simulated failure: the package manager exited with status 100",
                stdoutTail: "",
                stderrTail: "E: Sub-process /usr/bin/dpkg returned an error code (1)"
            )
            let rollback = StepResult(
                step: "rollback",
                startedAt: now,
                endedAt: now,
                outcome: .succeeded,
                message: "simulated: the previous versions are installed again"
            )
            let report = PlanReport(
                planID: plan.id,
                sequence: plan.sequence,
                outcome: .rolledBack,
                steps: [step, rollback]
            )
            reports[plan.id] = report
            return report
        }
        var before: [String: String] = [:]
        var after: [String: String] = [:]
        for package in plan.packages {
            if let index = agent.host.packages.firstIndex(where: { $0.name == package.name }) {
                before[package.name] = agent.host.packages[index].version
                agent.host.packages[index].version = package.version
            }
            after[package.name] = package.version
        }
        let step = StepResult(
            step: "install",
            startedAt: now,
            endedAt: now,
            outcome: .succeeded,
            message: "simulated",
            stdoutTail: "",
            stderrTail: "",
            versionsBefore: before,
            versionsAfter: after
        )
        let report = PlanReport(planID: plan.id, sequence: plan.sequence, outcome: .completed, steps: [step])
        reports[plan.id] = report
        return report
    }
}
