import AgentProtocol
import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import PatchStore

/// Verifies signed agent requests: known, unrevoked agent; fresh timestamp; valid Ed25519
/// signature over method, path, timestamp, nonce and body digest; nonce not seen before.
struct AgentAuthenticator: Sendable {
    let storage: any PatchStorage
    let clock: any WallClock
    let maxSkewSeconds: Int64

    /// The verified agent, or a 401 problem saying why (the reason is also logged).
    func authenticate(_ request: Request, body: [UInt8]) async throws -> AgentRecord {
        guard let agentID = request.headers[HTTPField.Name(SignatureHeader.agent)!],
            let timestampText = request.headers[HTTPField.Name(SignatureHeader.timestamp)!],
            let nonce = request.headers[HTTPField.Name(SignatureHeader.nonce)!],
            let signature = request.headers[HTTPField.Name(SignatureHeader.signature)!]
        else { throw Problem.unauthorized("request is not signed: signature headers missing") }
        guard let timestamp = Int64(timestampText) else {
            throw Problem.unauthorized("signature timestamp '\(timestampText)' is not a number")
        }
        let now = clock.now()
        let skew = abs(Int64(now.timeIntervalSince1970) - timestamp)
        guard skew <= maxSkewSeconds else {
            throw Problem.unauthorized(
                "signature timestamp is \(skew) s away from server time (limit \(maxSkewSeconds) s)"
            )
        }
        guard nonce.utf8.count >= 16, nonce.utf8.count <= 128 else {
            throw Problem.unauthorized("signature nonce must be 16 to 128 characters")
        }
        guard let agent = try await storage.agent(id: agentID) else {
            throw Problem.unauthorized("unknown agent")
        }
        guard !agent.isRevoked else { throw Problem.unauthorized("agent \(agentID) is revoked") }
        guard let rawKey = Base64.decode(agent.publicKey),
            let publicKey = try? Curve25519.Signing.PublicKey(rawRepresentation: rawKey)
        else { throw Problem.unauthorized("agent key is unusable") }
        guard
            RequestSignature.isValid(
                signature: signature,
                publicKey: publicKey,
                method: request.method.rawValue,
                path: request.uri.description,
                body: body,
                timestamp: timestamp,
                nonce: nonce
            )
        else { throw Problem.unauthorized("bad request signature") }
        let forgetBefore = now.addingTimeInterval(-Double(2 * maxSkewSeconds))
        guard try await storage.recordNonce(agentID: agentID, nonce: nonce, now: now, forgetBefore: forgetBefore) else {
            throw Problem.unauthorized("replayed request (nonce already used)")
        }
        return agent
    }
}
