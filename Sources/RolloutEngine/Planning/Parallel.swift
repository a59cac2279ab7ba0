import Dispatch
import Foundation

/// Runs independent pieces of pure computation on every core.
enum Parallel {
    /// `transform` applied to every element, concurrently; results in input order.
    static func map<Element: Sendable, Output: Sendable>(
        _ elements: [Element],
        _ transform: @Sendable (Element) -> Output
    ) -> [Output] {
        guard elements.count > 1 else { return elements.map(transform) }
        let results = Results<Output>(count: elements.count)
        DispatchQueue.concurrentPerform(iterations: elements.count) { index in
            results.set(index, transform(elements[index]))
        }
        return results.values
    }

    /// Slots written once each from concurrent workers.
    private final class Results<Output: Sendable>: @unchecked Sendable {
        private var storage: [Output?]
        private let lock = NSLock()

        init(count: Int) { storage = Array(repeating: nil, count: count) }

        func set(_ index: Int, _ value: Output) {
            lock.lock()
            storage[index] = value
            lock.unlock()
        }

        var values: [Output] { storage.map { $0! } }
    }
}
