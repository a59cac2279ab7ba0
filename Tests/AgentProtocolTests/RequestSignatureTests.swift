import AgentProtocol
import Crypto
import Testing

@Suite struct RequestSignatureTests {
    enum Tamper: String, CaseIterable, CustomTestStringConvertible {
        case method, path, query, body, timestamp, nonce, otherKey, signatureBytes
        var testDescription: String { rawValue }
    }

    let key = Curve25519.Signing.PrivateKey()
    let method = "POST"
    let path = "/api/agent/v1/inventory?full=1"
    let body = Array(#"{"fingerprint":"sha256:abc"}"#.utf8)
    let timestamp: Int64 = 1_700_000_123
    let nonce = "q8Vb1pQ2r3s4t5u6v7w8xA"
    let agentID = "agt_01HZYX"

    func signed() throws -> RequestSignature {
        try RequestSignature.sign(
            method: method,
            path: path,
            body: body,
            agentID: agentID,
            key: key,
            timestamp: timestamp,
            nonce: nonce
        )
    }

    @Test func validSignaturePasses() throws {
        let signature = try signed()
        #expect(
            RequestSignature.isValid(
                signature: signature.signature,
                publicKey: key.publicKey,
                method: method,
                path: path,
                body: body,
                timestamp: timestamp,
                nonce: nonce
            )
        )
        #expect(signature.agentID == agentID)
        #expect(signature.timestamp == timestamp)
        #expect(signature.nonce == nonce)
        #expect(signature.bodyDigest == RequestSignature.digest(of: body))
        #expect(Base64.decode(signature.signature)?.count == 64)
    }

    @Test func signatureIsOverTheDocumentedCanonicalString() throws {
        let signature = try signed()
        let text =
            "PP1-ED25519\nPOST\n/api/agent/v1/inventory?full=1\n1700000123\nq8Vb1pQ2r3s4t5u6v7w8xA\n"
            + RequestSignature.digest(of: body)
        #expect(
            RequestSignature.canonicalString(
                method: "post",
                path: path,
                timestamp: timestamp,
                nonce: nonce,
                bodyDigest: RequestSignature.digest(of: body)
            ) == text
        )
        let raw = try #require(Base64.decode(signature.signature))
        #expect(key.publicKey.isValidSignature(raw, for: Array(text.utf8)))
    }

    @Test func methodIsCaseInsensitive() throws {
        let signature = try signed()
        #expect(
            RequestSignature.isValid(
                signature: signature.signature,
                publicKey: key.publicKey,
                method: "post",
                path: path,
                body: body,
                timestamp: timestamp,
                nonce: nonce
            )
        )
    }

    @Test(arguments: Tamper.allCases)
    func tamperedRequestFails(tamper: Tamper) throws {
        let original = try signed()
        var signature = original.signature
        var publicKey = key.publicKey
        var method = self.method
        var path = self.path
        var body = self.body
        var timestamp = self.timestamp
        var nonce = self.nonce
        switch tamper {
        case .method: method = "PUT"
        case .path: path = "/api/agent/v1/heartbeat?full=1"
        case .query: path = "/api/agent/v1/inventory?full=0"
        case .body: body[body.count - 3] ^= 0x01
        case .timestamp: timestamp += 1
        case .nonce: nonce = "q8Vb1pQ2r3s4t5u6v7w8xB"
        case .otherKey: publicKey = Curve25519.Signing.PrivateKey().publicKey
        case .signatureBytes:
            var raw = try #require(Base64.decode(signature))
            raw[10] ^= 0x80
            signature = Base64.encode(raw)
        }
        #expect(
            !RequestSignature.isValid(
                signature: signature,
                publicKey: publicKey,
                method: method,
                path: path,
                body: body,
                timestamp: timestamp,
                nonce: nonce
            )
        )
    }

    @Test(arguments: ["", "not base64!", "QUJD", String(repeating: "A", count: 88)])
    func malformedSignatureFails(signature: String) {
        #expect(
            !RequestSignature.isValid(
                signature: signature,
                publicKey: key.publicKey,
                method: method,
                path: path,
                body: body,
                timestamp: timestamp,
                nonce: nonce
            )
        )
    }

    @Test func headersCarryTheFiveValues() throws {
        let signature = try signed()
        let headers = signature.headers
        #expect(headers.count == 5)
        let byName = Dictionary(headers.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
        #expect(byName.count == 5)
        #expect(byName[SignatureHeader.agent] == agentID)
        #expect(byName[SignatureHeader.timestamp] == "1700000123")
        #expect(byName[SignatureHeader.nonce] == nonce)
        #expect(byName[SignatureHeader.contentSHA256] == RequestSignature.digest(of: body))
        #expect(byName[SignatureHeader.signature] == signature.signature)
        #expect(
            Set(byName.keys) == [
                "X-PatchPilot-Agent", "X-PatchPilot-Timestamp", "X-PatchPilot-Nonce", "X-PatchPilot-Signature",
                "X-PatchPilot-Content-SHA256",
            ]
        )
    }

    @Test func headersAloneAreEnoughToVerify() throws {
        let signature = try signed()
        let byName = Dictionary(signature.headers.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
        let headerTimestamp = try #require(byName[SignatureHeader.timestamp].flatMap { Int64($0) })
        #expect(
            RequestSignature.isValid(
                signature: try #require(byName[SignatureHeader.signature]),
                publicKey: key.publicKey,
                method: method,
                path: path,
                body: body,
                timestamp: headerTimestamp,
                nonce: try #require(byName[SignatureHeader.nonce])
            )
        )
    }

    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
    ])
    func digestIsLowercaseHexSHA256(body: String, expected: String) {
        #expect(RequestSignature.digest(of: Array(body.utf8)) == expected)
    }

    @Test func emptyBodyIsSignedAndVerified() throws {
        let signature = try RequestSignature.sign(
            method: "GET",
            path: "/api/agent/v1/heartbeat",
            body: [],
            agentID: agentID,
            key: key,
            timestamp: timestamp,
            nonce: nonce
        )
        #expect(signature.bodyDigest == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(
            RequestSignature.isValid(
                signature: signature.signature,
                publicKey: key.publicKey,
                method: "GET",
                path: "/api/agent/v1/heartbeat",
                body: [],
                timestamp: timestamp,
                nonce: nonce
            )
        )
        #expect(
            !RequestSignature.isValid(
                signature: signature.signature,
                publicKey: key.publicKey,
                method: "GET",
                path: "/api/agent/v1/heartbeat",
                body: [0],
                timestamp: timestamp,
                nonce: nonce
            )
        )
    }
}

