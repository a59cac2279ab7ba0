import AgentProtocol
import ChangeControl
import FleetModel
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import PatchServer
import PatchStore
import Testing

@Suite struct InventoryUploadTests {
    let inventoryPath = "/api/v1/agent/inventory"

    @Test func fullThenDeltaUploadIsStoredWithHistory() async throws {
        let harness = try await Harness.make()
        let token = try await harness.enrollmentToken()
        try await harness.application().test(.router) { client in
            var agent = TestAgent()
            try await client.enroll(&agent, token: token)
            let full = try await client.signedPost(
                inventoryPath,
                InventoryUpload.full(agent.packages),
                agent: agent,
                clock: harness.clock
            )
            #expect(full.status == .ok)
            let base = agent.packages
            agent.packages[2].version = "3.0.15-1~deb12u2"
            agent.packages.removeFirst()
            agent.packages.append(
                InstalledPackage(name: "curl", architecture: "amd64", version: "7.88.1-10+deb12u8", manager: .dpkg)
            )
            harness.clock.advance(60)
            let delta = try await client.signedPost(
                inventoryPath,
                InventoryUpload.delta(from: base, to: agent.packages),
                agent: agent,
                clock: harness.clock
            )
            #expect(delta.status == .ok)
            let acknowledged = try delta.json(InventoryAcknowledgement.self)
            #expect(acknowledged.packageCount == 3)
            #expect(acknowledged.fingerprint == InventoryFingerprint.of(agent.packages))

            let packages = try await client.execute(
                uri: "/api/v1/hosts/\(agent.hostID)/packages",
                method: .get,
                headers: harness.bearer(.viewer)
            )
            #expect(packages.status == .ok)
            #expect(packages.text.contains("\"curl\""))
            #expect(!packages.text.contains("\"bash\""))
            #expect(packages.text.contains("\"util-linux\""))
        }
        let hostID = try #require(try await harness.storage.hosts(HostQuery()).hosts.first?.id)
        let history = try await harness.storage.inventoryHistory(hostID: hostID, limit: 100, offset: 0)
        #expect(history.filter { $0.kind == .added }.count == 4)
        #expect(history.contains { $0.kind == .removed && $0.name == "bash" && $0.oldVersion == "5.2.15-2+b8" })
        #expect(history.contains { $0.kind == .changed && $0.name == "openssl" && $0.newVersion == "3.0.15-1~deb12u2" })
    }

    @Test func deltaAgainstAnUnknownBaseIsAConflict() async throws {
        let harness = try await Harness.make()
        let token = try await harness.enrollmentToken()
        try await harness.application().test(.router) { client in
            var agent = TestAgent()
            try await client.enroll(&agent, token: token)
            var changed = agent.packages
            changed[0].version = "5.2.15-3"
            let response = try await client.signedPost(
                inventoryPath,
                InventoryUpload.delta(from: agent.packages, to: changed),
                agent: agent,
                clock: harness.clock
            )
            #expect(response.status == .conflict)
            #expect(response.text.contains("baseFingerprint"))
        }
    }

