import AgentProtocol
import AsyncHTTPClient
import FleetModel
import Foundation
import Logging
import ServiceLifecycle

/// The agent's main loop as a `Service`: collect, check in, sleep the interval with jitter, repeat,
/// until graceful shutdown.
public struct AgentService: Service {
    let collector: InventoryCollector
    let state: AgentStateStore
    let http: HTTPClient
    let logger: Logger
    let intervalOverride: Int?
    let jitterFraction: Double
    let once: Bool
    let planSettings: PlanPoller.Settings?

    /// Creates the loop. `intervalSeconds` overrides the server's interval; `jitterFraction` (0…1)
    /// spreads check-ins so a fleet does not arrive at once; `once` stops after one check-in.
    public init(
        collector: InventoryCollector,
        state: AgentStateStore,
        http: HTTPClient = .shared,
        logger: Logger,
        intervalSeconds: Int? = nil,
        jitterFraction: Double = 0.1,
        once: Bool = false,
        planSettings: PlanPoller.Settings? = nil
    ) {
        self.planSettings = planSettings
        self.collector = collector
        self.state = state
        self.http = http
        self.logger = logger
        self.intervalOverride = intervalSeconds
        self.jitterFraction = min(max(jitterFraction, 0), 1)
        self.once = once
    }

    public func run() async throws {
        let identity = try state.loadIdentity()
        let client = AgentClient(serverURL: identity.serverURL, http: http)
        let signer = RequestSigner(agentID: identity.agentID, key: try state.loadKey())
        let cycle = CheckInCycle(client: client, signer: signer)
        var logger = logger
        logger[metadataKey: "pp.agent.id"] = .string(identity.agentID)
        logger[metadataKey: "pp.host.id"] = .string(identity.hostID)
        let planLogger = logger
        let plans = planSettings.map {
            PlanPoller(
                client: client,
                signer: signer,
                state: state,
                identity: identity,
                settings: $0,
                logger: planLogger
            )
        }
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                let inventory = try collector.collect()
                let result = try await cycle.run(
                    facts: inventory.facts,
                    packages: inventory.packages,
                    acknowledged: state.loadAcknowledgedInventory()
                )
                if let acknowledged = result.acknowledged { try state.saveAcknowledgedInventory(acknowledged) }
                logger.info("checked in", metadata: ["pp.checkin.outcome": .string("\(result.outcome)")])
                if let plans, let outcome = try await plans.pollAndRun() {
                    logger.notice("plan finished", metadata: ["pp.plan.outcome": .string(outcome.rawValue)])
                    // Report the inventory the plan left behind at once.
                    let after = try collector.collect()
                    let next = try await cycle.run(
                        facts: after.facts,
                        packages: after.packages,
                        acknowledged: state.loadAcknowledgedInventory()
                    )
                    if let acknowledged = next.acknowledged { try state.saveAcknowledgedInventory(acknowledged) }
                }
            } catch {
                if once { throw error }
                logger.error("check-in failed", metadata: ["pp.error": .string("\(error)")])
            }
            if once { return }
            let interval = Double(intervalOverride ?? identity.checkInIntervalSeconds)
            let jitter = interval * jitterFraction * Double.random(in: -1...1)
            let pause = max(1, interval + jitter)
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(pause)) }
        }
    }
}
