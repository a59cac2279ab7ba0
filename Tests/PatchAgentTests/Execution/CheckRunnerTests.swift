import AgentProtocol
import Foundation
import Testing

@testable import PatchAgent

/// Each ``PlanCheck`` case against a sandbox root, loopback sockets and fake commands.
@Suite(.enabled(if: ExecutionSandbox.available, "needs dpkg and dpkg-deb"))
struct CheckRunnerTests {
    private func checks(_ sandbox: ExecutionSandbox, now: Int64 = Int64(Date().timeIntervalSince1970)) -> CheckRunner {
        CheckRunner(
            root: sandbox.root,
            adminDirectory: sandbox.adminDirectory,
            runner: ProcessCommandRunner(),
            executor: sandbox.executor(),
            serviceManager: [sandbox.base + "/fake-systemctl"],
            now: { now },
            networkTimeoutSeconds: 2
        )
    }

    private func run(_ check: PlanCheck, _ sandbox: ExecutionSandbox) -> CheckResult {
        checks(sandbox).run(check, plan: sandbox.plan("1.0", artifact: nil))
    }

    @Test func freeSpace() throws {
        let sandbox = try ExecutionSandbox()
        #expect(run(.freeSpace(path: "/var", minimumBytes: 1), sandbox).passed)
        let tooMuch = run(.freeSpace(path: "/var", minimumBytes: Int64.max), sandbox)
        #expect(!tooMuch.passed)
        #expect(tooMuch.check == "freeSpace /var")
        #expect(tooMuch.detail.contains("bytes free, need"))
        #expect(!run(.freeSpace(path: "/no/such/dir", minimumBytes: 1), sandbox).passed)
    }

