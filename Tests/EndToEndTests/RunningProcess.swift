import Foundation
import PatchAgent
import Synchronization

/// Where the built executables are: `PATCHPILOT_BIN_DIR`, or next to the test bundle.
enum Executables {
    static var directory: URL {
        if let override = ProcessInfo.processInfo.environment["PATCHPILOT_BIN_DIR"] {
            return URL(fileURLWithPath: override)
        }
        return URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    }

    /// A built executable by name, or a system program by absolute path.
    static func url(_ name: String) -> URL {
        name.hasPrefix("/") ? URL(fileURLWithPath: name) : directory.appendingPathComponent(name)
    }
}

/// A child process whose output is collected while it runs (started with the agent's
/// ``ChildProcess``: Foundation's `Process.run()` crashes now and then on Linux).
final class RunningProcess: Sendable {
    let process: ChildProcess
    private let output = TextBuffer()
    private let errors = TextBuffer()
    /// Kept while the child runs: a pipe released closes its read end, and the child's next write
    /// would end it with SIGPIPE.
    private let pipes: [Pipe]

    init(
        _ executable: String,
        _ arguments: [String],
        environment: [String: String] = [:],
        removing removed: [String] = []
    ) throws {
        var env = ProcessInfo.processInfo.environment
        for key in removed { env[key] = nil }
        for (key, value) in environment { env[key] = value }
        let out = Pipe()
        let err = Pipe()
        pipes = [out, err]
        out.fileHandleForReading.readabilityHandler = { [output] handle in
            let data = handle.availableData
            if !data.isEmpty { output.append(data) }
        }
        err.fileHandleForReading.readabilityHandler = { [errors] handle in
            let data = handle.availableData
            if !data.isEmpty { errors.append(data) }
        }
        defer {
            // The child has its own copies; the readers see the end of output when it exits.
            try? out.fileHandleForWriting.close()
            try? err.fileHandleForWriting.close()
        }
        process = try ChildProcess.spawn(
            Executables.url(executable).path,
            arguments,
            environment: env,
            standardOutput: out.fileHandleForWriting.fileDescriptor,
            standardError: err.fileHandleForWriting.fileDescriptor
        )
    }

    var standardOutput: String { output.text }
    var standardError: String { errors.text }

    /// Waits until standard output contains `text`; returns the output so far.
    func waitForOutput(containing text: String, timeout: TimeInterval = 60) async throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let current = standardOutput
            if current.contains(text) { return current }
            if let termination = process.termination {
                throw ProcessFailure(
                    "process exited (\(termination.status)) before printing '\(text)'; stderr: \(standardError.suffix(2000))"
                )
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        // Look once more: a starved test task can wake after the deadline with the output already there.
        if standardOutput.contains(text) { return standardOutput }
        throw ProcessFailure(
            "timed out waiting for '\(text)'; stdout: \(standardOutput.suffix(1000)) stderr: \(standardError.suffix(1000))"
        )
    }

    /// Waits for exit and returns the status.
    func wait(timeout: TimeInterval = 120) async throws -> Int32 {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if let termination = process.termination {
                // Let the readability handlers drain the pipes.
                try await Task.sleep(for: .milliseconds(100))
                return termination.status
            }
            guard Date() < deadline else {
                process.signal(SIGTERM)
                throw ProcessFailure("process did not exit within \(timeout) s")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    func kill(signal: Int32) {
        process.signal(signal)
    }

    /// The child's process id.
    var processIdentifier: pid_t { process.pid }

    /// The exit status (or the signal's number), once it ended.
    var terminationStatus: Int32? { process.termination?.status }
}

/// Runs a command to completion; fails unless it exits 0 (when `check`).
@discardableResult
func run(
    _ executable: String,
    _ arguments: [String],
    check: Bool = true
) async throws -> (status: Int32, output: String, errors: String) {
    let process = try RunningProcess(executable, arguments)
    let status = try await process.wait()
    if check, status != 0 {
        throw ProcessFailure(
            "\(executable) \(arguments.joined(separator: " ")) exited \(status): \(process.standardError)"
        )
    }
    return (status, process.standardOutput, process.standardError)
}

/// Runs a system tool (absolute path or in PATH) to completion.
@discardableResult
func system(_ arguments: [String]) throws -> String {
    let (status, text) = try systemStatus(arguments)
    guard status == 0 else {
        throw ProcessFailure("\(arguments.joined(separator: " ")) failed (\(status)): \(text)")
    }
    return text
}

/// Runs a system tool (absolute path or in PATH) to completion, standard input from /dev/null:
/// its exit status and its output and errors together.
func systemStatus(_ arguments: [String]) throws -> (status: Int32, output: String) {
    let out = Pipe()
    let process: ChildProcess
    do {
        process = try ChildProcess.spawn(
            "/usr/bin/env",
            arguments,
            environment: ProcessInfo.processInfo.environment,
            standardOutput: out.fileHandleForWriting.fileDescriptor,
            standardError: out.fileHandleForWriting.fileDescriptor
        )
    } catch {
        try? out.fileHandleForWriting.close()
        throw error
    }
    try out.fileHandleForWriting.close()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    return (process.waitUntilExit().status, String(decoding: data, as: UTF8.self))
}

struct ProcessFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Text collected from a pipe, shared with its reader.
final class TextBuffer: Sendable {
    private let storage = Mutex<String>("")
    func append(_ data: Data) { storage.withLock { $0 += String(decoding: data, as: UTF8.self) } }
    var text: String { storage.withLock { $0 } }
}
