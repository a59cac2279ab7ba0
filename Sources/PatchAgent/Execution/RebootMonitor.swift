import AgentProtocol
import FleetModel
import Foundation

/// Decides whether a reboot is needed, issues it, and tells boots apart.
///
/// A reboot is required when Debian's marker `/var/run/reboot-required` (or `/run/reboot-required`)
/// exists under the root, or when the running kernel (`/proc/sys/kernel/osrelease` under the root)
/// is older than the newest installed kernel image (``InstalledKernels``).
public struct RebootMonitor: Sendable {
    /// The root directory (`/` for the running system).
    public var root: String
    /// The dpkg admin directory as a real path (to list installed kernels).
    public var adminDirectory: String
    /// The command that reboots the host (`systemctl reboot` by default).
    public var rebootCommand: [String]
    /// The file holding the current boot id (`/proc/sys/kernel/random/boot_id`), as a real path.
    public var bootIDFile: String
    /// Runs the reboot command.
    public var runner: any CommandRunning

    /// Creates a monitor.
    public init(
        root: String = "/",
        adminDirectory: String? = nil,
        rebootCommand: [String] = ["systemctl", "reboot"],
        bootIDFile: String = "/proc/sys/kernel/random/boot_id",
        runner: any CommandRunning = ProcessCommandRunner()
    ) {
        self.root = root
        let base = root == "/" ? "" : root
        self.adminDirectory = adminDirectory ?? base + "/var/lib/dpkg"
        self.rebootCommand = rebootCommand
        self.bootIDFile = bootIDFile
        self.runner = runner
    }

    private func hostPath(_ path: String) -> String { root == "/" ? path : root + path }

    /// The current boot id, or `unknown` when the file cannot be read.
    public func currentBootID() -> String {
        guard let data = FileManager.default.contents(atPath: bootIDFile) else { return "unknown" }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? "unknown" : text
    }

    /// Why a reboot is required, or `nil` when it is not.
    public func rebootRequiredReason() -> String? {
        for marker in ["/var/run/reboot-required", "/run/reboot-required"]
        where FileManager.default.fileExists(atPath: hostPath(marker)) {
            return "\(marker) exists"
        }
        guard let running = FileManager.default.contents(atPath: hostPath("/proc/sys/kernel/osrelease")),
            let status = FileManager.default.contents(atPath: adminDirectory + "/status"),
            let packages = try? DpkgStatusParser().parse(String(decoding: status, as: UTF8.self)),
            let newest = InstalledKernels.newest(in: packages)
        else { return nil }
        let release = String(decoding: running, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if InstalledKernels.areInIncreasingOrder(release, newest) {
            return "running kernel \(release) is older than installed \(newest)"
        }
        return nil
    }

    /// Whether `policy` asks for a reboot now, with the reason.
    public func decide(_ policy: RebootPolicy) -> (required: Bool, reason: String) {
        switch policy {
        case .never: return (false, "policy never reboots")
        case .always: return (true, "policy always reboots")
        case .ifRequired:
            if let reason = rebootRequiredReason() { return (true, reason) }
            return (false, "no reboot required")
        }
    }

    /// Runs the reboot command. On a real host the process usually dies here.
    public func reboot() throws(ExecutionError) -> CommandOutput {
        try runner.run(rebootCommand)
    }
}
