import Synchronization
import Testing

@testable import PatchServer

@Suite struct CoalescedReadTests {
    /// A computation that counts its runs and waits until released, so callers pile up behind it.
    final class Gate: Sendable {
        let runs = Atomic<Int>(0)
        /// Callers about to ask.
        let arrivals = Atomic<Int>(0)
        let open = Atomic<Bool>(false)

        func compute() async throws -> Int {
            let run = runs.add(1, ordering: .sequentiallyConsistent).newValue
            while !open.load(ordering: .sequentiallyConsistent) { try await Task.sleep(for: .milliseconds(2)) }
            return run
        }
    }

    @Test func concurrentCallersShareAtMostTwoComputations() async throws {
        let read = CoalescedRead<Int>()
        let gate = Gate()
        // The first caller starts a computation that stays blocked.
        let first = Task { try await read.value(gate.compute) }
        while gate.runs.load(ordering: .sequentiallyConsistent) == 0 { try await Task.sleep(for: .milliseconds(1)) }
        // Fifty callers arrive while it runs: they must all wait for one later computation.
        let later = (0..<50).map { _ in
            Task {
                gate.arrivals.add(1, ordering: .sequentiallyConsistent)
                return try await read.value(gate.compute)
            }
        }
        while gate.arrivals.load(ordering: .sequentiallyConsistent) < 50 { try await Task.sleep(for: .milliseconds(1)) }
        // From here each caller is one hop from the actor; give the hops time.
        try await Task.sleep(for: .milliseconds(200))
        #expect(gate.runs.load(ordering: .sequentiallyConsistent) == 1, "nobody may start a second run meanwhile")
        gate.open.store(true, ordering: .sequentiallyConsistent)
        #expect(try await first.value == 1)
        for task in later {
            // Computed after they arrived: never the first run's value, which began before them.
            #expect(try await task.value == 2)
        }
        #expect(gate.runs.load(ordering: .sequentiallyConsistent) == 2)
        // Alone again, a caller starts its own computation.
        #expect(try await read.value(gate.compute) == 3)
    }

    @Test func aFailureReachesItsCallersAndTheNextCallComputesAgain() async throws {
        struct Failure: Error {}
        let read = CoalescedRead<Int>()
        let calls = Atomic<Int>(0)
        await #expect(throws: Failure.self) {
            try await read.value {
                calls.add(1, ordering: .sequentiallyConsistent)
                throw Failure()
            }
        }
        #expect(try await read.value { calls.add(1, ordering: .sequentiallyConsistent).newValue } == 2)
    }
}
