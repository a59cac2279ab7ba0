import ServiceLifecycle

/// Runs the rollout scheduler tick every interval, and at once when woken (an agent reported).
struct RolloutScheduler: ServiceLifecycle.Service {
    let rollouts: RolloutOrchestrator
    let interval: Duration

    func run() async throws {
        let rollouts = rollouts
        await rollouts.wakeups.run(every: interval) { await rollouts.tickAll() }
    }
}
