import Crypto

/// The signature headers of an agent request, parsed and bounded before anything else is looked
/// at: no header value can make the server trap, allocate much or hash a body it has not agreed to
/// read. The body digest is the one the agent announces in `X-PatchPilot-Content-SHA256`; it is part
/// of the signed text, so the signature can be checked before the body is read, and the body must
/// then hash to it.
public struct SignedRequestHeaders: Sendable, Hashable {
    /// The agent id.
    public var agentID: String
    /// Unix time in seconds.
    public var timestamp: Int64
    /// The nonce.
    public var nonce: String
    /// The raw Ed25519 signature.
    public var signature: [UInt8]
    /// The announced lowercase hex SHA-256 of the body.
    public var bodyDigest: String

    /// Parses and bounds the header values; `now` and `maxSkewSeconds` bound the timestamp with
    /// overflow-checked arithmetic (a timestamp of `Int64.min` is a refusal, not a trap).
    public init(
        agent: String?,
        timestamp: String?,
        nonce: String?,
        signature: String?,
        contentSHA256: String?,
        now: Int64,
        maxSkewSeconds: Int64
    ) throws(AgentProtocolError) {
        guard let agent, let timestamp, let nonce, let signature, let contentSHA256 else {
            throw AgentProtocolError(
                code: .unsignedRequest,
                message: "request is not signed: signature headers missing"
            )
        }
        guard (1...128).contains(agent.utf8.count) else {
            throw AgentProtocolError(code: .unsignedRequest, message: "agent id must be 1 to 128 characters")
        }
        guard timestamp.utf8.count <= 20, let seconds = Int64(timestamp) else {
            throw AgentProtocolError(
                code: .unsignedRequest,
                message: "signature timestamp '\(timestamp.prefix(32))' is not a number"
            )
        }
        let (difference, overflow) = now.subtractingReportingOverflow(seconds)
        guard !overflow, maxSkewSeconds >= 0, difference.magnitude <= maxSkewSeconds.magnitude else {
            throw AgentProtocolError(
                code: .staleRequest,
                message: "signature timestamp \(seconds) is more than \(maxSkewSeconds) s away from server time \(now)"
            )
        }
        guard (16...128).contains(nonce.utf8.count) else {
            throw AgentProtocolError(code: .unsignedRequest, message: "signature nonce must be 16 to 128 characters")
        }
        guard contentSHA256.utf8.count == 64,
            contentSHA256.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) })
        else {
            throw AgentProtocolError(
                code: .unsignedRequest,
                message: "header \(SignatureHeader.contentSHA256) must be 64 lowercase hex digits"
            )
        }
        guard signature.utf8.count <= 128, let raw = Base64.decode(signature), raw.count == 64 else {
            throw AgentProtocolError(code: .invalidSignature, message: "bad request signature")
        }
        self.agentID = agent
        self.timestamp = seconds
        self.nonce = nonce
        self.signature = raw
        self.bodyDigest = contentSHA256
    }

    /// Whether the signature by `publicKey` covers `method`, `path` and these headers.
    public func isValid(publicKey: Curve25519.Signing.PublicKey, method: String, path: String) -> Bool {
        let text = RequestSignature.canonicalString(
            method: method,
            path: path,
            timestamp: timestamp,
            nonce: nonce,
            bodyDigest: bodyDigest
        )
        return publicKey.isValidSignature(signature, for: Array(text.utf8))
    }

    /// Whether `body` hashes to the announced digest.
    public func matches<Body: Sequence>(body: Body) -> Bool where Body.Element == UInt8 {
        RequestSignature.digest(of: body) == bodyDigest
    }
}
