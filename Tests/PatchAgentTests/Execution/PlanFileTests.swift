import AgentProtocol
import Crypto
import Foundation
import Testing

@testable import PatchAgent

@Suite struct PlanFileTests {
    private let key = Curve25519.Signing.PrivateKey()
    private var publicKey: String { Base64.encode(Array(key.publicKey.rawRepresentation)) }

    private func plan(sequence: Int64 = 5, expiresAt: Int64 = 2000) -> UpdatePlan {
        UpdatePlan(
            id: "plan-\(sequence)",
            hostID: "host-1",
            sequence: sequence,
            issuedAt: 1000,
            expiresAt: expiresAt,
            packages: [PlanPackage(name: "demo", version: "1.1", action: .upgrade)]
        )
    }

    private func write<T: Encodable>(_ value: T, in directory: String) throws -> String {
        let path = directory + "/plan-\(UUID().uuidString).json"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try JSONEncoder().encode(value).write(to: URL(fileURLWithPath: path))
        return path
    }

    private func temporaryState() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("pp-planfile-\(UUID().uuidString)").path
    }

    @Test func signedPlanIsVerifiedAndSequenceAdvances() throws {
        let state = temporaryState()
        defer { try? FileManager.default.removeItem(atPath: state) }
        let reader = PlanFile(stateDirectory: state, now: { 1500 })
        let path = try write(try SignedPlan.sign(plan(), key: key), in: state)
        let loaded = try reader.load(path: path, planKey: publicKey, allowUnsigned: false, hostID: "host-1")
        #expect(loaded == plan())
        #expect(reader.lastSequence == 5)
        // The same plan again is a replay…
        #expect(throws: ExecutionError.self) {
            try reader.load(path: path, planKey: publicKey, allowUnsigned: false, hostID: "host-1")
        }
        // …unless its journal exists: then it is being resumed, even after it expired.
        try Journal(stateDirectory: state, planID: "plan-5").append(JournalRecord(kind: .stepStarted, time: 1))
        let late = PlanFile(stateDirectory: state, now: { 9999 })
        #expect(try late.load(path: path, planKey: publicKey, allowUnsigned: false, hostID: "host-1") == plan())
    }

    @Test func refusals() throws {
        let state = temporaryState()
        defer { try? FileManager.default.removeItem(atPath: state) }
        let reader = PlanFile(stateDirectory: state, now: { 1500 })
        let signed = try write(try SignedPlan.sign(plan(), key: key), in: state)
        let bare = try write(plan(), in: state)
        let otherKey = Base64.encode(Array(Curve25519.Signing.PrivateKey().publicKey.rawRepresentation))
        let cases: [(String, String?, Bool, String?, String)] = [
            (signed, otherKey, false, "host-1", "signed by key"),
            (signed, publicKey, false, "host-2", "for host host-1"),
            (signed, "not base64!", false, "host-1", "not a base64 Ed25519 public key"),
            (bare, nil, false, nil, "pass --unsigned"),
            (bare, publicKey, false, "host-1", "not a signed plan"),
            (state + "/missing.json", nil, true, nil, "cannot read"),
        ]
        for (path, planKey, unsigned, host, message) in cases {
            let error = #expect(throws: ExecutionError.self) {
                try reader.load(path: path, planKey: planKey, allowUnsigned: unsigned, hostID: host)
            }
            #expect(error?.code == .planRejected)
            #expect(error?.message.contains(message) == true, "\(error?.message ?? "") lacks \(message)")
        }
        let expired = try write(try SignedPlan.sign(plan(sequence: 6, expiresAt: 1400), key: key), in: state)
        #expect(throws: ExecutionError.self) {
            try reader.load(path: expired, planKey: publicKey, allowUnsigned: false, hostID: "host-1")
        }
    }

    @Test func unsignedPlanWhenAskedFor() throws {
        let state = temporaryState()
        defer { try? FileManager.default.removeItem(atPath: state) }
        let path = try write(plan(), in: state)
        #expect(
            try PlanFile(stateDirectory: state).load(path: path, planKey: nil, allowUnsigned: true, hostID: nil)
                == plan()
        )
    }
}
