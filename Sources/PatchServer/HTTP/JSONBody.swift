import Foundation
import Hummingbird
import NIOConcurrencyHelpers
import NIOCore
import PatchAPI

/// Reads request bodies with a size limit and decodes JSON with errors that name the field.
enum JSONBody {
    /// Collects the body, answering 413 when it is larger than `limit` bytes.
    static func collect(_ request: Request, limit: Int) async throws -> [UInt8] {
        var request = request
        do {
            let buffer = try await request.collectBody(upTo: limit)
            return Array(buffer.readableBytesView)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw Problem.tooLarge("request body exceeds the limit of \(limit) bytes")
        } catch let error as NIOTooManyBytesError {
            _ = error
            throw Problem.tooLarge("request body exceeds the limit of \(limit) bytes")
        }
    }

    /// Collects the body of a request nobody has authenticated yet: its declared length (at most
    /// `limit` bytes) is reserved from the shared `budget` first, so that all such requests together
    /// never hold more than the budget's capacity (when it is spent: 503 with `Retry-After`), and
    /// the body must arrive within `deadline` (else 408), so slow senders cannot hold it.
    static func collect(
        _ request: Request,
        limit: Int,
        budget: BodyBudget,
        deadline: Duration = .seconds(10)
    ) async throws -> [UInt8] {
        // Reserve what the request says it sends (at most the limit), so small requests hold little.
        let declared = request.headers[.contentLength].flatMap { $0.utf8.count <= 19 ? Int($0) : nil }
        let reservation = min(max(declared ?? limit, 0), limit)
        guard budget.reserve(reservation) else {
            throw Problem(
                .serviceUnavailable,
                "too many unauthenticated requests in flight; retry shortly",
                headers: [.retryAfter: "1"]
            )
        }
        defer { budget.release(reservation) }
        // A slow sender cannot hold its share of the budget for long: the body must arrive in time.
        return try await withThrowingTaskGroup(of: [UInt8]?.self) { group in
            group.addTask { try await collect(request, limit: limit) }
            group.addTask {
                try await Task.sleep(for: deadline)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let body = first else {
                throw Problem(.requestTimeout, "the request body did not arrive within \(deadline)")
            }
            return body
        }
    }

    /// Collects, decodes and validates a request body (`APIInputError` → 400 naming the field).
    static func decode<T: APIRequestBody>(_ type: T.Type, _ request: Request, limit: Int) async throws -> T {
        try APIBody.decode(type, from: try await collect(request, limit: limit))
    }

    /// Decodes `T` (no validation beyond its own `Decodable`), answering 400 with the JSON path of
    /// the offending field.
    static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        try APIBody.decodeOnly(type, from: bytes)
    }
}

/// A shared allowance of bytes that requests may hold in memory before they are authenticated.
final class BodyBudget: Sendable {
    /// The most bytes reserved at once.
    let capacity: Int
    private let reserved = NIOLockedValueBox(0)

    /// Creates a budget of `capacity` bytes.
    init(capacity: Int) { self.capacity = max(0, capacity) }

    /// Reserves `bytes` if they fit.
    func reserve(_ bytes: Int) -> Bool {
        reserved.withLockedValue { reserved in
            guard bytes <= capacity - reserved else { return false }
            reserved += bytes
            return true
        }
    }

    /// Gives back a reservation.
    func release(_ bytes: Int) { reserved.withLockedValue { $0 = max(0, $0 - bytes) } }

    /// Bytes reserved now.
    var inUse: Int { reserved.withLockedValue { $0 } }
}
