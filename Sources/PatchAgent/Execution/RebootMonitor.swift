import AgentProtocol
import FleetModel
import Foundation

/// Decides whether a reboot is needed, issues it, and tells boots apart.
///
/// A reboot is required when Debian's marker `/var/run/reboot-required` (or `/run/reboot-required`)
/// exists under the root, or when the running kernel (`/proc/sys/kernel/osrelease` under the root)
/// is older than the newest installed kernel image (``InstalledKernels``). On RPM hosts (``rpm``
/// set) it follows `dnf needs-restarting -r`: a core package updated since boot.
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
    /// The `rpm` command for this root on RPM hosts (`--root`, `--dbpath`); `nil` on dpkg hosts.
    public var rpm: [String]?
    /// When the running system booted (default: `btime` of `/proc/stat`).
    public var bootTime: @Sendable () -> Date?

    /// Creates a monitor.
    public init(
        root: String = "/",
        adminDirectory: String? = nil,
        rebootCommand: [String] = ["systemctl", "reboot"],
        bootIDFile: String = "/proc/sys/kernel/random/boot_id",
        runner: any CommandRunning = ProcessCommandRunner(),
        rpm: [String]? = nil,
        bootTime: (@Sendable () -> Date?)? = nil
    ) {
        self.rpm = rpm
        let statPath = root == "/" ? "/proc/stat" : root + "/proc/stat"
        self.bootTime = bootTime ?? { Self.bootTime(procStat: statPath) }
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
        if rpm != nil { return rpmRebootRequiredReason() }
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
    /// Packages whose update since boot requires a reboot on RHEL-family hosts, as
    /// `dnf needs-restarting -r` decides (plus every package providing `installonlypkg(kernel)` and
    /// the names listed in `/etc/dnf/plugins/needs-restarting.d/*.conf`).
    public static let rpmRebootPackages: Set<String> = [
        "kernel", "kernel-rt", "glibc", "linux-firmware", "systemd", "dbus", "dbus-broker", "dbus-daemon",
    ]

    /// `needs-restarting -r` semantics: a reboot is required when one of the core packages was
    /// installed or updated after the system booted.
    func rpmRebootRequiredReason() -> String? {
        guard let rpm, let boot = bootTime() else { return nil }
        var names = Self.rpmRebootPackages
        let configuration = hostPath("/etc/dnf/plugins/needs-restarting.d")
        for file in (try? FileManager.default.contentsOfDirectory(atPath: configuration)) ?? []
        where file.hasSuffix(".conf") {
            let text = String(
                decoding: FileManager.default.contents(atPath: configuration + "/" + file) ?? Data(),
                as: UTF8.self
            )
            for line in text.split(separator: "\n") {
                let name = line.trimmingCharacters(in: .whitespaces)
                if !name.isEmpty, !name.hasPrefix("#") { names.insert(name) }
            }
        }
        if let kernels = try? runner.run(
            rpm + ["-q", "--whatprovides", "installonlypkg(kernel)", "--qf", "%{NAME}\\n"]
        ),
            kernels.status == 0
        {
            for name in kernels.standardOutput.split(separator: "\n") { names.insert(String(name)) }
        }
        guard let installed = try? runner.run(rpm + ["-qa", "--qf", "%{NAME} %{INSTALLTIME}\\n"]), installed.status == 0
        else { return nil }
        var latest: (name: String, at: Date)?
        for line in installed.standardOutput.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count == 2, names.contains(String(fields[0])), let seconds = TimeInterval(fields[1]) else {
                continue
            }
            let at = Date(timeIntervalSince1970: seconds)
            if at > boot, at > (latest?.at ?? .distantPast) { latest = (String(fields[0]), at) }
        }
        guard let latest else { return nil }
        let formatter = ISO8601DateFormatter()
        return
            "\(latest.name) was updated at \(formatter.string(from: latest.at)), after boot at \(formatter.string(from: boot)) (needs-restarting -r)"
    }

    /// Reads `btime` from a `/proc/stat` file.
    static func bootTime(procStat path: String) -> Date? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") where line.hasPrefix("btime ") {
            return TimeInterval(line.dropFirst(6).trimmingCharacters(in: .whitespaces)).map(
                Date.init(timeIntervalSince1970:)
            )
        }
        return nil
    }

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
