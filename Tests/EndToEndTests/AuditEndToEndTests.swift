import ChangeControl
import Foundation
import PatchAPI
import Testing

/// `patchpilot audit verify` and `audit export` on a real data directory, tampered with by another
/// SQLite client (Python's sqlite3), as an attacker with file access would.
@Suite struct AuditEndToEndTests {
    func seededDataDirectory() async throws -> String {
        let data = try temporaryDirectory("audit")
        for name in ["ann", "bob", "cid"] {
            try await run(
                "patchpilot",
                ["admin", "create-user", "--data-dir", data, "--username", name, "--role", "approver"]
            )
        }
        return data
    }

    func sql(_ data: String, _ statements: String) throws {
        let script = """
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1])
            db.executescript("DROP TRIGGER IF EXISTS events_no_update; DROP TRIGGER IF EXISTS events_no_delete;" + sys.argv[2])
            db.commit()
            """
        try system(["python3", "-c", script, data + "/patchpilot.sqlite", statements])
    }

    @Test func verifyPassesUntouchedAndNamesEachTampering() async throws {
        let data = try await seededDataDirectory()
        let clean = try await run("patchpilot", ["audit", "verify", "--data-dir", data])
        #expect(clean.output.contains("3 events"))
        #expect(clean.output.contains("intact"))

        try sql(data, "UPDATE events SET details = '{\"role\":\"admin\"}' WHERE id = 2;")
        let edited = try await run("patchpilot", ["audit", "verify", "--data-dir", data], check: false)
        #expect(edited.status == 1)
        #expect(edited.output.contains("event 2: edited"))

        let other = try await seededDataDirectory()
        try sql(other, "DELETE FROM events WHERE id = 2;")
        let deleted = try await run("patchpilot", ["audit", "verify", "--data-dir", other, "--json"], check: false)
        #expect(deleted.status == 1)
        #expect(deleted.output.contains("\"kind\" : \"deleted\""))

        let swapped = try await seededDataDirectory()
        try sql(
            swapped,
            "UPDATE events SET id = -1 WHERE id = 1; UPDATE events SET id = 1 WHERE id = 2; UPDATE events SET id = 2 WHERE id = -1;"
        )
        let reordered = try await run("patchpilot", ["audit", "verify", "--data-dir", swapped], check: false)
        #expect(reordered.status == 1)
        #expect(reordered.output.contains("events 1 and 2 are swapped"))
    }

    @Test func exportWritesJSONLinesSinceATime() async throws {
        let data = try await seededDataDirectory()
        let all = try await run("patchpilot", ["audit", "export", "--data-dir", data])
        let lines = all.output.split(separator: "\n")
        #expect(lines.count == 3)
        // Each line is an audit event as `GET /api/v1/audit/events` answers it.
        let decoded = try lines.map { try APIJSON.decoder.decode(AuditEvent.self, from: Data($0.utf8)) }
        #expect(decoded.map(\.action) == ["user.created", "user.created", "user.created"])
        #expect(decoded[1].previousHash == decoded[0].hash)
        let future = try await run(
            "patchpilot",
            ["audit", "export", "--data-dir", data, "--since", "2999-01-01T00:00:00Z"]
        )
        #expect(future.output.isEmpty)
        let bad = try await run(
            "patchpilot",
            ["audit", "export", "--data-dir", data, "--since", "yesterday"],
            check: false
        )
        #expect(bad.status != 0)
        #expect(bad.errors.contains("--since"))
    }

    /// The summary line of `audit verify`: "N events, C checkpoints, U not yet sealed: intact".
    func unsealed(_ data: String) async throws -> (count: Int?, output: String) {
        let verified = try await run("patchpilot", ["audit", "verify", "--data-dir", data])
        let summary = verified.output.split(separator: "\n").first { $0.contains(" not yet sealed: ") }
        let count = summary.flatMap { line in
            line.components(separatedBy: " not yet sealed").first?.split(separator: " ").last.flatMap { Int($0) }
        }
        return (count, verified.output)
    }

    /// Each command that writes to the data directory seals what it wrote before it exits.
    @Test func writingCommandsLeaveNoUnsealedEvents() async throws {
        let data = try temporaryDirectory("audit-sealed")
        let kev = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("SecurityAdvisoriesTests/Fixtures/kev/known_exploited_vulnerabilities.json").path
        let commands: [[String]] = [
            ["admin", "create-user", "--data-dir", data, "--username", "ann", "--role", "operator"],
            ["token", "create", "--data-dir", data, "--user", "ann", "--name", "ci"],
            ["enroll-token", "create", "--data-dir", data, "--uses", "1"],
            ["feeds", "import", "--data-dir", data, kev],
        ]
        var events = 0
        for command in commands {
            try await run("patchpilot", command)
            let (count, output) = try await unsealed(data)
            #expect(count == 0, "after \(command[0]) \(command[1]): \(output)")
            #expect(!output.contains("unsealed since"), "after \(command[0]) \(command[1]): \(output)")
            // Each command did write: the count of events grows.
            let total = output.split(separator: " ").first.flatMap { Int($0) } ?? 0
            #expect(total > events, "\(command[0]) \(command[1]) wrote no event: \(output)")
            events = total
        }
        let listed = try await run("patchpilot", ["token", "list", "--data-dir", data]).output
        let id = try #require(listed.split(separator: "\n").first?.split(separator: "\t").first.map(String.init))
        try await run("patchpilot", ["token", "revoke", "--data-dir", data, id])
        #expect(try await unsealed(data).count == 0)
    }

    /// A server writes events through the API; until its next periodic seal they are reported as
    /// unsealed (with the time since when), and a clean stop (SIGTERM) seals them.
    @Test func aServerStoppedBySIGTERMLeavesNoUnsealedEvents() async throws {
        let data = try temporaryDirectory("audit-sigterm")
        // A periodic seal an hour away: on a loaded machine the minute default could pass before
        // the check below and seal the events first.
        let server = try await ServerProcess.start(dataDirectory: data, extraArguments: ["--audit-seal", "3600"])
        defer { server.process.kill(signal: SIGKILL) }
        let token = try await server.apiToken()
        #expect(try await unsealed(data).count == 0)
        for name in ["bob", "cid"] {
            let created = try await server.post(
                "/api/v1/users",
                json: Data(#"{"username":"\#(name)","password":"correct horse battery staple","role":"viewer"}"#.utf8),
                token: token
            )
            #expect(created.status == 201, "\(String(decoding: created.body, as: UTF8.self))")
        }
        // The periodic seal is an hour away: the two events are still open.
        let (open, output) = try await unsealed(data)
        #expect((open ?? 0) >= 2, "\(output)")
        #expect(output.contains("unsealed since "), "\(output)")
        #expect(output.contains("could be cut off without a trace until the next seal"), "\(output)")
        try await server.stop()
        #expect(server.process.terminationStatus == 0)
        let (after, final) = try await unsealed(data)
        #expect(after == 0, "\(final)")
        #expect(!final.contains("unsealed since"), "\(final)")
        #expect(final.contains("intact"))
    }
}
