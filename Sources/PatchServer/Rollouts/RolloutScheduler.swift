import Foundation
import ServiceLifecycle

/// Runs the rollout scheduler tick periodically.
struct RolloutScheduler: ServiceLifecycle.Service {
    let rollouts: RolloutOrchestrator
    let interval: Duration

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            await rollouts.tickAll()
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }
}
