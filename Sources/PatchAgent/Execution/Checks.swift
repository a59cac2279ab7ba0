import AgentProtocol
import Foundation

/// The result of one check: which check, whether it passed, and why not.
public struct CheckResult: Sendable, Hashable, Codable {
    /// A short name of the check and its subject (`freeSpace /var`, `command test -f …`).
    public var check: String
    /// Whether it passed.
    public var passed: Bool
    /// What was found (the reason, when it failed).
    public var detail: String

    /// Creates a result.
    public init(check: String, passed: Bool, detail: String) {
        self.check = check
        self.passed = passed
        self.detail = detail
    }
}

/// Runs the ``PlanCheck`` cases against a host (or a sandbox root).
public struct CheckRunner: Sendable {
    /// The root directory paths in checks are relative to (`/` for the running system).
    public var root: String
    /// The dpkg admin directory as a real path (for the lock probe).
    public var adminDirectory: String
    /// Runs commands (`systemctl`, command checks).
    public var runner: any CommandRunning
    /// The package executor (audit, installed versions).
    public var executor: any PackageExecutor
    /// The service manager command; `systemctl` by default, a fake in tests.
    public var serviceManager: [String]
    /// The current time as Unix seconds.
    public var now: @Sendable () -> Int64
    /// Timeout for network checks, in seconds.
    public var networkTimeoutSeconds: Int

