import AsyncHTTPClient
import Foundation
import Logging
import PatchAgent
import PatchStore
import ServiceLifecycle
import Synchronization

/// `serve --demo`: once the server listens, a simulated fleet enrolls through the real HTTP API and
/// keeps checking in (a few hosts patch packages each round) until shutdown.
public struct DemoFleetService: Service {
    let serverURL: AsyncStream<String>
    let enrollmentToken: String
    let agents: Int
    let roundSeconds: Double
    let logger: Logger
    let storage: (any PatchStorage)?
    let behaviour: PlanFollower.Behaviour

    /// A service that waits for the server's URL, enrolls `agents` hosts with `enrollmentToken`
    /// and lets them check in every `roundSeconds`.
    public init(
        serverURL: AsyncStream<String>,
        enrollmentToken: String,
        agents: Int,
        roundSeconds: Double,
        logger: Logger,
        storage: (any PatchStorage)? = nil,
        behaviour: PlanFollower.Behaviour = .demo
    ) {
        self.serverURL = serverURL
        self.enrollmentToken = enrollmentToken
        self.agents = agents
        self.roundSeconds = roundSeconds
        self.logger = logger
        self.storage = storage
        self.behaviour = behaviour
    }

    public func run() async throws {
        var urls = serverURL.makeAsyncIterator()
        guard let url = await urls.next() else { return }
        let simulator = FleetSimulator(
            serverURL: url,
            enrollmentToken: enrollmentToken,
            agents: agents,
            seed: 42,
            concurrency: 8,
            http: HTTPClient.shared,
            logger: logger
        )
        var (fleet, enrollment) = try await simulator.enrollAll()
        logger.notice(
            "demo fleet enrolled",
            metadata: [
                "pp.agents": .stringConvertible(enrollment.operations),
                "pp.failed": .stringConvertible(enrollment.failures),
            ]
        )
        if let storage {
            // Place the hosts as the demo policy expects: `env` and `role` labels from the name.
            try await Self.label(fleet, storage: storage)
            // Agents that check in and carry out the plans of rollouts (a rare failure, some slow
            // hosts), until shutdown: a rollout started in the demo runs to its end.
            let stopped = Mutex(false)
            let follower = PlanFollower(
                client: AgentClient(serverURL: url),
                interval: min(roundSeconds, 10),
                behaviour: behaviour
            )
            await withGracefulShutdownHandler {
                _ = await follower.run(fleet) { stopped.withLock { $0 } }
            } onGracefulShutdown: {
                stopped.withLock { $0 = true }
            }
            return
        }
        var round: UInt64 = 0
        while !Task.isShuttingDownGracefully {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(roundSeconds)) }
            if Task.isShuttingDownGracefully || Task.isCancelled { break }
            round += 1
            (fleet, _) = await simulator.checkInRound(fleet, patchRate: 0.03, round: round)
        }
    }

    /// Labels every enrolled demo host with the `env` and `role` its name says.
    static func label(_ fleet: [FleetSimulator.EnrolledAgent], storage: any PatchStorage) async throws {
        for agent in fleet {
            guard let host = try await storage.host(id: agent.hostID) else { continue }
            var labels = host.labels
            labels.merge(DemoHostLabels.labels(hostname: agent.hostname)) { _, new in new }
            guard labels != host.labels else { continue }
            _ = try await storage.replaceLabels(
                hostID: agent.hostID,
                expectedLabels: host.labels,
                expectedTags: host.tags,
                labels: labels,
                tags: host.tags,
                actor: "system:demo",
                now: Date()
            )
        }
    }
}
