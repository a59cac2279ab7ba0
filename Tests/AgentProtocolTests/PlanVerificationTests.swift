import AgentProtocol
import Crypto
import Foundation
import Testing

@Suite struct PlanVerificationTests {
    let serverKey = Curve25519.Signing.PrivateKey()

    func plan(host: String = "hst_1", sequence: Int64 = 5, expiresAt: Int64 = 2_000) -> UpdatePlan {
        UpdatePlan(
            id: "pln_1",
            hostID: host,
            sequence: sequence,
            issuedAt: 1_000,
            expiresAt: expiresAt,
            packages: [
                PlanPackage(name: "openssl", architecture: "amd64", version: "3.0.15-1~deb12u1", action: .upgrade),
                PlanPackage(
                    name: "hello-pp",
                    version: "1.1-1",
                    action: .install,
                    artifact: PlanArtifact(
                        url: "https://relay.example.net/pool/hello-pp_1.1-1_all.deb",
                        sha256: String(repeating: "a", count: 64)
                    )
                ),
            ],
            preChecks: [.freeSpace(path: "/var", minimumBytes: 1 << 30), .serviceActive(unit: "nginx.service")],
            postChecks: [
                .installedVersionsMatchPlan,
                .httpGet(url: "http://127.0.0.1/healthz", expectedStatus: 200, bodyContains: "ok"),
            ]
        )
    }

    func verifier(last: Int64 = 4) -> PlanVerifier {
        PlanVerifier(pinnedKey: serverKey.publicKey, hostID: "hst_1", lastSequence: last)
    }

    @Test func aValidPlanIsAcceptedAndAdvancesTheSequence() throws {
        var verifier = verifier()
        let accepted = try verifier.accept(try SignedPlan.sign(plan(), key: serverKey), now: 1_500)
        #expect(accepted == plan())
        #expect(verifier.lastSequence == 5)
    }

    @Test func aReplayedOrOlderSequenceIsRefused() throws {
        var verifier = verifier()
        let signed = try SignedPlan.sign(plan(), key: serverKey)
        _ = try verifier.accept(signed, now: 1_500)
        #expect(throws: PlanRejection.replayed(sequence: 5, lastSeen: 5)) { try verifier.accept(signed, now: 1_501) }
        #expect(throws: PlanRejection.replayed(sequence: 3, lastSeen: 5)) {
            try verifier.accept(try SignedPlan.sign(plan(sequence: 3), key: serverKey), now: 1_501)
        }
    }

    @Test func anotherHostsPlanIsRefused() throws {
        var verifier = verifier()
        #expect(throws: PlanRejection.wrongHost(expected: "hst_1", got: "hst_2")) {
            try verifier.accept(try SignedPlan.sign(plan(host: "hst_2"), key: serverKey), now: 1_500)
        }
        #expect(verifier.lastSequence == 4)
    }

    @Test func anExpiredPlanIsRefused() throws {
        var verifier = verifier()
        #expect(throws: PlanRejection.expired(expiresAt: 2_000, now: 2_000)) {
            try verifier.accept(try SignedPlan.sign(plan(), key: serverKey), now: 2_000)
        }
    }

    @Test func aPlanSignedByAnotherKeyIsRefused() throws {
        var verifier = verifier()
        let other = Curve25519.Signing.PrivateKey()
        let signed = try SignedPlan.sign(plan(), key: other)
        #expect(
            throws: PlanRejection.unknownKey(expected: SignedPlan.keyID(of: serverKey.publicKey), got: signed.keyID)
        ) {
            try verifier.accept(signed, now: 1_500)
        }
        // Claiming the pinned key id does not help: the signature is checked against the pinned key.
        var forged = signed
        forged.keyID = SignedPlan.keyID(of: serverKey.publicKey)
        #expect(throws: PlanRejection.badSignature) { try verifier.accept(forged, now: 1_500) }
    }

    @Test func aTamperedPayloadIsRefused() throws {
        var verifier = verifier()
        var signed = try SignedPlan.sign(plan(), key: serverKey)
        var bytes = try #require(Base64.decode(signed.payload))
        let text = String(decoding: bytes, as: UTF8.self).replacingOccurrences(
            of: "3.0.15-1~deb12u1",
            with: "3.0.99-1~deb12u1"
        )
        bytes = Array(text.utf8)
        signed.payload = Base64.encode(bytes)
        #expect(throws: PlanRejection.badSignature) { try verifier.accept(signed, now: 1_500) }
        signed.payload = "not base64!"
        #expect(throws: PlanRejection.self) { try verifier.accept(signed, now: 1_500) }
    }

    @Test func rejectionsSayWhy() {
        #expect(PlanRejection.expired(expiresAt: 10, now: 11).description == "plan expired at 10 (now 11)")
        #expect(PlanRejection.wrongHost(expected: "a", got: "b").description == "plan is for host b, this is host a")
    }
}
