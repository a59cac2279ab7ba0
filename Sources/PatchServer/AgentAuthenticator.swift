import AgentProtocol
import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import NIOConcurrencyHelpers
import PatchStore

/// Verifies signed agent requests in two steps, so that nobody without an agent key can make the
/// server buffer a body:
///
/// 1. ``authenticateHeaders(_:)`` — before any byte of the body is read: the signature headers are
///    well formed and bounded, the timestamp is fresh (checked arithmetic: a timestamp of
///    `Int64.min` is a 401, not a trap), the agent is known and not revoked, its rate limit allows
///    the request, and the Ed25519 signature over method, path, timestamp, nonce and the body
///    digest *announced* in `X-PatchPilot-Content-SHA256` is valid.
/// 2. ``authenticateBody(_:body:)`` — the body read (with the route's limit) hashes to the announced
///    digest, and the nonce has not been used before (recorded only now, so a request that fails
///    step 2 does not burn a nonce).
struct AgentAuthenticator: Sendable {
    let storage: any PatchStorage
    let clock: any WallClock
    let maxSkewSeconds: Int64
    let rateLimiter: AgentRateLimiter

    /// An agent request whose headers are verified; its body is not read yet.
    struct VerifiedHeaders: Sendable {
        var agent: AgentRecord
        var nonce: String
        var bodyDigest: String
    }

    /// Step 1: everything the headers carry, or a 401 (429 when the agent exceeds its rate).
    func authenticateHeaders(_ request: Request) async throws -> VerifiedHeaders {
        guard let agentID = request.headers[HTTPField.Name(SignatureHeader.agent)!],
            let timestampText = request.headers[HTTPField.Name(SignatureHeader.timestamp)!],
            let nonce = request.headers[HTTPField.Name(SignatureHeader.nonce)!],
            let signature = request.headers[HTTPField.Name(SignatureHeader.signature)!],
            let announced = request.headers[HTTPField.Name(SignatureHeader.contentSHA256)!]
        else { throw Problem.unauthorized("request is not signed: signature headers missing") }
        guard (1...128).contains(agentID.utf8.count) else {
            throw Problem.unauthorized("agent id must be 1 to 128 characters")
        }
        guard timestampText.utf8.count <= 20, let timestamp = Int64(timestampText) else {
            throw Problem.unauthorized("signature timestamp '\(timestampText.prefix(32))' is not a number")
        }
        let now = clock.now()
        let serverSeconds = Int64(InputBounds.wholeSeconds(now.timeIntervalSince1970))
        let (difference, overflow) = serverSeconds.subtractingReportingOverflow(timestamp)
        guard !overflow, difference.magnitude <= UInt64(maxSkewSeconds) else {
            throw Problem.unauthorized(
                "signature timestamp \(timestamp) is more than \(maxSkewSeconds) s away from server time \(serverSeconds)"
            )
        }
        guard nonce.utf8.count >= 16, nonce.utf8.count <= 128 else {
            throw Problem.unauthorized("signature nonce must be 16 to 128 characters")
        }
        guard announced.utf8.count == 64, announced.utf8.allSatisfy(\.isLowercaseHexDigit) else {
            throw Problem.unauthorized("header \(SignatureHeader.contentSHA256) must be 64 lowercase hex digits")
        }
        guard signature.utf8.count <= 128 else { throw Problem.unauthorized("bad request signature") }
        guard let agent = try await storage.agent(id: agentID) else {
            throw Problem.unauthorized("unknown agent")
        }
        guard !agent.isRevoked else { throw Problem.unauthorized("agent \(agentID) is revoked") }
        guard let rawKey = Base64.decode(agent.publicKey),
            let publicKey = try? Curve25519.Signing.PublicKey(rawRepresentation: rawKey),
            let rawSignature = Base64.decode(signature)
        else { throw Problem.unauthorized("bad request signature") }
        let text = RequestSignature.canonicalString(
            method: request.method.rawValue,
            path: request.uri.description,
            timestamp: timestamp,
            nonce: nonce,
            bodyDigest: announced
        )
        guard publicKey.isValidSignature(rawSignature, for: Array(text.utf8)) else {
            throw Problem.unauthorized("bad request signature")
        }
        if let retryAfter = rateLimiter.admit(agentID: agent.id, at: now) {
            throw Problem(
                .tooManyRequests,
                "agent \(agent.id) exceeds its request rate; retry in \(retryAfter) s",
                headers: [.retryAfter: String(retryAfter)]
            )
        }
        return VerifiedHeaders(agent: agent, nonce: nonce, bodyDigest: announced)
    }

    /// Step 2: the body matches the signed digest and the nonce is fresh.
    func authenticateBody(_ verified: VerifiedHeaders, body: [UInt8]) async throws -> AgentRecord {
        guard RequestSignature.digest(of: body) == verified.bodyDigest else {
            throw Problem.unauthorized("request body does not match the signed digest")
        }
        let now = clock.now()
        let forgetBefore = now.addingTimeInterval(-Double(2 * maxSkewSeconds))
        guard
            try await storage.recordNonce(
                agentID: verified.agent.id,
                nonce: verified.nonce,
                now: now,
                forgetBefore: forgetBefore
            )
        else {
            throw Problem.unauthorized("replayed request (nonce already used)")
        }
        return verified.agent
    }

    /// Both steps: headers first, then the body collected with `limit` bytes at most.
    func authenticate(_ request: Request, limit: Int) async throws -> (agent: AgentRecord, body: [UInt8]) {
        let verified = try await authenticateHeaders(request)
        let body = try await JSONBody.collect(request, limit: limit)
        return (try await authenticateBody(verified, body: body), body)
    }
}

/// A token bucket per agent: `burst` requests at once, refilled at `perMinute`. Agents check in
/// every few minutes; an agent (or a stolen key) hammering the server is answered 429.
final class AgentRateLimiter: Sendable {
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
    func admit(agentID: String, at now: Date) -> Int? {
        guard perMinute > 0 else { return nil }
        return buckets.withLockedValue { buckets in
            if buckets.count > 200_000 { buckets.removeAll(keepingCapacity: true) }
            var bucket = buckets[agentID] ?? Bucket(tokens: burst, updated: now)
            let elapsed = max(0, now.timeIntervalSince(bucket.updated))
            bucket.tokens = min(burst, bucket.tokens + elapsed * perMinute / 60)
            bucket.updated = now
            guard bucket.tokens >= 1 else {
                buckets[agentID] = bucket
                return max(1, Int(((1 - bucket.tokens) * 60 / perMinute).rounded(.up)))
            }
            bucket.tokens -= 1
            buckets[agentID] = bucket
            return nil
        }
    }
}

extension UInt8 {
    /// `0-9` or `a-f`.
    var isLowercaseHexDigit: Bool { (0x30...0x39).contains(self) || (0x61...0x66).contains(self) }
}