/// Signature headers are bounded and checked before any body is read.
@Suite struct SignedRequestHeadersTests {
    static let key = Curve25519.Signing.PrivateKey()

    static func headers(timestamp: String, now: Int64 = 1_800_000_000) throws -> SignedRequestHeaders {
        let signed = try RequestSignature.sign(
            method: "POST",
            path: "/api/v1/agent/heartbeat",
            body: Array("{}".utf8),
            agentID: "agt_1",
            key: key,
            timestamp: 1_800_000_000,
            nonce: "0123456789abcdef"
        )
        return try SignedRequestHeaders(
            agent: signed.agentID,
            timestamp: timestamp,
            nonce: signed.nonce,
            signature: signed.signature,
            contentSHA256: signed.bodyDigest,
            now: now,
            maxSkewSeconds: 300
        )
    }

    @Test func aFreshSignatureVerifiesOverTheHeadersAndTheBodyMustMatch() throws {
        let parsed = try Self.headers(timestamp: "1800000000")
        #expect(parsed.isValid(publicKey: Self.key.publicKey, method: "POST", path: "/api/v1/agent/heartbeat"))
        #expect(!parsed.isValid(publicKey: Self.key.publicKey, method: "POST", path: "/api/v1/agent/inventory"))
        #expect(parsed.matches(body: Array("{}".utf8)))
        #expect(!parsed.matches(body: Array("{ }".utf8)))
    }

    @Test(arguments: [
        "-9223372036854775808", "9223372036854775807", "1800000301", "99999999999999999999999", "", "1e9",
    ])
    func absurdOrStaleTimestampsAreRefusedWithoutTrapping(timestamp: String) {
        #expect(throws: AgentProtocolError.self) { _ = try Self.headers(timestamp: timestamp) }
    }

    @Test func extremeServerClocksDoNotTrapEither() {
        #expect(throws: AgentProtocolError.self) { _ = try Self.headers(timestamp: "-9223372036854775808", now: .max) }
        #expect(throws: AgentProtocolError.self) { _ = try Self.headers(timestamp: "9223372036854775807", now: .min) }
    }
}
