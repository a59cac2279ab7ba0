import AgentProtocol
import AsyncHTTPClient
import Crypto
import FleetModel
import Foundation
import Logging
import PatchAgent

/// Runs many simulated agents against a real server over HTTP, exactly as separate agents would:
/// each enrolls with its own Ed25519 key, then signs heartbeats and inventory uploads.
public struct FleetSimulator: Sendable {
    var serverURL: String
    var enrollmentToken: String
    var agents: Int
    var seed: UInt64
    /// The number in the first host's name (`web-001…`); chunks of one large fleet give each their own.
    var firstIndex = 1
    var concurrency: Int
    var http: HTTPClient
    var logger: Logger

    /// A simulator of `agents` hosts (the same `seed` gives the same fleet) enrolling at
    /// `serverURL` with `enrollmentToken`, `concurrency` requests at a time.
    public init(
        serverURL: String,
        enrollmentToken: String,
        agents: Int,
        seed: UInt64,
        firstIndex: Int = 1,
        concurrency: Int,
        http: HTTPClient,
        logger: Logger
    ) {
        self.serverURL = serverURL
        self.enrollmentToken = enrollmentToken
        self.agents = agents
        self.seed = seed
        self.firstIndex = firstIndex
        self.concurrency = concurrency
        self.http = http
        self.logger = logger
    }

    /// Statistics of one phase.
    public struct PhaseResult: Sendable {
        public var operations: Int
        public var failures: Int
        public var seconds: Double
        /// Seconds each successful check-in took (heartbeat, and inventory upload when asked for).
        public var latencies: [Double] = []
        public var perSecond: Double { seconds > 0 ? Double(operations) / seconds : 0 }
    }

    /// An enrolled simulated agent.
    public struct EnrolledAgent: Sendable {
        var host: SimulatedHost
        var signer: RequestSigner
        var acknowledged: [InstalledPackage]?
        /// The host id the server gave it.
        public var hostID: String
        /// Its host name.
        public var hostname: String { host.facts.hostname }
        /// The plan-signing key the server named at enrollment (pinned, as a real agent does).
        var planKey: String?

        /// One check-in (a heartbeat, and the inventory when the server asks for it), remembering
        /// what the server acknowledged.
        mutating func checkIn(_ client: AgentClient) async throws {
            let cycle = CheckInCycle(client: client, signer: signer)
            acknowledged = try await cycle.run(facts: host.facts, packages: host.packages, acknowledged: acknowledged)
                .acknowledged
        }
    }

    /// Creates the hosts and enrolls them; each then uploads its full inventory.
    public func enrollAll() async throws -> (agents: [EnrolledAgent], result: PhaseResult) {
        let profiles = try DemoProfile.loadBundled()
        var random = SplitMix64(seed: seed)
        let totalWeight = profiles.map(\.weight).reduce(0, +)
        var hosts: [SimulatedHost] = []
        for index in 0..<agents {
            var pick = Int(random.next() % UInt64(totalWeight))
            var profile = profiles[0]
            for candidate in profiles {
                if pick < candidate.weight {
                    profile = candidate
                    break
                }
                pick -= candidate.weight
            }
            hosts.append(SimulatedHost(index: firstIndex + index, profile: profile, random: &random))
        }
        let client = AgentClient(serverURL: serverURL, http: http)
        let token = enrollmentToken
        let start = ContinuousClock.now
        let results = await forEachConcurrently(hosts) { host -> EnrolledAgent? in
            do {
                let answer = try await client.enroll(token: token, publicKey: host.key.publicKey, facts: host.facts)
                let signer = RequestSigner(agentID: answer.agentID, key: host.key)
                let cycle = CheckInCycle(client: client, signer: signer)
                let outcome = try await cycle.run(facts: host.facts, packages: host.packages, acknowledged: nil)
                return EnrolledAgent(
                    host: host,
                    signer: signer,
                    acknowledged: outcome.acknowledged,
                    hostID: answer.hostID,
                    planKey: answer.planPublicKey
                )
            } catch {
                logger.warning("simulated agent failed to enroll", metadata: ["pp.error": .string("\(error)")])
                return nil
            }
        }
        let enrolled = results.compactMap { $0 }
        return (
            enrolled,
            PhaseResult(
                operations: enrolled.count,
                failures: hosts.count - enrolled.count,
                seconds: Self.seconds(since: start)
            )
        )
    }

    /// One check-in round for every agent; `patchRate` is the share of hosts that patch a few packages first.
    public func checkInRound(
        _ agents: [EnrolledAgent],
        patchRate: Double,
        round: UInt64
    ) async -> ([EnrolledAgent], PhaseResult) {
        let client = AgentClient(serverURL: serverURL, http: http)
        let start = ContinuousClock.now
        let seed = self.seed &+ round &* 7919
        let indexed = Array(agents.enumerated())
        let results = await forEachConcurrently(indexed) { index, agent -> (EnrolledAgent, Double?) in
            var agent = agent
            var random = SplitMix64(seed: seed &+ UInt64(index))
            if Double(random.next() % 1000) / 1000 < patchRate {
                agent.host.patch(count: 1 + Int(random.next() % 5), random: &random)
            }
            let started = ContinuousClock.now
            do {
                try await agent.checkIn(client)
                return (agent, Self.seconds(since: started))
            } catch {
                logger.warning("simulated check-in failed", metadata: ["pp.error": .string("\(error)")])
                return (agent, nil)
            }
        }
        let latencies = results.compactMap(\.1)
        return (
            results.map(\.0),
            PhaseResult(
                operations: latencies.count,
                failures: results.count - latencies.count,
                seconds: Self.seconds(since: start),
                latencies: latencies
            )
        )
    }

    func forEachConcurrently<Input: Sendable, Output: Sendable>(
        _ inputs: [Input],
        _ body: @escaping @Sendable (Input) async -> Output
    ) async -> [Output] {
        var outputs = [Output?](repeating: nil, count: inputs.count)
        await withTaskGroup(of: (Int, Output).self) { group in
            var next = 0
            func launch() {
                let index = next
                let input = inputs[index]
                group.addTask { (index, await body(input)) }
                next += 1
            }
            while next < min(concurrency, inputs.count) { launch() }
            while let (index, output) = await group.next() {
                outputs[index] = output
                if next < inputs.count { launch() }
            }
        }
        return outputs.compactMap { $0 }
    }

    static func seconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    }
}
