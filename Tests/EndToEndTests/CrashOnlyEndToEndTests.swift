import Foundation
import Testing

/// Crash-only operation: the server runs with `SWIFT_BACKTRACE=enable=no` (set by re-executing
/// itself when the variable is unset), so a fatal error ends it at once for the supervisor to
/// restart, instead of a minute of backtrace symbolication while the port is dead.
@Suite struct CrashOnlyEndToEndTests {
    @Test func serverDisablesTheSlowBacktraceUnlessToldOtherwise() async throws {
        for (given, expected) in [(nil, "enable=no"), ("enable=no,interactive=no", "enable=no,interactive=no")] {
            let directory = try temporaryDirectory("crash-only")
            var environment: [String: String] = [:]
            if let given { environment["SWIFT_BACKTRACE"] = given }
            let server = try RunningProcess(
                "patchpilot",
                ["serve", "--data-dir", directory + "/data", "--listen", "127.0.0.1:0", "--log-level", "error"],
                environment: environment,
                removing: given == nil ? ["SWIFT_BACKTRACE"] : []
            )
            defer { server.kill(signal: SIGKILL) }
            _ = try await server.waitForOutput(containing: "listening on ")
            let pid = server.processIdentifier
            let environ = try Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/environ"))
            let variables = environ.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            #expect(variables.filter { $0.hasPrefix("SWIFT_BACKTRACE=") } == ["SWIFT_BACKTRACE=\(expected)"])
        }
    }
}
