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

/// Bodies out of range are refused at the HTTP edge with a 400 problem document whose detail names
/// the offending field, and nothing is stored.
@Suite struct RequestBoundsTests {
    /// A rollout option out of range, as JSON, and the field the answer must name.
    @Test(arguments: [
        ("canary", #""200%""#, "canary"),
        ("canary", #""0%""#, "canary"),
        ("canary", #""nan%""#, "canary"),
        ("errorBudget", #""-1""#, "errorBudget"),
        ("errorBudget", "-1", "errorBudget"),
        ("errorBudget", "9223372036854775807", "errorBudget"),
        ("maxConcurrency", "99999999999999999999999", "maxConcurrency"),
        ("maxConcurrency", "2.5", "maxConcurrency"),
        ("disruptionBudgets", #"{"billing":"101%"}"#, "disruptionBudgets.billing"),
    ])
    func rolloutBudgetsOutOfRangeAreRefusedNamingTheField(option: String, value: String, field: String) async throws {
        let (setup, router) = try await RolloutAPITests.setup()
        let harness = setup.harness
        var fields = harness.bearer(.operator)
        fields[.contentType] = "application/json"
        let headers = fields
        try await Application(router: router).test(.router) { client in
            let requests = [
                ("/api/v1/changes/\(setup.changeID)/rollout-plan", #"{"\#(option)":\#(value)}"#, field),
                (
                    "/api/v1/rollouts", #"{"change":"\#(setup.changeID)","options":{"\#(option)":\#(value)}}"#,
                    "options.\(field)"
                ),
            ]
            for (path, body, named) in requests {
                let response = try await client.execute(
                    uri: path,
                    method: .post,
                    headers: headers,
                    body: ByteBuffer(string: body)
                )
                #expect(response.status == .badRequest, "\(path) \(body): \(response.text)")
                #expect(response.headers[.contentType] == "application/problem+json")
                let problem = try response.json(ProblemDocument.self)
                #expect(problem.status == 400)
                #expect(problem.detail.hasPrefix("field '\(named)' "), "\(path) \(body): \(problem.detail)")
            }
        }
        #expect(try await harness.storage.rollouts(activeOnly: false, limit: 10).isEmpty)
        #expect(try await harness.storage.change(id: setup.changeID)?.state == .approved)
    }

    /// The budgets at their bounds are accepted (the refusals above are about the values, not the fields).
    @Test func rolloutBudgetsAtTheirBoundsArePlanned() async throws {
        let (setup, router) = try await RolloutAPITests.setup()
        var fields = setup.harness.bearer(.operator)
        fields[.contentType] = "application/json"
        let headers = fields
        try await Application(router: router).test(.router) { client in
            let response = try await client.execute(
                uri: "/api/v1/changes/\(setup.changeID)/rollout-plan",
                method: .post,
                headers: headers,
                body: ByteBuffer(string: #"{"canary":"100%","errorBudget":1000000,"maxConcurrency":"0.5%"}"#)
            )
            #expect(response.status == .ok, "\(response.text)")
        }
    }

    // MARK: POST /api/v1/policy

    static let validPolicy = "environments: [dev, prod]\n"

    static func applyBody(files: [(String, String)], reason: String = "test", dryRun: Bool = true) throws -> ByteBuffer
    {
        struct File: Encodable {
            var name: String
            var text: String
        }
        struct Body: Encodable {
            var files: [File]
            var reason: String
            var dryRun: Bool
        }
        let body = Body(files: files.map { File(name: $0.0, text: $0.1) }, reason: reason, dryRun: dryRun)
        return ByteBuffer(bytes: try JSONEncoder().encode(body))
    }

    /// A policy body out of bounds (its files and reason), and the field the answer must name.
    static let policyCases: [(String, [(String, String)], String, String)] = [
        ("too many files", (0...1000).map { ("p\($0).yaml", "") }, "test", "files"),
        ("no files", [], "test", "files"),
        ("a relative path", [("../../etc/policy.yaml", validPolicy)], "test", "files[0].name"),
        (
            "an absolute path", [("policy.yaml", validPolicy), ("/tmp/policy.yaml", validPolicy)], "test",
            "files[1].name"
        ),
        ("a backslash", [("a\\policy.yaml", validPolicy)], "test", "files[0].name"),
        ("a dot-dot", [("..", validPolicy)], "test", "files[0].name"),
        ("an empty name", [("", validPolicy)], "test", "files[0].name"),
        ("a control character", [("a\npolicy.yaml", validPolicy)], "test", "files[0].name"),
        ("a long name", [(String(repeating: "a", count: 251) + ".yaml", validPolicy)], "test", "files[0].name"),
        ("a repeated name", [("policy.yaml", validPolicy), ("policy.yaml", "")], "test", "files[1].name"),
        ("a long reason", [("policy.yaml", validPolicy)], String(repeating: "r", count: 4097), "reason"),
        ("a blank reason", [("policy.yaml", validPolicy)], " \n", "reason"),
    ]

    @Test(arguments: policyCases)
    func policyBodiesOutOfBoundsAreRefusedNamingTheField(
        _ what: String,
        files: [(String, String)],
        reason: String,
        field: String
    ) async throws {
        let harness = try await Harness.make()
        try await harness.application().test(.router) { client in
            var headers = harness.bearer(.admin)
            headers[.contentType] = "application/json"
            // Applied for real or as a dry run, it is refused just the same.
            for dryRun in [true, false] {
                let response = try await client.execute(
                    uri: "/api/v1/policy",
                    method: .post,
                    headers: headers,
                    body: try Self.applyBody(files: files, reason: reason, dryRun: dryRun)
                )
                #expect(response.status == .badRequest, "\(what): \(response.text)")
                #expect(response.headers[.contentType] == "application/problem+json")
                let problem = try response.json(ProblemDocument.self)
                #expect(problem.detail.hasPrefix("field '\(field)' "), "\(what): \(problem.detail)")
            }
        }
        #expect(try await harness.storage.currentPolicy() == nil)
    }

    @Test func policyBodiesAtTheBoundsAreApplied() async throws {
        let harness = try await Harness.make()
        try await harness.application().test(.router) { client in
            var headers = harness.bearer(.admin)
            headers[.contentType] = "application/json"
            let files =
                [("policy.yaml", Self.validPolicy), (String(repeating: "a", count: 250) + ".yaml", "")]
                + (2..<1000).map { ("p\($0).yml", "") }
            let response = try await client.execute(
                uri: "/api/v1/policy",
                method: .post,
                headers: headers,
                body: try Self.applyBody(files: files, reason: String(repeating: "r", count: 4096), dryRun: false)
            )
            #expect(response.status == .ok, "\(response.text)")
        }
        #expect(try await harness.storage.currentPolicy()?.files.count == 1000)
    }
}
