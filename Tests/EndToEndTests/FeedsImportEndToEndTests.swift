import Foundation
import Testing

/// `patchpilot feeds import` over HTTP from a local server: atomic, idempotent, and clear about bad records.
@Suite(.serialized) struct FeedsImportEndToEndTests {
    /// Fixture files of the SecurityAdvisories tests (real DSA/DLA lists and KEV catalogue).
    static var fixtures: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("SecurityAdvisoriesTests/Fixtures")
    }

    /// Serves `directory` with Python's http.server on a free loopback port. `server_bind` is
    /// replaced because the stock one resolves the host name (`getfqdn`), which can stall for
    /// tens of seconds on a machine without DNS.
    func serve(_ directory: String) async throws -> (RunningProcess, String) {
        let script = """
            import functools, http.server, socketserver, sys
            class Server(http.server.ThreadingHTTPServer):
                def server_bind(self):
                    socketserver.TCPServer.server_bind(self)
                    self.server_name, self.server_port = "localhost", self.server_address[1]
            handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[1])
            server = Server(("127.0.0.1", 0), handler)
            print("port", server.server_address[1], flush=True)
            server.serve_forever()
            """
        let server = try RunningProcess("/usr/bin/env", ["python3", "-u", "-c", script, directory])
        let output = try await server.waitForOutput(containing: "port ")
        let port = try #require(output.split(whereSeparator: \.isWhitespace).drop { $0 != "port" }.dropFirst().first)
        return (server, "http://127.0.0.1:\(port)")
    }

    @Test func importsOverHTTPAtomicallyAndIdempotently() async throws {
        let web = try temporaryDirectory("web")
        let dsa = try String(contentsOf: Self.fixtures.appendingPathComponent("debian/DSA/list"), encoding: .utf8)
        try dsa.write(toFile: web + "/dsa.list", atomically: true, encoding: .utf8)
        try FileManager.default.copyItem(
            atPath: Self.fixtures.appendingPathComponent("kev/known_exploited_vulnerabilities.json").path,
            toPath: web + "/kev.json"
        )
        // The same list with one broken release line in the middle of the file.
        var lines = dsa.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let middle = lines.count / 2
        let target = try #require(lines[middle...].firstIndex { $0.hasPrefix("\t[") })
        lines[target] = "\t[bookworm] - "
        try lines.joined(separator: "\n").write(toFile: web + "/broken.list", atomically: true, encoding: .utf8)
        let (http, base) = try await serve(web)
        defer { http.kill(signal: SIGTERM) }

        let data = try temporaryDirectory("feeds-data")
        let broken = try await run(
            "patchpilot",
            ["feeds", "import", "--data-dir", data, "--format", "debian-dsa-list", base + "/broken.list"],
            check: false
        )
        #expect(broken.status != 0)
        #expect(
            broken.errors.contains("broken.list:\(target + 1)"),
            "error should name file and line: \(broken.errors)"
        )
        #expect(broken.errors.contains("nothing was stored"))

        let first = try await run(
            "patchpilot",
            [
                "feeds", "import", "--data-dir", data, base + "/kev.json", base + "/dsa.list", "--format",
                "debian-dsa-list",
            ],
            check: false
        )
        // --format applies to every source: the KEV file is not a DSA list, so this must fail whole.
        #expect(first.status != 0)

        let kev = try await run("patchpilot", ["feeds", "import", "--data-dir", data, base + "/kev.json"])
        #expect(kev.output.contains("KEV entries updated: 1404"))
        let imported = try await run(
            "patchpilot",
            ["feeds", "import", "--data-dir", data, "--format", "debian-dsa-list", base + "/dsa.list"]
        )
        #expect(imported.output.contains("5406 added"))
        let again = try await run(
            "patchpilot",
            ["feeds", "import", "--data-dir", data, "--format", "debian-dsa-list", base + "/dsa.list"]
        )
        #expect(again.output.contains("0 added, 0 changed, 0 withdrawn, 5406 unchanged"))
        #expect(again.output.contains("KEV entries updated: 0"))

        let skipping = try await run(
            "patchpilot",
            [
                "feeds", "import", "--data-dir", data, "--format", "debian-dsa-list", "--skip-invalid",
                base + "/broken.list",
            ]
        )
        #expect(skipping.errors.contains("skipped: "))
        #expect(skipping.output.contains("1 skipped"))
    }
}
