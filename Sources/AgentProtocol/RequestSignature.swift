import Crypto

/// The HTTP header names that carry an agent's request signature.
public enum SignatureHeader {
    /// The agent id.
    public static let agent = "X-PatchPilot-Agent"
    /// Unix time in seconds when the request was signed.
    public static let timestamp = "X-PatchPilot-Timestamp"
    /// A random value used once per agent.
    public static let nonce = "X-PatchPilot-Nonce"
    /// Base64 Ed25519 signature over ``RequestSignature/canonicalString``.
    public static let signature = "X-PatchPilot-Signature"
    /// Lowercase hex SHA-256 of the request body, for proxies and logs; the server recomputes the
    /// digest from the body it received and never trusts this header.
    public static let contentSHA256 = "X-PatchPilot-Content-SHA256"
}

/// The parts of a signed agent request.
///
/// The signed text is `PP1-ED25519\n<METHOD>\n<path with query>\n<timestamp>\n<nonce>\n<hex sha256 of body>`.
/// Binding the method, path and body digest stops a captured signature from being reused for
/// another request; the timestamp and nonce stop it from being replayed.
public struct RequestSignature: Sendable, Hashable {
    /// The agent id.
    public var agentID: String
    /// Unix time in seconds.
    public var timestamp: Int64
    /// The nonce: 16 to 128 characters, used once per agent (the agent sends hex of 16 random bytes).
    public var nonce: String
    /// The hex SHA-256 of the body.
    public var bodyDigest: String
    /// The signature, base64.
    public var signature: String

    /// Creates a signature record.
    public init(agentID: String, timestamp: Int64, nonce: String, bodyDigest: String, signature: String) {
        self.agentID = agentID
        self.timestamp = timestamp
        self.nonce = nonce
        self.bodyDigest = bodyDigest
        self.signature = signature
    }

    /// The text that is signed.
    public static func canonicalString(
        method: String,
        path: String,
        timestamp: Int64,
        nonce: String,
        bodyDigest: String
    ) -> String {
        "PP1-ED25519\n\(method.uppercased())\n\(path)\n\(timestamp)\n\(nonce)\n\(bodyDigest)"
    }

    /// Hex SHA-256 of a body.
    public static func digest<Body: Sequence>(of body: Body) -> String where Body.Element == UInt8 {
        Hex.encode(SHA256.hash(data: Array(body)))
    }

    /// Signs a request with the agent's private key.
    public static func sign(
        method: String,
        path: String,
        body: [UInt8],
        agentID: String,
        key: Curve25519.Signing.PrivateKey,
        timestamp: Int64,
        nonce: String
    ) throws -> RequestSignature {
        let digest = digest(of: body)
        let text = canonicalString(method: method, path: path, timestamp: timestamp, nonce: nonce, bodyDigest: digest)
        let signature = try key.signature(for: Array(text.utf8))
        return RequestSignature(
            agentID: agentID,
            timestamp: timestamp,
            nonce: nonce,
            bodyDigest: digest,
            signature: Base64.encode(Array(signature))
        )
    }

    /// Headers to attach to the request.
    public var headers: [(name: String, value: String)] {
        [
            (SignatureHeader.agent, agentID),
            (SignatureHeader.timestamp, String(timestamp)),
            (SignatureHeader.nonce, nonce),
            (SignatureHeader.contentSHA256, bodyDigest),
            (SignatureHeader.signature, signature),
        ]
    }

    /// Whether `signature` is a valid signature by `publicKey` over this request.
    ///
    /// The body digest is recomputed from `body`, never taken from the header.
    public static func isValid(
        signature: String,
        publicKey: Curve25519.Signing.PublicKey,
        method: String,
        path: String,
        body: [UInt8],
        timestamp: Int64,
        nonce: String
    ) -> Bool {
        guard let raw = Base64.decode(signature) else { return false }
        let text = canonicalString(
            method: method,
            path: path,
            timestamp: timestamp,
            nonce: nonce,
            bodyDigest: digest(of: body)
        )
        return publicKey.isValidSignature(raw, for: Array(text.utf8))
    }
}