    /// Each case: a JSON body and the field its error must name; nothing may be stored.
    static let malformedBodies: [(String, String)] = [
        (
            #"{"fingerprint":"x","packages":[{"name":"a","architecture":"amd64","version":"1","sourceName":"a","sourceVersion":"1","state":"installed"}]}"#,
            "packages[0].manager"
        ),
        (
            #"{"fingerprint":"x","packages":[{"name":"a","architecture":"amd64","version":"1","sourceName":"a","sourceVersion":"1","state":"bogus","manager":"dpkg"}]}"#,
            "packages[0].state"
        ),
        (
            #"{"fingerprint":"x","packages":[{"name":"","architecture":"amd64","version":"1","sourceName":"a","sourceVersion":"1","state":"installed","manager":"dpkg"}]}"#,
            "packages[0].name"
        ),
        (
            #"{"fingerprint":"x","packages":[{"name":"a","architecture":"amd64","version":7,"sourceName":"a","sourceVersion":"1","state":"installed","manager":"dpkg"}]}"#,
            "packages[0].version"
        ),
        (#"{"packages":[]}"#, "fingerprint"),
        (#"{"fingerprint":"x"}"#, "packages"),
        (#"not json"#, "JSON"),
        (#"{"fingerprint":"sha256:00","packages":[]}"#, "fingerprint"),
    ]

    @Test(arguments: malformedBodies)
    func malformedInventoryIsRejectedNamingTheFieldAndNothingIsStored(body: String, field: String) async throws {
        let harness = try await Harness.make()
        let token = try await harness.enrollmentToken()
        try await harness.application().test(.router) { client in
            var agent = TestAgent()
            try await client.enroll(&agent, token: token)
            let bytes = Array(body.utf8)
            let headers = try agent.signedHeaders(path: inventoryPath, body: bytes, time: harness.clock.now())
            let response = try await client.execute(
                uri: inventoryPath,
                method: .post,
                headers: headers,
                body: ByteBuffer(bytes: bytes)
            )
            #expect(response.status == .badRequest)
            #expect(response.headers[.contentType] == "application/problem+json")
            #expect(response.text.contains(field), "problem \(response.text) should name \(field)")
            let stored = try await harness.storage.inventory(hostID: agent.hostID)
            #expect(stored.fingerprint == nil)
            #expect(stored.packages.isEmpty)
        }
    }

    @Test func oversizeInventoryIsRejectedWith413AndNothingIsStored() async throws {
        let harness = try await Harness.make { $0.maxAgentBodyBytes = 4096 }
        let token = try await harness.enrollmentToken()
        try await harness.application().test(.router) { client in
            var agent = TestAgent()
            try await client.enroll(&agent, token: token)
            agent.packages = (0..<200).map {
                InstalledPackage(name: "package-\($0)", architecture: "amd64", version: "1.0-\($0)", manager: .dpkg)
            }
            let response = try await client.signedPost(
                inventoryPath,
                InventoryUpload.full(agent.packages),
                agent: agent,
                clock: harness.clock
            )
            #expect(response.status == .contentTooLarge)
            #expect(try await harness.storage.inventory(hostID: agent.hostID).packages.isEmpty)
        }
    }

    @Test func tooManyPackagesIsRejected() async throws {
        let harness = try await Harness.make { $0.maxPackagesPerHost = 10 }
        let token = try await harness.enrollmentToken()
        try await harness.application().test(.router) { client in
            var agent = TestAgent()
            try await client.enroll(&agent, token: token)
            agent.packages = (0..<11).map {
                InstalledPackage(name: "package-\($0)", architecture: "amd64", version: "1.0", manager: .dpkg)
            }
            let response = try await client.signedPost(
                inventoryPath,
                InventoryUpload.full(agent.packages),
                agent: agent,
                clock: harness.clock
            )
            #expect(response.status == .contentTooLarge)
            #expect(response.text.contains("limit is 10"))
        }
    }

    @Test func duplicatePackageKeysAreRejected() async throws {
        let harness = try await Harness.make()
        let token = try await harness.enrollmentToken()
        try await harness.application().test(.router) { client in
            var agent = TestAgent()
            try await client.enroll(&agent, token: token)
            agent.packages.append(agent.packages[0])
            let response = try await client.signedPost(
                inventoryPath,
                InventoryUpload.full(agent.packages),
                agent: agent,
                clock: harness.clock
            )
            #expect(response.status == .badRequest)
            #expect(response.text.contains("packages[3]: duplicate package bash:amd64"))
        }
    }

    @Test func heartbeatAfterUploadReportsNothingWanted() async throws {
        let harness = try await Harness.make()
        let token = try await harness.enrollmentToken()
        try await harness.application().test(.router) { client in
            var agent = TestAgent()
            try await client.enroll(&agent, token: token)
            _ = try await client.signedPost(
                inventoryPath,
                InventoryUpload.full(agent.packages),
                agent: agent,
                clock: harness.clock
            )
            let beat = HeartbeatRequest(
                facts: agent.facts,
                inventoryFingerprint: InventoryFingerprint.of(agent.packages)
            )
            let answer = try await client.signedPost(
                "/api/v1/agent/heartbeat",
                beat,
                agent: agent,
                clock: harness.clock
            )
            .json(HeartbeatResponse.self)
            #expect(!answer.inventoryWanted)
            #expect(answer.storedFingerprint == InventoryFingerprint.of(agent.packages))
        }
    }
}
