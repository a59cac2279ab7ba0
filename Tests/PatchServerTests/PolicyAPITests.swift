import ChangeControl
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import PatchAPI
import PatchServer
import PatchStore
import Testing

@Suite struct PolicyAPITests {
    static var policies: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("PatchPolicyTests/Fixtures/policies")
    }

    static func files(_ folder: String) throws -> [PolicyFile] {
        let directory = policies.appendingPathComponent(folder)
        return try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted().map {
            PolicyFile(name: $0, text: try String(contentsOf: directory.appendingPathComponent($0), encoding: .utf8))
        }
    }

    struct Apply: Encodable {
        var files: [PolicyFile]
        var reason: String
        var dryRun: Bool?
    }

    func body(_ value: Apply) throws -> ByteBuffer { ByteBuffer(bytes: try JSONEncoder().encode(value)) }

    @Test func policyIsValidatedDiffedAndAppliedWithWhoAndWhy() async throws {
        let harness = try await Harness.make()
        let valid = try Self.files("valid")
        try await harness.application().test(.router) { client in
            let forbidden = try await client.execute(
                uri: "/api/v1/policy",
                method: .post,
                headers: harness.bearer(.operator),
                body: try body(Apply(files: valid, reason: "first policy", dryRun: true))
            )
            #expect(forbidden.status == .forbidden)

            let dryRun = try await client.execute(
                uri: "/api/v1/policy",
                method: .post,
                headers: harness.bearer(.admin),
                body: try body(Apply(files: valid, reason: "first policy", dryRun: true))
            ).json(PolicyApplyResult.self)
            #expect(!dryRun.applied)
            #expect(!dryRun.changes.isEmpty)
            #expect(dryRun.changes.contains { $0.hasPrefix("+ ") }, "changes: \(dryRun.changes)")
            #expect(try await harness.storage.currentPolicy() == nil)

            let noReason = try await client.execute(
                uri: "/api/v1/policy",
                method: .post,
                headers: harness.bearer(.admin),
                body: try body(Apply(files: valid, reason: "  "))
            )
            #expect(noReason.status == .badRequest)

            let applied = try await client.execute(
                uri: "/api/v1/policy",
                method: .post,
                headers: harness.bearer(.admin),
                body: try body(Apply(files: valid, reason: "first policy"))
            ).json(PolicyApplyResult.self)
            #expect(applied.applied)
            #expect(applied.changes == dryRun.changes)

            let again = try await client.execute(
                uri: "/api/v1/policy",
                method: .post,
                headers: harness.bearer(.admin),
                body: try body(Apply(files: valid, reason: "no-op", dryRun: true))
            ).json(PolicyApplyResult.self)
            #expect(again.changes.isEmpty)

            var broken = valid
            broken.append(try Self.files("invalid").first { $0.name == "unknown-severity.yaml" }!)
            let rejected = try await client.execute(
                uri: "/api/v1/policy",
                method: .post,
                headers: harness.bearer(.admin),
                body: try body(Apply(files: broken, reason: "should fail"))
            )
            #expect(rejected.status == .unprocessableContent)
            #expect(rejected.text.contains("unknown-severity.yaml:"))

            let current = try await client.execute(
                uri: "/api/v1/policy",
                method: .get,
                headers: harness.bearer(.viewer)
            )
            #expect(current.status == .ok)
            #expect(current.text.contains("\"version\":\(applied.version ?? -1)"))
        }
        #expect(try await harness.storage.currentPolicy()?.files == valid)
        let events = try await harness.storage.events(limit: 50).filter { $0.action == "policy.applied" }
        #expect(events.count == 1)
        #expect(events.first?.actor == "user:admin-user")
        #expect(events.first?.details.contains("first policy") == true)
    }
}
