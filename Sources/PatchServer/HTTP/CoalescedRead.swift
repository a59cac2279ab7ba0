/// Coalesces concurrent requests for one expensive read: a caller that arrives while the value is
/// being computed waits for the *next* computation, which starts when the running one ends and
/// serves every caller that arrived meanwhile. So each answer is computed after its caller asked
/// (nothing is served from before a write the caller saw complete), yet at most one computation
/// runs and one waits, whatever the number of callers: under N concurrent readers the work is
/// about two computations per batch instead of N.
actor CoalescedRead<Value: Sendable> {
    private typealias Flight = (id: Int, task: Task<Value, any Error>)

    /// The computation running now, if any.
    private var running: Flight?
    /// The computation that starts when `running` ends; callers arriving now join it.
    private var waiting: Flight?
    private var lastID = 0

    init() {}

    /// The value, from a computation that starts no earlier than this call. `compute` is used when
    /// this call starts a computation; callers that join one get the value another caller's
    /// `compute` produced, so every caller must pass the same computation.
    func value(_ compute: @escaping @Sendable () async throws -> Value) async throws -> Value {
        if let waiting { return try await waiting.task.value }
        lastID += 1
        let id = lastID
        let prior = running?.task
        let task = Task<Value, any Error> {
            if let prior { _ = try? await prior.value }
            self.started(id)
            defer { self.finished(id) }
            return try await compute()
        }
        if prior == nil { running = (id, task) } else { waiting = (id, task) }
        return try await task.value
    }

    private func started(_ id: Int) {
        guard let flight = waiting, flight.id == id else { return }
        running = flight
        waiting = nil
    }

    private func finished(_ id: Int) {
        if running?.id == id { running = nil }
    }
}
