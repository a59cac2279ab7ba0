import Foundation
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
        struct Line: Decodable {
            var id: Int64
            var action: String
            var hash: String
            var previousHash: String
        }
        let decoded = try lines.map { try JSONDecoder().decode(Line.self, from: Data($0.utf8)) }
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
}
