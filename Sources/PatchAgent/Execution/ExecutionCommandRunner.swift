import Foundation

/// What a finished command printed.
public struct CommandOutput: Sendable, Hashable, Codable {
    /// The exit status (or the signal number when killed by one).
    public var status: Int32
    /// Standard output.
    public var standardOutput: String
    /// Standard error.
    public var standardError: String

    /// Creates an output.
    public init(status: Int32, standardOutput: String = "", standardError: String = "") {
        self.status = status
        self.standardOutput = standardOutput
        self.standardError = standardError
    }

    /// The last `limit` characters of standard output, for journals and reports.
    public func outputTail(_ limit: Int = 2000) -> String { String(standardOutput.suffix(limit)) }
    /// The last `limit` characters of standard error, for journals and reports.
    public func errorTail(_ limit: Int = 2000) -> String { String(standardError.suffix(limit)) }
}

/// Runs programs for the executor and the checks; injected so tests control it (CONVENTIONS habit 3).
public protocol CommandRunning: Sendable {
    /// Runs `arguments[0]` (a path, or a name looked up in `PATH`) with the other arguments.
    func run(_ arguments: [String]) throws(ExecutionError) -> CommandOutput
}

/// Runs programs (``ChildProcess``: standard input from `/dev/null`, no other descriptor of the
/// agent's), with `/usr/sbin` and `/sbin` on `PATH` (dpkg needs `ldconfig` and
/// `start-stop-daemon` there).
public struct ProcessCommandRunner: CommandRunning {
    /// Extra environment variables for every command.
    public var environment: [String: String]

    /// Creates a runner.
    public init(environment: [String: String] = [:]) {
        self.environment = environment
    }

    /// The `PATH` commands run with.
    static var searchPath: String {
        let inherited = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        var parts = inherited.split(separator: ":").map(String.init)
        for extra in ["/usr/local/sbin", "/usr/sbin", "/sbin"] where !parts.contains(extra) { parts.append(extra) }
        return parts.joined(separator: ":")
    }

    /// Finds a program: a path containing `/` is used as it is, a bare name is looked up in `PATH`.
    static func locate(_ program: String) -> String? {
        if program.contains("/") { return FileManager.default.isExecutableFile(atPath: program) ? program : nil }
        for directory in searchPath.split(separator: ":") where !directory.isEmpty {
            let candidate = "\(directory)/\(program)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// Runs the command and waits for it to exit.
    public func run(_ arguments: [String]) throws(ExecutionError) -> CommandOutput {
        let commandLine = arguments.joined(separator: " ")
        guard let program = arguments.first, let executable = Self.locate(program) else {
            throw ExecutionError(code: .commandFailed, subject: commandLine, message: "program not found")
        }
        var environment = ProcessInfo.processInfo.environment
        environment["PATH"] = Self.searchPath
        environment["DEBIAN_FRONTEND"] = "noninteractive"
        for (key, value) in self.environment { environment[key] = value }
        // Both streams go to files so that neither pipe can fill up while the other is drained.
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("patchpilot-exec-\(UUID().uuidString)")
        let outPath = base.path + ".out"
        let errPath = base.path + ".err"
        guard FileManager.default.createFile(atPath: outPath, contents: nil),
            FileManager.default.createFile(atPath: errPath, contents: nil),
            let outHandle = FileHandle(forWritingAtPath: outPath),
            let errHandle = FileHandle(forWritingAtPath: errPath)
        else {
            throw ExecutionError(code: .commandFailed, subject: commandLine, message: "cannot create output files")
        }
        defer {
            try? outHandle.close()
            try? errHandle.close()
            try? FileManager.default.removeItem(atPath: outPath)
            try? FileManager.default.removeItem(atPath: errPath)
        }
        let child: ChildProcess
        do {
            child = try ChildProcess.spawn(
                executable,
                Array(arguments.dropFirst()),
                environment: environment,
                standardOutput: outHandle.fileDescriptor,
                standardError: errHandle.fileDescriptor
            )
        } catch {
            throw ExecutionError(code: .commandFailed, subject: commandLine, message: "\(error)")
        }
        let termination = child.waitUntilExit()
        return CommandOutput(
            status: termination.status,
            standardOutput: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "",
            standardError: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
        )
    }
}
