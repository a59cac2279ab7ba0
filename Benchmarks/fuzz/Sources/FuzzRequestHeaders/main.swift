// Agent request-signature headers as the server reads them before any body: the input is split at
// newlines into agent id, timestamp, nonce, signature, content digest, method and path (what an
// unauthenticated client controls), then SignedRequestHeaders parses and bounds them against a
// fixed server clock. Whatever parses must be within the skew, and its signature is checked the
// way the server checks it. One input in 64 also signs a request with a known key and checks that
// the headers it yields parse and verify (a round trip that must hold).
import AgentProtocol
import Crypto
import Foundation
import FuzzSupport

let agentKey = try! Curve25519.Signing.PrivateKey(rawRepresentation: [UInt8](repeating: 9, count: 32))
let now: Int64 = 1_767_225_600
let maxSkew: Int64 = 300

@_cdecl("LLVMFuzzerTestOneInput")
func fuzzRequestHeaders(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let (selector, rest) = FuzzInput(data, size).selectorAndRest
    let fields = rest.split(separator: 0x0A, maxSplits: 7, omittingEmptySubsequences: false).map {
        String(decoding: $0, as: UTF8.self)
    }
    func field(_ index: Int) -> String? {
        // An absent header is modelled by a field that is exactly "-".
        guard fields.indices.contains(index), fields[index] != "-" else { return nil }
        return fields[index]
    }
    let method = field(5) ?? "POST"
    let path = field(6) ?? "/api/v1/agent/heartbeat"
    let body = fields.count > 7 ? Array(fields[7].utf8) : []
    if let parsed = try? SignedRequestHeaders(
        agent: field(0),
        timestamp: field(1),
        nonce: field(2),
        signature: field(3),
        contentSHA256: field(4),
        now: now,
        maxSkewSeconds: maxSkew
    ) {
        invariant(abs(parsed.timestamp - now) <= maxSkew, "timestamp \(parsed.timestamp) outside the skew")
        invariant((1...128).contains(parsed.agentID.utf8.count), "agent id of \(parsed.agentID.utf8.count) bytes")
        invariant(parsed.signature.count == 64, "signature of \(parsed.signature.count) bytes")
        invariant(parsed.bodyDigest.utf8.count == 64, "digest of \(parsed.bodyDigest.utf8.count) bytes")
        _ = parsed.isValid(publicKey: agentKey.publicKey, method: method, path: path)
        _ = parsed.matches(body: body)
    }
    // Extreme server clocks must not trap either.
    _ = try? SignedRequestHeaders(
        agent: "a",
        timestamp: field(1),
        nonce: String(repeating: "n", count: 16),
        signature: field(3),
        contentSHA256: field(4),
        now: selector & 1 == 0 ? .max : .min,
        maxSkewSeconds: .max
    )
    if selector % 64 == 0 {
        let signed = try! RequestSignature.sign(
            method: method,
            path: path,
            body: body,
            agentID: "agt_fuzz",
            key: agentKey,
            timestamp: now,
            nonce: "0123456789abcdef"
        )
        let parsed = try! SignedRequestHeaders(
            agent: signed.agentID,
            timestamp: String(signed.timestamp),
            nonce: signed.nonce,
            signature: signed.signature,
            contentSHA256: signed.bodyDigest,
            now: now,
            maxSkewSeconds: maxSkew
        )
        invariant(parsed.isValid(publicKey: agentKey.publicKey, method: method, path: path), "own signature refused")
        invariant(parsed.matches(body: body), "own body does not match its digest")
    }
    return 0
}

runFuzzer(fuzzRequestHeaders)
