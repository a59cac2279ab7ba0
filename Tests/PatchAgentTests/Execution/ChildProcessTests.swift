import Foundation
import Testing

@testable import PatchAgent

/// The agent's child processes: exit statuses and signals, exactly the environment given, no
/// descriptor of the agent's, default signal actions.
@Suite struct ChildProcessTests {
    /// Runs `/bin/sh -c script` with output and errors in one pipe.
    func shell(
        _ script: String,
        environment: [String: String] = ["PATH": "/usr/bin:/bin"]
    ) throws -> (
        ChildProcess.Termination, String
    ) {
        let pipe = Pipe()
        let child = try ChildProcess.spawn(
            "/bin/sh",
            ["-c", script],
            environment: environment,
            standardOutput: pipe.fileHandleForWriting.fileDescriptor,
            standardError: pipe.fileHandleForWriting.fileDescriptor
        )
        try pipe.fileHandleForWriting.close()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        return (child.waitUntilExit(), output)
    }

    @Test func exitStatusAndOutputAreReported() throws {
        let (termination, output) = try shell("echo out; echo err >&2; exit 3")
        #expect(termination == .exited(3))
        #expect(termination.status == 3)
        #expect(output == "out\nerr\n")
        #expect(try shell("true").0 == .exited(0))
    }

    @Test func theChildGetsExactlyTheEnvironmentGiven() throws {
        let pipe = Pipe()
        let child = try ChildProcess.spawn(
            "/usr/bin/env",
            [],
            environment: ["B": "two words", "A": "1"],
            standardOutput: pipe.fileHandleForWriting.fileDescriptor
        )
        try pipe.fileHandleForWriting.close()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(child.waitUntilExit() == .exited(0))
        #expect(output == "A=1\nB=two words\n")
    }

    @Test func noDescriptorOfTheParentReachesTheChild() throws {
        // Opened without O_CLOEXEC, as a library might: a child must still not inherit it.
        let leaked = open("/etc/hostname", O_RDONLY)
        try #require(leaked > 2)
        defer { close(leaked) }
        let (termination, output) = try shell("ls /proc/$$/fd")
        #expect(termination == .exited(0))
        let descriptors = output.split(separator: "\n").compactMap { Int32($0) }
        #expect(descriptors.contains(1))
        #expect(!descriptors.contains(leaked), "\(descriptors)")
        #expect(
            descriptors.allSatisfy { $0 <= 2 || $0 >= 10 },
            "only the standard three (and the shell's own): \(descriptors)"
        )
    }

    @Test func signalActionsAreTheDefaultsAndStandardInputIsEmpty() throws {
        let previous = Glibc.signal(SIGPIPE, SIG_IGN)
        defer { Glibc.signal(SIGPIPE, previous) }
        let (termination, output) = try shell("grep -E '^Sig(Ign|Blk)' /proc/self/status; cat; echo end")
        #expect(termination == .exited(0))
        // Signals 1…31 (the standard ones; glibc keeps its internal real-time signals to itself).
        func mask(_ name: String) -> UInt64? {
            output.split(separator: "\n").first { $0.hasPrefix(name + ":") }
                .flatMap { UInt64($0.split(separator: "\t").last ?? "", radix: 16) }
        }
        #expect(mask("SigIgn").map { $0 & 0x7fff_ffff } == 0, "SIGPIPE ignored here is default there: \(output)")
        #expect(mask("SigBlk").map { $0 & 0x7fff_ffff } == 0, "\(output)")
        #expect(output.hasSuffix("end\n"), "standard input is /dev/null: cat ends at once")
    }

    @Test func aSignalEndsTheChildAndIsReported() async throws {
        let child = try ChildProcess.spawn("/bin/sleep", ["30"], environment: [:])
        #expect(child.isRunning)
        child.signal(SIGKILL)
        let termination = try await child.exited()
        #expect(termination == .signalled(SIGKILL))
        #expect(termination.status == SIGKILL)
        #expect(!child.isRunning)
        #expect(child.waitUntilExit() == .signalled(SIGKILL), "asked again, the same answer")
    }

    @Test func aMissingProgramIsAnErrorThatNamesIt() {
        let error = #expect(throws: ChildProcessError.self) {
            try ChildProcess.spawn("/nonexistent/program", [], environment: [:])
        }
        #expect(error?.description.contains("/nonexistent/program") == true)
        #expect(error?.description.contains("No such file") == true, "\(error?.description ?? "")")
    }
}
