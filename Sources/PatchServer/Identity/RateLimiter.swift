import Foundation
import NIOConcurrencyHelpers

/// A token bucket per key (an agent id, a source address): `burst` requests at once, refilled at
/// `perMinute`. Agents check in every few minutes, people sign in now and then; a key hammering the
/// server is answered 429.
final class RateLimiter: Sendable {
    private struct Bucket {
        var tokens: Double
        var updated: Date
    }

    private let buckets = NIOLockedValueBox<[String: Bucket]>([:])
    let perMinute: Double
    let burst: Double

    /// Creates a limiter; `perMinute` ≤ 0 turns it off.
    init(perMinute: Int, burst: Int) {
        self.perMinute = Double(max(0, perMinute))
        self.burst = Double(max(1, burst))
    }

    /// `nil` when the request may go ahead (and takes a token), else the seconds to wait.
    func admit(key: String, at now: Date) -> Int? {
        guard perMinute > 0 else { return nil }
        return buckets.withLockedValue { buckets in
            if buckets.count > 200_000 { buckets.removeAll(keepingCapacity: true) }
            var bucket = buckets[key] ?? Bucket(tokens: burst, updated: now)
            let elapsed = max(0, now.timeIntervalSince(bucket.updated))
            bucket.tokens = min(burst, bucket.tokens + elapsed * perMinute / 60)
            bucket.updated = now
            guard bucket.tokens >= 1 else {
                buckets[key] = bucket
                return max(1, Int(((1 - bucket.tokens) * 60 / perMinute).rounded(.up)))
            }
            bucket.tokens -= 1
            buckets[key] = bucket
            return nil
        }
    }
}
