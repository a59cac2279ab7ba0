import Foundation

/// Runs a program to completion and returns what it printed.
struct CollectorCommandRunner: Sendable {
    /// What a finished command printed.
    struct Output: Sendable {
        var status: Int32
        var standardOutput: String
        var standardError: String
    }

    /// Finds a program: a path containing `/` is used as it is, a bare name is looked up in `PATH`.
    static func locate(_ program: String) -> String? {
        if program.contains("/") {
            return FileManager.default.isExecutableFile(atPath: program) ? program : nil
        }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin"
        for directory in path.split(separator: ":") where !directory.isEmpty {
            let candidate = "\(directory)/\(program)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// Runs `executable` with `arguments`, waiting for it to exit.
    func run(_ executable: String, _ arguments: [String]) throws(CollectorError) -> Output {
        let commandLine = ([executable] + arguments).joined(separator: " ")
        let stdout = Pipe()
        // stderr goes to a file so that neither pipe can fill up while the other is being drained.
        let errorPath = FileManager.default.temporaryDirectory
            .appendingPathComponent("patchpilot-collector-\(UUID().uuidString).stderr").path
        guard FileManager.default.createFile(atPath: errorPath, contents: nil),
            let errorHandle = FileHandle(forWritingAtPath: errorPath)
        else {
            throw CollectorError(code: .commandFailed, subject: commandLine, message: "cannot create \(errorPath)")
        }
        defer {
            try? errorHandle.close()
            try? FileManager.default.removeItem(atPath: errorPath)
        }
        let child: ChildProcess
        do {
            child = try ChildProcess.spawn(
                executable,
                arguments,
                environment: ProcessInfo.processInfo.environment,
                standardOutput: stdout.fileHandleForWriting.fileDescriptor,
                standardError: errorHandle.fileDescriptor
            )
        } catch {
            try? stdout.fileHandleForWriting.close()
            throw CollectorError(code: .commandFailed, subject: commandLine, message: "\(error)")
        }
        // The child holds its own copy: closing ours lets the read below end when the child exits.
        try? stdout.fileHandleForWriting.close()
        let data = stdout.fileHandleForReading.readDataToEndOfFile()
        let termination = child.waitUntilExit()
        try? stdout.fileHandleForReading.close()
        let errorText = (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? ""
        return Output(
            status: termination.status,
            standardOutput: String(decoding: data, as: UTF8.self),
            standardError: errorText
        )
    }
}
