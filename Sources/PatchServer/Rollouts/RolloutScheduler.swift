import Foundation
import ServiceLifecycle

/// Runs the rollout scheduler tick every interval, and at once when woken (an agent reported).
struct RolloutScheduler: ServiceLifecycle.Service {
    let rollouts: RolloutOrchestrator
    let interval: Duration

    func run() async throws {
        let wakeups = rollouts.wakeups
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    while !Task.isCancelled {
                        wakeups.wake()
                        try? await Task.sleep(for: interval)
                    }
                }
                // Wakes arriving during a tick collapse into one more tick.
                for await _ in wakeups.signals {
                    guard !Task.isCancelled else { break }
                    await rollouts.tickAll()
                }
                group.cancelAll()
            }
        }
    }
}

/// A coalescing wake-up signal for the scheduler: any number of wakes while it works make one
/// more tick. Only one scheduler consumes it.
final class RolloutWakeups: Sendable {
    let signals: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation

    init() {
        (signals, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Asks for a tick soon.
    func wake() { continuation.yield() }
}
