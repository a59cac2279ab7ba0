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

    /// Collects the body of a request nobody has authenticated yet: `limit` bytes are reserved from
    /// the shared `budget` first, so that all such requests together never hold more than the
    /// budget's capacity; when it is spent the answer is 503 with `Retry-After`.
    static func collect(_ request: Request, limit: Int, budget: BodyBudget) async throws -> [UInt8] {
        guard budget.reserve(limit) else {
            throw Problem(
                .serviceUnavailable,
                "too many unauthenticated requests in flight; retry shortly",
                headers: [.retryAfter: "1"]
            )
        }
        defer { budget.release(limit) }
        return try await collect(request, limit: limit)
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
