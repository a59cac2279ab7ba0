import AgentProtocol
import FleetModel
import Foundation
import PatchAPI
import Testing

/// The API's request bodies and query parameters check themselves: every number from outside is
/// range-checked before anything converts it, every error names the field.
@Suite struct RequestValidationTests {
    static func decode<T: APIRequestBody>(_ type: T.Type, _ json: String) throws -> T {
        try APIBody.decode(type, from: Array(json.utf8))
    }

    static func refusal<T: APIRequestBody>(_ type: T.Type, _ json: String) -> String? {
        do {
            _ = try decode(type, json)
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test(arguments: [
        (#"{"name":"x","expiresInSeconds":9223372036854775807}"#, "expiresInSeconds"),
        (#"{"name":"x","expiresInSeconds":59}"#, "expiresInSeconds"),
        (#"{"name":"","expiresInSeconds":3600}"#, "name"),
        (#"{"name":"x","expiresInSeconds":1e400}"#, "JSON"),  // refused by the JSON reader itself
        (#"{"name":"x","expiresInSeconds":"soon"}"#, "expiresInSeconds"),
    ])
    func tokenRequests(json: String, field: String) {
        let refusal = Self.refusal(APITokenRequest.self, json)
        #expect(refusal?.contains(field) == true, "\(refusal ?? "accepted")")
    }

    @Test func elevationsAndEnrollmentTokensAreBounded() throws {
        #expect(
            Self.refusal(
                ElevationRequest.self,
                #"{"role":"admin","durationMinutes":9223372036854775807,"reason":"x"}"#
            )?.contains("durationMinutes") == true
        )
        #expect(
            try Self.decode(ElevationRequest.self, #"{"role":"admin","durationMinutes":60,"reason":"x"}"#)
                .durationMinutes == 60
        )
        #expect(Self.refusal(EnrollmentTokenRequest.self, #"{"uses":0}"#)?.contains("uses") == true)
        #expect(Self.refusal(EnrollmentTokenRequest.self, #"{"host":"hst_1","uses":2}"#)?.contains("re-enroll") == true)
        #expect(try Self.decode(EnrollmentTokenRequest.self, "").uses == nil)
    }

    @Test(arguments: [
        (#"{"taskMinutes":9223372036854775807}"#, "taskMinutes"),
        (#"{"bakeTimeSeconds":-1}"#, "bakeTimeSeconds"),
        (#"{"leaseSeconds":0}"#, "leaseSeconds"),
        (#"{"canary":"200%"}"#, "200%"),
        (#"{"canary":-3}"#, "negative"),
        (#"{"preChecks":[{"tcpConnect":{"host":"db","port":70000}}]}"#, "preChecks[0].port"),
        (
            #"{"metricGates":[{"name":"p99","query":"q","direction":"increase","relativeTolerance":1e308}]}"#,
            "relativeTolerance"
        ),
    ])
    func rolloutOptions(json: String, expected: String) {
        let refusal = Self.refusal(RolloutOptions.self, json)
        #expect(refusal?.contains(expected) == true, "\(refusal ?? "accepted")")
    }

    @Test func planDraftsBoundWhatTheAgentWillRun() throws {
        let base = #"{"packages":[{"name":"openssl","version":"3.0.16","action":"upgrade"}]"#
        #expect(try Self.decode(PlanDraft.self, base + "}").packages.count == 1)
        #expect(Self.refusal(PlanDraft.self, #"{"packages":[]}"#)?.contains("packages") == true)
        for (extra, field) in [
            (#","timeBudgetSeconds":9223372036854775807"#, "timeBudgetSeconds"),
            (#","validForSeconds":10"#, "validForSeconds"),
            (
                #","preChecks":[{"backupMarker":{"path":"/x","maximumAgeHours":9223372036854775807}}]"#,
                "maximumAgeHours"
            ),
            (#","postChecks":[{"httpGet":{"url":"http://x","expectedStatus":99999}}]"#, "expectedStatus"),
        ] {
            let refusal = Self.refusal(PlanDraft.self, base + extra + "}")
            #expect(refusal?.contains(field) == true, "\(extra): \(refusal ?? "accepted")")
        }
    }

    @Test func hostFactsNumbersAreRangeChecked() throws {
        var facts = HostFacts(
            hostname: "web-1",
            machineID: "m",
            bootID: "b",
            os: OSRelease(id: "debian", versionID: "12"),
            architecture: "x86_64",
            kernelRunning: "6.1"
        )
        for uptime in [1e300, -1, .infinity, .nan] {
            facts.uptimeSeconds = uptime
            let beat = HeartbeatRequest(facts: facts, inventoryFingerprint: "f")
            #expect(throws: APIInputError.self) { try beat.validate() }
        }
        facts.uptimeSeconds = 3600
        try HeartbeatRequest(facts: facts, inventoryFingerprint: "f").validate()
    }

    @Test func reportsAreBounded() {
        let report = PlanReport(
            planID: "pln_1",
            sequence: 1,
            outcome: .completed,
            steps: [StepResult(step: "apply", startedAt: -1, endedAt: 2, outcome: .succeeded)]
        )
        #expect(throws: APIInputError.self) { try report.validate() }
    }

    @Test func queryParameters() throws {
        let query = try QueryParameters(parsing: "limit=10&offset=20&q=a+b%20c&q=second&flag")
        #expect(try query.paging(defaultLimit: 50, maxLimit: 100) == (10, 20))
        #expect(query["q"] == "a b c")
        #expect(query["flag"] == "")
        for text in [
            "offset=9223372036854775807", "offset=-1", "limit=0", "limit=101", "limit=99999999999999999999999",
        ] {
            #expect(throws: APIInputError.self, "\(text)") {
                _ = try QueryParameters(parsing: text).paging(defaultLimit: 50, maxLimit: 100)
            }
        }
        #expect(throws: APIInputError.self) { _ = try QueryParameters(parsing: "q=%zz") }
        #expect(try QueryParameters.decodePath("al%69ce+x", what: "p") == "alice+x")
        #expect(try QueryParameters(parsing: "b=maybe").boolean("x") == nil)
        #expect(throws: APIInputError.self) { _ = try QueryParameters(parsing: "b=maybe").boolean("b") }
    }

    @Test func emptyBodiesReadAsEmptyObjects() throws {
        #expect(try Self.decode(CommentRequest.self, "").comment == nil)
        #expect(Self.refusal(CommentRequest.self, "  \n")?.contains("not valid JSON") == true)
        #expect(Self.refusal(CommentRequest.self, "[")?.contains("not valid JSON") == true)
    }
}
