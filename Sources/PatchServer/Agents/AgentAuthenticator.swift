import AgentProtocol
import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import NIOConcurrencyHelpers
import PatchAPI
import PatchStore

/// Verifies signed agent requests in two steps, so that nobody without an agent key can make the
/// server buffer a body:
///
/// 1. ``authenticateHeaders(_:)`` — before any byte of the body is read: the signature headers are
///    well formed and bounded, the timestamp is fresh (checked arithmetic: a timestamp of
///    `Int64.min` is a 401, not a trap), the agent is known and was not revoked when its key was
///    read (``AgentKeyCache``; the write of step 2 checks revocation again), its rate limit allows
///    the request, and the Ed25519 signature over method, path, timestamp, nonce and the body
///    digest *announced* in `X-PatchPilot-Content-SHA256` is valid.
/// 2. ``authenticateBody(_:body:)`` — the body read (with the route's limit) hashes to the announced
///    digest, and the nonce has not been used before (recorded only now, so a request that fails
///    step 2 does not burn a nonce) — in a write that also refuses a revoked agent.
struct AgentAuthenticator: Sendable {
    let storage: any PatchStorage
    let clock: any WallClock
    let maxSkewSeconds: Int64
    let rateLimiter: RateLimiter
    /// Identities of agents seen unrevoked (shared by every request of this server).
    let keys: AgentKeyCache

    /// An agent request whose headers are verified; its body is not read yet.
    struct VerifiedHeaders: Sendable {
        var agent: AgentRecord
        var nonce: String
        var bodyDigest: String
    }

    /// Step 1: everything the headers carry, or a 401 (429 when the agent exceeds its rate).
    func authenticateHeaders(_ request: Request) async throws -> VerifiedHeaders {
        func header(_ name: String) -> String? { request.headers[HTTPField.Name(name)!] }
        let now = clock.now()
        let headers = try SignedRequestHeaders(
            agent: header(SignatureHeader.agent),
            timestamp: header(SignatureHeader.timestamp),
            nonce: header(SignatureHeader.nonce),
            signature: header(SignatureHeader.signature),
            contentSHA256: header(SignatureHeader.contentSHA256),
            now: Int64(InputBounds.wholeSeconds(now.timeIntervalSince1970)),
            maxSkewSeconds: maxSkewSeconds
        )
        let known = try await knownAgent(id: headers.agentID)
        let agent = known.record
        guard
            headers.isValid(publicKey: known.publicKey, method: request.method.rawValue, path: request.uri.description)
        else { throw Problem.unauthorized("bad request signature") }
        if let retryAfter = rateLimiter.admit(key: agent.id, at: now) {
            throw Problem(
                .tooManyRequests,
                "agent \(agent.id) exceeds its request rate; retry in \(retryAfter) s",
                headers: [.retryAfter: String(retryAfter)]
            )
        }
        return VerifiedHeaders(agent: agent, nonce: headers.nonce, bodyDigest: headers.bodyDigest)
    }

    /// The agent's identity and key, from the cache or (first request, then cached) the database.
    private func knownAgent(id: String) async throws -> AgentKeyCache.Entry {
        if let entry = keys.entry(agentID: id) { return entry }
        guard let agent = try await storage.agent(id: id) else { throw Problem.unauthorized("unknown agent") }
        guard !agent.isRevoked else { throw Problem.unauthorized("agent \(agent.id) is revoked") }
        guard let rawKey = Base64.decode(agent.publicKey),
            let publicKey = try? Curve25519.Signing.PublicKey(rawRepresentation: rawKey)
        else { throw Problem.unauthorized("agent key is unusable") }
        let entry = AgentKeyCache.Entry(record: agent, publicKey: publicKey)
        keys.remember(entry)
        return entry
    }

    /// Runs the write that accepts an agent request; when it finds the agent revoked (the key came
    /// from the cache), the agent is forgotten and the request refused with a 401.
    func accepting<T>(_ agentID: String, _ write: () async throws -> T) async throws -> T {
        do {
            return try await write()
        } catch let error as StoreError where error.code == .revoked {
            keys.forget(agentID: agentID)
            throw Problem.unauthorized(error.message)
        }
    }

    /// Step 2: the body matches the signed digest and the nonce is fresh.
    func authenticateBody(_ verified: VerifiedHeaders, body: [UInt8]) async throws -> AgentRecord {
        try verifyBody(verified, body: body)
        let now = clock.now()
        let forgetBefore = noncesForgottenBefore(now)
        guard
            try await accepting(
                verified.agent.id,
                {
                    try await storage.recordNonce(
                        agentID: verified.agent.id,
                        nonce: verified.nonce,
                        now: now,
                        forgetBefore: forgetBefore
                    )
                }
            )
        else {
            throw Problem.unauthorized("replayed request (nonce already used)")
        }
        return verified.agent
    }

    /// The body half of step 2: the body hashes to the signed digest.
    func verifyBody(_ verified: VerifiedHeaders, body: [UInt8]) throws {
        guard RequestSignature.digest(of: body) == verified.bodyDigest else {
            throw Problem.unauthorized("request body does not match the signed digest")
        }
    }

    /// Nonces older than twice the allowed skew can no longer be replayed (the timestamp check
    /// refuses them first), so the store forgets them.
    func noncesForgottenBefore(_ now: Date) -> Date { now.addingTimeInterval(-Double(2 * maxSkewSeconds)) }

    /// Headers and body digest, leaving the nonce to the caller's own write transaction (which
    /// must refuse a nonce used before, as ``PatchStorage/recordHeartbeat(agentID:nonce:hostID:facts:now:forgetNoncesBefore:)`` does).
    func authenticateDeferringNonce(
        _ request: Request,
        limit: Int
    ) async throws -> (
        verified: VerifiedHeaders, body: [UInt8]
    ) {
        let verified = try await authenticateHeaders(request)
        let body = try await JSONBody.collect(request, limit: limit)
        try verifyBody(verified, body: body)
        return (verified, body)
    }

    /// Both steps: headers first, then the body collected with `limit` bytes at most.
    func authenticate(_ request: Request, limit: Int) async throws -> (agent: AgentRecord, body: [UInt8]) {
        let verified = try await authenticateHeaders(request)
        let body = try await JSONBody.collect(request, limit: limit)
        return (try await authenticateBody(verified, body: body), body)
    }
}
