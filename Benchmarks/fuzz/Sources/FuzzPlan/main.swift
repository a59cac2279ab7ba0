// Agent-protocol documents. The first byte picks what the rest is:
//   0: a SignedPlan as the agent receives it (JSON) → PlanVerifier.accept;
//   1: an UpdatePlan payload, signed here with the pinned key so decoding and the host, expiry and
//      sequence checks behind the signature are reached; an accepted plan must survive re-signing;
//   2: an InventoryUpload as the server receives it (JSON) → fingerprint and delta application;
//   3: request-signature fields (method, path, nonce, timestamp, signature lines, then the body) →
//      RequestSignature.isValid, and a sign/verify round trip that must hold.
import AgentProtocol
import Crypto
import FleetModel
import Foundation
import FuzzSupport

let planKey = try! Curve25519.Signing.PrivateKey(rawRepresentation: [UInt8](repeating: 7, count: 32))
let agentKey = try! Curve25519.Signing.PrivateKey(rawRepresentation: [UInt8](repeating: 9, count: 32))
let hostID = "host-1"
let now: Int64 = 1_767_225_600

// Also exported under libFuzzer's conventional name, which its (unused) main refers to.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzPlan(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let (selector, rest) = FuzzInput(data, size).selectorAndRest
    switch selector % 4 {
    case 0: signedPlan(rest)
    case 1: payload(rest)
    case 2: inventory(rest)
    default: requestSignature(rest)
    }
    return 0
}

func signedPlan(_ bytes: [UInt8]) {
    guard let signed = try? JSONDecoder().decode(SignedPlan.self, from: Data(bytes)) else { return }
    var verifier = PlanVerifier(pinnedKey: planKey.publicKey, hostID: hostID, lastSequence: 0)
    if let plan = try? verifier.accept(signed, now: now) { checkAccepted(plan, verifier) }
}

func payload(_ bytes: [UInt8]) {
    let signature = try! planKey.signature(for: Array("PP1-PLAN\n".utf8) + bytes)
    let signed = SignedPlan(
        payload: Base64.encode(bytes),
        signature: Base64.encode(Array(signature)),
        keyID: SignedPlan.keyID(of: planKey.publicKey)
    )
    invariant(Base64.decode(signed.payload) == bytes, "base64 does not round-trip")
    let wire = try! JSONEncoder().encode(signed)
    let received = try! JSONDecoder().decode(SignedPlan.self, from: wire)
    var verifier = PlanVerifier(pinnedKey: planKey.publicKey, hostID: hostID, lastSequence: 0)
    guard let plan = try? verifier.accept(received, now: now) else { return }
    checkAccepted(plan, verifier)
    var replay = verifier
    invariant((try? replay.accept(received, now: now)) == nil, "a replayed plan was accepted")
    var fresh = PlanVerifier(pinnedKey: planKey.publicKey, hostID: hostID, lastSequence: 0)
    let resigned = try! SignedPlan.sign(plan, key: planKey)
    invariant((try? fresh.accept(resigned, now: now)) == plan, "a re-signed plan does not verify to itself")
}

func checkAccepted(_ plan: UpdatePlan, _ verifier: PlanVerifier) {
    invariant(plan.hostID == hostID, "plan for \(plan.hostID) accepted")
    invariant(now < plan.expiresAt, "expired plan accepted")
    invariant(plan.sequence > 0 && verifier.lastSequence == plan.sequence, "sequence not advanced")
    _ = try? JSONEncoder().encode(plan)
}

func inventory(_ bytes: [UInt8]) {
    guard let upload = try? JSONDecoder().decode(InventoryUpload.self, from: Data(bytes)) else { return }
    let base = upload.packages ?? []
    // Order-independent for lists with one record per (name, architecture), as dpkg and rpm give.
    if Set(base.map(\.key)).count == base.count {
        invariant(
            InventoryFingerprint.of(base) == InventoryFingerprint.of(base.reversed()),
            "fingerprint depends on order"
        )
    }
    if let delta = upload.delta {
        let applied = delta.applied(to: base)
        _ = InventoryFingerprint.of(applied)
        PackageListChecks.exercise(applied)
    }
    PackageListChecks.exercise(base)
}

func requestSignature(_ bytes: [UInt8]) {
    let fields = bytes.split(separator: 0x0A, maxSplits: 5, omittingEmptySubsequences: false)
        .map { String(decoding: $0, as: UTF8.self) }
    func field(_ index: Int) -> String { index < fields.count ? fields[index] : "" }
    let body =
        fields.count > 5 ? Array(bytes.split(separator: 0x0A, maxSplits: 5, omittingEmptySubsequences: false)[5]) : []
    let method = field(0)
    let path = field(1)
    let nonce = field(2)
    let timestamp = Int64(field(3)) ?? now
    _ = RequestSignature.isValid(
        signature: field(4),
        publicKey: agentKey.publicKey,
        method: method,
        path: path,
        body: body,
        timestamp: timestamp,
        nonce: nonce
    )
    let signed = try! RequestSignature.sign(
        method: method,
        path: path,
        body: body,
        agentID: "agent-1",
        key: agentKey,
        timestamp: timestamp,
        nonce: nonce
    )
    invariant(signed.bodyDigest == RequestSignature.digest(of: body), "digest differs")
    invariant(
        RequestSignature.isValid(
            signature: signed.signature,
            publicKey: agentKey.publicKey,
            method: method,
            path: path,
            body: body,
            timestamp: timestamp,
            nonce: nonce
        ),
        "a fresh signature does not verify"
    )
    invariant(
        !RequestSignature.isValid(
            signature: signed.signature,
            publicKey: agentKey.publicKey,
            method: method,
            path: path,
            body: body + [0],
            timestamp: timestamp,
            nonce: nonce
        ),
        "a signature verifies for another body"
    )
    _ = signed.headers
}

runFuzzer(fuzzPlan)
