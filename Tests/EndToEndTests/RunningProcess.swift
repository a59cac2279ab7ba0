import Foundation
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

/// A child process whose output is collected while it runs.
final class RunningProcess: Sendable {
    let process: Process
    private let output = TextBuffer()
    private let errors = TextBuffer()

    init(
        _ executable: String,
        _ arguments: [String],
        environment: [String: String] = [:],
        removing removed: [String] = []
    ) throws {
        let process = Process()
        process.executableURL = Executables.url(executable)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for key in removed { env[key] = nil }
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        self.process = process
        out.fileHandleForReading.readabilityHandler = { [output] handle in
            let data = handle.availableData
            if !data.isEmpty { output.append(data) }
        }
        err.fileHandleForReading.readabilityHandler = { [errors] handle in
            let data = handle.availableData
            if !data.isEmpty { errors.append(data) }
        }
        try process.run()
    }

    var standardOutput: String { output.text }
    var standardError: String { errors.text }

    /// Waits until standard output contains `text`; returns the output so far.
    func waitForOutput(containing text: String, timeout: TimeInterval = 60) async throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let current = standardOutput
            if current.contains(text) { return current }
            if !process.isRunning {
                throw ProcessFailure(
                    "process exited (\(process.terminationStatus)) before printing '\(text)'; stderr: \(standardError.suffix(2000))"
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
        while process.isRunning {
            guard Date() < deadline else {
                process.terminate()
                throw ProcessFailure("process did not exit within \(timeout) s")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        // Let the readability handlers drain the pipes.
        try await Task.sleep(for: .milliseconds(100))
        return process.terminationStatus
    }

    func kill(signal: Int32) {
        Glibc.kill(process.processIdentifier, signal)
    }
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
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    let out = Pipe()
    process.standardOutput = out
    process.standardError = out
    try process.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let text = String(decoding: data, as: UTF8.self)
    guard process.terminationStatus == 0 else {
        throw ProcessFailure("\(arguments.joined(separator: " ")) failed (\(process.terminationStatus)): \(text)")
    }
    return text
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
