import GRDB
import Synchronization

/// Group commit for small, frequent writes (check-ins): writes that arrive while a batch is being
/// written wait, then go together in one transaction — one WAL append and one sync for all of them
/// instead of one each. Each write runs in its own savepoint, so one that fails is undone alone and
/// reports its own error; a write's caller hears of success only after the batch committed.
final class SQLiteGroupCommit: Sendable {
    /// One write of a batch: `run` executes it inside the batch's transaction and returns what to do
    /// once the transaction ended (`nil`: committed; else the error that rolled it back); `fail`
    /// reports an error when the write never ran.
    struct Item: Sendable {
        var run: @Sendable (Database) -> @Sendable ((any Error)?) -> Void
        var fail: @Sendable (any Error) -> Void
    }

    /// The most writes in one transaction (a bound on how long a batch holds the writer).
    static let maximumBatch = 512

    private let pool: DatabasePool
    private let state = Mutex<(pending: [Item], draining: Bool)>(([], false))

    init(pool: DatabasePool) { self.pool = pool }

    /// Runs `body` in the next batch and returns its result once that batch committed.
    func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let item = Item(
                run: { db in
                    let result: Result<T, any Error>
                    do {
                        var value: T?
                        try db.inSavepoint {
                            value = try body(db)
                            return .commit
                        }
                        result = value.map { .success($0) } ?? .failure(CancellationError())
                    } catch {
                        result = .failure(error)
                    }
                    return { commitError in
                        if let commitError {
                            continuation.resume(throwing: commitError)
                        } else {
                            continuation.resume(with: result)
                        }
                    }
                },
                fail: { error in continuation.resume(throwing: error) }
            )
            let start = state.withLock { state -> Bool in
                state.pending.append(item)
                guard !state.draining else { return false }
                state.draining = true
                return true
            }
            if start { Task { await self.drain() } }
        }
    }

    /// Writes batches until nothing is pending.
    private func drain() async {
        while true {
            let batch = state.withLock { state -> [Item] in
                let taken = Array(state.pending.prefix(Self.maximumBatch))
                state.pending.removeFirst(taken.count)
                if taken.isEmpty { state.draining = false }
                return taken
            }
            if batch.isEmpty { return }
            do {
                let completions = try await pool.write { db in batch.map { $0.run(db) } }
                for complete in completions { complete(nil) }
            } catch {
                for item in batch { item.fail(error) }
            }
        }
    }
}
