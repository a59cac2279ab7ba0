import ServiceLifecycle

/// A coalescing wake-up signal for one worker loop: any number of wakes while it works make one
/// more round. Only one loop consumes it.
final class Wakeups: Sendable {
    let signals: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation

    init() {
        (signals, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Asks for a round soon.
    func wake() { continuation.yield() }

    /// Runs `round` every `interval` and at once when woken, until graceful shutdown; wakes arriving
    /// during a round collapse into one more round.
    func run(every interval: Duration, _ round: @escaping @Sendable () async -> Void) async {
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    while !Task.isCancelled {
                        self.wake()
                        try? await Task.sleep(for: interval)
                    }
                }
                for await _ in self.signals {
                    guard !Task.isCancelled else { break }
                    await round()
                }
                group.cancelAll()
            }
        }
    }
}
