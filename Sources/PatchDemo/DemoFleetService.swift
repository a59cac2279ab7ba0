import AsyncHTTPClient
import Logging
import ServiceLifecycle

/// `serve --demo`: once the server listens, a simulated fleet enrolls through the real HTTP API and
/// keeps checking in (a few hosts patch packages each round) until shutdown.
public struct DemoFleetService: Service {
    let serverURL: AsyncStream<String>
    let enrollmentToken: String
    let agents: Int
    let roundSeconds: Double
    let logger: Logger

    /// A service that waits for the server's URL, enrolls `agents` hosts with `enrollmentToken`
    /// and lets them check in every `roundSeconds`.
    public init(
        serverURL: AsyncStream<String>,
        enrollmentToken: String,
        agents: Int,
        roundSeconds: Double,
        logger: Logger
    ) {
        self.serverURL = serverURL
        self.enrollmentToken = enrollmentToken
        self.agents = agents
        self.roundSeconds = roundSeconds
        self.logger = logger
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
        var round: UInt64 = 0
        while !Task.isShuttingDownGracefully {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(roundSeconds)) }
            if Task.isShuttingDownGracefully || Task.isCancelled { break }
            round += 1
            (fleet, _) = await simulator.checkInRound(fleet, patchRate: 0.03, round: round)
        }
    }
}