    @Test(.enabled(if: ProcessCommandRunner.locate("python3") != nil, "needs python3 to hold a lock"))
    func packageManagerLock() throws {
        let sandbox = try ExecutionSandbox()
        #expect(run(.packageManagerLockFree, sandbox).passed)
        let lock = sandbox.adminDirectory + "/lock-frontend"
        try sandbox.write(lock, "")
        #expect(run(.packageManagerLockFree, sandbox).passed)
        // Another process holds the fcntl lock, as apt does.
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: ProcessCommandRunner.locate("python3") ?? "python3")
        let ready = sandbox.base + "/locked"
        holder.arguments = [
            "-c",
            "import fcntl,time,sys; f=open(sys.argv[1],'w'); fcntl.lockf(f, fcntl.LOCK_EX); "
                + "open(sys.argv[2],'w').close(); time.sleep(30)",
            lock, ready,
        ]
        try holder.run()
        defer {
            kill(holder.processIdentifier, SIGKILL)
            holder.waitUntilExit()
        }
        for _ in 0..<100 where !FileManager.default.fileExists(atPath: ready) { usleep(50_000) }
        let locked = run(.packageManagerLockFree, sandbox)
        #expect(!locked.passed)
        #expect(locked.detail.contains("lock-frontend is locked by process \(holder.processIdentifier)"))
    }

    @Test func packagesConsistent() throws {
        let sandbox = try ExecutionSandbox()
        #expect(run(.packagesConsistent, sandbox).passed)
        try sandbox.buildDemo("1.0")
        let unpack = try ProcessCommandRunner().run(
            sandbox.executor().dpkg + ["--unpack", sandbox.packages + "/demo_1.0.deb"]
        )
        #expect(unpack.status == 0)
        let result = run(.packagesConsistent, sandbox)
        #expect(!result.passed)
        #expect(result.detail.contains("demo"))
    }

    @Test func serviceActive() throws {
        let sandbox = try ExecutionSandbox()
        try sandbox.write(
            sandbox.base + "/fake-systemctl",
            "#!/bin/sh\n[ \"$1\" = is-active ] && [ \"$2\" = web.service ] && { echo active; exit 0; }\necho inactive\nexit 3\n"
        )
        chmod(sandbox.base + "/fake-systemctl", 0o755)
        #expect(run(.serviceActive(unit: "web.service"), sandbox).passed)
        let down = run(.serviceActive(unit: "db.service"), sandbox)
        #expect(!down.passed)
        #expect(down.check == "serviceActive db.service")
        #expect(down.detail.contains("exit 3, expected 0: inactive"))
    }

    @Test func backupMarkerAge() throws {
        let sandbox = try ExecutionSandbox()
        try sandbox.write(sandbox.root + "/var/backups/done", "")
        let now = Int64(Date().timeIntervalSince1970)
        let plan = sandbox.plan("1.0", artifact: nil)
        #expect(
            checks(sandbox, now: now).run(.backupMarker(path: "/var/backups/done", maximumAgeHours: 24), plan: plan)
                .passed
        )
        let stale = checks(sandbox, now: now + 25 * 3600).run(
            .backupMarker(path: "/var/backups/done", maximumAgeHours: 24),
            plan: plan
        )
        #expect(!stale.passed)
        #expect(stale.detail == "marker is 25h old, at most 24h allowed")
        #expect(!run(.backupMarker(path: "/var/backups/missing", maximumAgeHours: 24), sandbox).passed)
    }

    @Test func commandExitCode() throws {
        let sandbox = try ExecutionSandbox()
        #expect(run(.command(arguments: ["sh", "-c", "exit 4"], expectedExitCode: 4), sandbox).passed)
        #expect(!run(.command(arguments: ["true"], expectedExitCode: 1), sandbox).passed)
        let missing = run(.command(arguments: ["/no/such/program"], expectedExitCode: 0), sandbox)
        #expect(!missing.passed)
        #expect(missing.detail.contains("program not found"))
        // Probes find the host's files through PATCHPILOT_ROOT (the sandbox root here).
        try sandbox.write(sandbox.root + "/usr/share/demo/healthy", "ok\n")
        let probe = PlanCheck.command(
            arguments: ["sh", "-c", "test -f \"$PATCHPILOT_ROOT/usr/share/demo/healthy\""],
            expectedExitCode: 0
        )
        #expect(run(probe, sandbox).passed)
    }

    @Test func httpGetAndTCPConnect() throws {
        let sandbox = try ExecutionSandbox()
        let server = try LoopbackHTTPServer(status: 200, body: "status: healthy")
        let url = "http://127.0.0.1:\(server.port)/health"
        #expect(run(.httpGet(url: url, expectedStatus: 200, bodyContains: "healthy"), sandbox).passed)
        #expect(run(.httpGet(url: url, expectedStatus: 200, bodyContains: nil), sandbox).passed)
        let body = run(.httpGet(url: url, expectedStatus: 200, bodyContains: "degraded"), sandbox)
        #expect(!body.passed)
        #expect(body.detail == "status 200 but body lacks \"degraded\"")
        let status = run(.httpGet(url: url, expectedStatus: 204, bodyContains: nil), sandbox)
        #expect(status.detail == "status 200, expected 204")
        #expect(
            !run(.httpGet(url: "https://127.0.0.1:\(server.port)/", expectedStatus: 200, bodyContains: nil), sandbox)
                .passed
        )
        #expect(run(.tcpConnect(host: "127.0.0.1", port: server.port), sandbox).passed)
        let closedPort = try LoopbackHTTPServer(status: 200, body: "").port
        // The second server is gone once its value is released; its port now refuses.
        let refused = run(.tcpConnect(host: "127.0.0.1", port: closedPort), sandbox)
        #expect(!refused.passed)
        #expect(refused.detail.contains("cannot connect to 127.0.0.1:\(closedPort)"))
    }

    @Test func installedVersionsMatchPlan() async throws {
        let sandbox = try ExecutionSandbox()
        try sandbox.buildDemo("1.0")
        try sandbox.preinstall("1.0")
        let runner = checks(sandbox)
        #expect(runner.run(.installedVersionsMatchPlan, plan: sandbox.plan("1.0", artifact: nil)).passed)
        let wrong = runner.run(.installedVersionsMatchPlan, plan: sandbox.plan("1.1", artifact: nil))
        #expect(!wrong.passed)
        #expect(wrong.detail == "demo is 1.0, plan says 1.1")
    }
}
