import Foundation

/// A temporary directory that stands for a host's `/`, removed when the value goes away.
final class CollectorSandbox {
    let root: String

    init() throws {
        root =
            FileManager.default.temporaryDirectory
            .appendingPathComponent("patchpilot-collector-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: root)
    }

    /// Writes `text` to the host path `path` inside the sandbox, creating directories.
    func write(_ path: String, _ text: String) throws {
        let url = URL(fileURLWithPath: root + path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
    }

    /// Creates a symbolic link at the host path `path` pointing to `target` (taken literally).
    func link(_ path: String, to target: String) throws {
        let url = URL(fileURLWithPath: root + path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: url.path, withDestinationPath: target)
    }

    /// Writes the files a minimal Debian 12 host has: os-release, identifiers, /proc entries.
    func writeDebianHost(kernel: String = "6.1.0-18-amd64") throws {
        try write(
            "/usr/lib/os-release",
            """
            PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
            NAME="Debian GNU/Linux"
            VERSION_ID="12"
            VERSION="12 (bookworm)"
            VERSION_CODENAME=bookworm
            ID=debian

            """
        )
        // Absolute, as some images ship it: must resolve inside the sandbox, not on this machine.
        try link("/etc/os-release", to: "/usr/lib/os-release")
        try write("/etc/machine-id", "0123456789abcdef0123456789abcdef\n")
        try write("/proc/sys/kernel/hostname", "web-01\n")
        try write("/proc/sys/kernel/osrelease", kernel + "\n")
        try write("/proc/sys/kernel/arch", "x86_64\n")
        try write("/proc/sys/kernel/random/boot_id", "5b2d8a0e-3c1f-4c6e-9a0b-7d9e2f4a1c3b\n")
        try write("/proc/uptime", "86461.25 170000.10\n")
    }
}

/// Runs a program to completion; returns its exit status and standard output.
@discardableResult
func runCollectorTestProgram(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = FileHandle.nullDevice
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// The path of a program found in `PATH`, if any.
func locateCollectorTestProgram(_ name: String) -> String? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    return path.split(separator: ":").map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
}