    /// Creates a check runner.
    public init(
        root: String = "/",
        adminDirectory: String,
        runner: any CommandRunning,
        executor: any PackageExecutor,
        serviceManager: [String] = ["systemctl"],
        now: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) },
        networkTimeoutSeconds: Int = 5
    ) {
        self.root = root
        self.adminDirectory = adminDirectory
        self.runner = runner
        self.executor = executor
        self.serviceManager = serviceManager
        self.now = now
        self.networkTimeoutSeconds = networkTimeoutSeconds
    }

    /// Runs `checks` in order and returns every result (a failing check does not stop the others).
    public func run(_ checks: [PlanCheck], plan: UpdatePlan) -> [CheckResult] {
        checks.map { run($0, plan: plan) }
    }

    /// The real path of a host path under ``root``.
    func hostPath(_ path: String) -> String {
        root == "/" ? path : root + (path.hasPrefix("/") ? path : "/" + path)
    }

    /// Runs one check.
    public func run(_ check: PlanCheck, plan: UpdatePlan) -> CheckResult {
        switch check {
        case .freeSpace(let path, let minimumBytes):
            return freeSpace(path, minimumBytes)
        case .packageManagerLockFree:
            return lockFree()
        case .packagesConsistent:
            return consistent()
        case .serviceActive(let unit):
            return command("serviceActive \(unit)", serviceManager + ["is-active", unit], expected: 0)
        case .backupMarker(let path, let maximumAgeHours):
            return backupMarker(path, maximumAgeHours)
        case .command(let arguments, let expectedExitCode):
            // The probe learns the host's root (a sandbox in tests) from PATCHPILOT_ROOT.
            guard let program = arguments.first, ProcessCommandRunner.locate(program) != nil else {
                return CheckResult(
                    check: "command \(arguments.joined(separator: " "))",
                    passed: false,
                    detail: "program not found: \(arguments.first ?? "")"
                )
            }
            return command(
                "command \(arguments.joined(separator: " "))",
                ["env", "PATCHPILOT_ROOT=\(root)"] + arguments,
                expected: expectedExitCode
            )
        case .httpGet(let url, let expectedStatus, let bodyContains):
            return NetworkProbe(timeoutSeconds: networkTimeoutSeconds)
                .httpGet(url, expectedStatus: expectedStatus, bodyContains: bodyContains)
        case .tcpConnect(let host, let port):
            return NetworkProbe(timeoutSeconds: networkTimeoutSeconds).tcpConnect(host, port)
        case .installedVersionsMatchPlan:
            return versionsMatch(plan)
        }
    }

    private func freeSpace(_ path: String, _ minimumBytes: Int64) -> CheckResult {
        let name = "freeSpace \(path)"
        var stats = statvfs()
        guard statvfs(hostPath(path), &stats) == 0 else {
            return CheckResult(check: name, passed: false, detail: "statvfs: \(String(cString: strerror(errno)))")
        }
        let free = Int64(stats.f_bavail) * Int64(stats.f_frsize)
        return CheckResult(
            check: name,
            passed: free >= minimumBytes,
            detail: "\(free) bytes free, need \(minimumBytes)"
        )
    }

    private func lockFree() -> CheckResult {
        for file in ["lock-frontend", "lock"] {
            let path = adminDirectory + "/" + file
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { continue }  // no lock file: nobody holds it
            defer { close(fd) }
            // F_GETLK asks whether a write lock could be taken, without taking it.
            var probe = flock()
            probe.l_type = Int16(F_WRLCK)
            probe.l_whence = Int16(SEEK_SET)
            probe.l_start = 0
            probe.l_len = 0
            guard fcntl(fd, F_GETLK, &probe) == 0 else {
                return CheckResult(check: "packageManagerLockFree", passed: false, detail: "fcntl \(path) failed")
            }
            if probe.l_type != Int16(F_UNLCK) {
                return CheckResult(
                    check: "packageManagerLockFree",
                    passed: false,
                    detail: "\(path) is locked by process \(probe.l_pid)"
                )
            }
        }
        return CheckResult(check: "packageManagerLockFree", passed: true, detail: "no lock held")
    }

    private func consistent() -> CheckResult {
        do {
            let output = try executor.audit()
            let text = (output.standardOutput + output.standardError).trimmingCharacters(in: .whitespacesAndNewlines)
            let passed = output.status == 0 && text.isEmpty
            return CheckResult(check: "packagesConsistent", passed: passed, detail: passed ? "audit clean" : text)
        } catch {
            return CheckResult(check: "packagesConsistent", passed: false, detail: error.description)
        }
    }

    private func backupMarker(_ path: String, _ maximumAgeHours: Int) -> CheckResult {
        let name = "backupMarker \(path)"
        var stats = stat()
        guard stat(hostPath(path), &stats) == 0 else {
            return CheckResult(check: name, passed: false, detail: "no marker at \(hostPath(path))")
        }
        let age = now() - Int64(stats.st_mtim.tv_sec)
        return CheckResult(
            check: name,
            passed: age <= Int64(maximumAgeHours) * 3600,
            detail: "marker is \(age / 3600)h old, at most \(maximumAgeHours)h allowed"
        )
    }

    private func command(_ name: String, _ arguments: [String], expected: Int32) -> CheckResult {
        do {
            let output = try runner.run(arguments)
            let tail = (output.standardOutput + output.standardError).suffix(300)
            return CheckResult(
                check: name,
                passed: output.status == expected,
                detail: "exit \(output.status), expected \(expected)" + (tail.isEmpty ? "" : ": \(tail)")
            )
        } catch {
            return CheckResult(check: name, passed: false, detail: error.description)
        }
    }

    private func versionsMatch(_ plan: UpdatePlan) -> CheckResult {
        let targets = plan.packages.filter { $0.action != .hold }
        do {
            let installed = try executor.installedVersions(of: targets.map(\.name))
            let wrong = targets.filter { installed[$0.name] != $0.version }.map {
                "\($0.name) is \(installed[$0.name] ?? "not installed"), plan says \($0.version)"
            }
            return CheckResult(
                check: "installedVersionsMatchPlan",
                passed: wrong.isEmpty,
                detail: wrong.isEmpty
                    ? "\(targets.count) package(s) at the plan's versions" : wrong.joined(separator: "; ")
            )
        } catch {
            return CheckResult(check: "installedVersionsMatchPlan", passed: false, detail: error.description)
        }
    }
}
