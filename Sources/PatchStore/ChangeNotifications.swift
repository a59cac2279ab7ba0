import Synchronization

/// What changed in the store, as subscribers name it: a rollout (its state, progress or tasks).
/// Announced by the write that changed it, heard once that write committed — in this process on
/// SQLite, in every replica sharing the database on PostgreSQL (LISTEN/NOTIFY).
public struct StoreChange: Sendable, Hashable, CustomStringConvertible {
    /// The wire form: `rollout:<id>`.
    public let key: String

    /// A rollout's state, progress or tasks changed.
    public static func rollout(_ id: String) -> StoreChange { StoreChange(key: "rollout:" + id) }

    init(key: String) { self.key = key }

    public var description: String { key }
}

/// The changes announced by committed writes, fanned out to the subscribers of this process. A
/// subscriber may hear of a change that left nothing visible (a write undone after its savepoint,
/// a connection that reconnected and cannot tell what it missed): it re-reads and compares.
final class ChangeHub: Sendable {
    private let subscribers = Mutex<[StoreChange: [ObjectIdentifier: ChangeSubscription]]>([:])

    init() {}

    /// A subscription to `change`; ``ChangeSubscription/cancel()`` ends it.
    func subscribe(_ change: StoreChange) -> ChangeSubscription {
        let subscription = ChangeSubscription(change: change, hub: self)
        subscribers.withLock { $0[change, default: [:]][ObjectIdentifier(subscription)] = subscription }
        return subscription
    }

    /// Wakes the subscribers of `change`.
    func publish(_ change: StoreChange) {
        let woken = subscribers.withLock { $0[change].map { Array($0.values) } ?? [] }
        for subscription in woken { subscription.signal() }
    }

    /// Wakes every subscriber (changes may have been missed).
    func publishAll() {
        let woken = subscribers.withLock { $0.values.flatMap(\.values) }
        for subscription in woken { subscription.signal() }
    }

    /// How many subscriptions are open.
    var subscriberCount: Int { subscribers.withLock { $0.values.reduce(0) { $0 + $1.count } } }

    fileprivate func remove(_ subscription: ChangeSubscription) {
        subscribers.withLock { subscribers in
            subscribers[subscription.change]?[ObjectIdentifier(subscription)] = nil
            if subscribers[subscription.change]?.isEmpty == true { subscribers[subscription.change] = nil }
        }
    }
}

/// One subscriber's view of a ``StoreChange``: announcements between two waits collapse into one.
public final class ChangeSubscription: Sendable {
    private struct State {
        var pending = false
        var waiter: (id: UInt64, continuation: CheckedContinuation<Bool, Never>)?
        var timer: Task<Void, Never>?
        var nextID: UInt64 = 0
    }

    /// What this subscription hears of.
    public let change: StoreChange
    private let hub: ChangeHub
    private let state = Mutex(State())

    fileprivate init(change: StoreChange, hub: ChangeHub) {
        self.change = change
        self.hub = hub
    }

    /// Waits until the change was announced (since the previous wait returned: `true`) or
    /// `timeout` passed or the task was cancelled (`false`).
    public func next(timeout: Duration) async -> Bool {
        let id = state.withLock { state -> UInt64 in
            state.nextID &+= 1
            return state.nextID
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                let immediate = state.withLock { state -> Bool? in
                    if state.pending {
                        state.pending = false
                        return true
                    }
                    if Task.isCancelled { return false }
                    state.waiter = (id, continuation)
                    state.timer = Task { [weak self] in
                        try? await Task.sleep(for: timeout)
                        self?.resume(id, with: false)
                    }
                    return nil
                }
                if let immediate { continuation.resume(returning: immediate) }
            }
        } onCancel: {
            resume(id, with: false)
        }
    }

    /// Stops hearing of the change (wakes a pending wait with `false`).
    public func cancel() {
        hub.remove(self)
        let waiter = state.withLock { state in
            defer {
                state.waiter = nil
                state.timer?.cancel()
                state.timer = nil
            }
            return state.waiter
        }
        waiter?.continuation.resume(returning: false)
    }

    /// An announcement: wakes the wait in progress, or is kept for the next one.
    func signal() {
        let waiter = state.withLock { state -> CheckedContinuation<Bool, Never>? in
            guard let waiter = state.waiter else {
                state.pending = true
                return nil
            }
            state.waiter = nil
            state.timer?.cancel()
            state.timer = nil
            return waiter.continuation
        }
        waiter?.resume(returning: true)
    }

    /// Ends wait `id` (a timeout or a cancellation) unless something already ended it.
    private func resume(_ id: UInt64, with value: Bool) {
        let waiter = state.withLock { state -> CheckedContinuation<Bool, Never>? in
            guard let waiter = state.waiter, waiter.id == id else { return nil }
            state.waiter = nil
            state.timer?.cancel()
            state.timer = nil
            return waiter.continuation
        }
        waiter?.resume(returning: value)
    }
}
