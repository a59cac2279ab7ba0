import CProcessSpawn
import Foundation
import Synchronization

/// A child process started with `posix_spawn` (through ``CProcessSpawn``), not Foundation's
/// `Process`: `Process.run()` on Linux reads past a buffer while it lists `/proc/self/fd` and
/// crashes now and then (swift-corelibs-foundation#5472, in Swift 6.3.1), and the agent runs as a
/// daemon that must not crash. The child gets only its three standard descriptors (everything else
/// the agent holds — sockets, the state directory's files — is closed in it), default signal
/// actions and an empty signal mask.
public final class ChildProcess: Sendable {
    /// How a child ended.
    public enum Termination: Sendable, Hashable {
        /// It exited with this status.
        case exited(Int32)
        /// A signal (its number) ended it.
        case signalled(Int32)

        /// The exit status, or the signal's number when a signal ended it (as `Process` reports it).
        public var status: Int32 {
            switch self {
            case .exited(let status), .signalled(let status): status
            }
        }
    }

    /// The child's process id.
    public let pid: pid_t
    private let ended = Mutex<Termination?>(nil)

    private init(pid: pid_t) { self.pid = pid }

    /// Starts `executable` (an absolute path) with `arguments` and exactly `environment`; standard
    /// input, output and error are the given descriptors (`nil`: `/dev/null`), which stay the
    /// caller's to close. `newProcessGroup`: the child leads a group of its own (a terminal's
    /// Ctrl-C does not reach it; ``signal(_:group:)`` reaches its descendants).
    public static func spawn(
        _ executable: String,
        _ arguments: [String],
        environment: [String: String],
        standardInput: Int32? = nil,
        standardOutput: Int32? = nil,
        standardError: Int32? = nil,
        newProcessGroup: Bool = false
    ) throws(ChildProcessError) -> ChildProcess {
        let argv = ([executable] + arguments).map { strdup($0) }
        let envp = environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") }
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid: pid_t = 0
        let result = (argv + [nil]).withUnsafeBufferPointer { argvBuffer in
            (envp + [nil]).withUnsafeBufferPointer { envpBuffer in
                pp_spawn(
                    executable,
                    argvBuffer.baseAddress,
                    envpBuffer.baseAddress,
                    standardInput ?? -1,
                    standardOutput ?? -1,
                    standardError ?? -1,
                    newProcessGroup ? 1 : 0,
                    &pid
                )
            }
        }
        guard result == 0 else {
            throw ChildProcessError(executable: executable, message: String(cString: strerror(result)))
        }
        return ChildProcess(pid: pid)
    }

    /// How it ended, once it has (without waiting).
    public var termination: Termination? {
        ended.withLock { ended in
            if ended == nil { ended = Self.reap(pid, options: WNOHANG) }
            return ended
        }
    }

    /// Whether it is still running.
    public var isRunning: Bool { termination == nil }

    /// Blocks the calling thread until it ended.
    @discardableResult
    public func waitUntilExit() -> Termination {
        if let known = ended.withLock({ $0 }) { return known }
        // Outside the lock: another thread asking `termination` meanwhile gets nil (or the same answer).
        let result = Self.reap(pid, options: 0)
        return ended.withLock { ended in
            if ended == nil { ended = result }
            return ended ?? .exited(-1)
        }
    }

    /// Waits until it ended, polling (for async callers, which must not block a thread).
    public func exited(polling interval: Duration = .milliseconds(20)) async throws -> Termination {
        while true {
            if let termination { return termination }
            try await Task.sleep(for: interval)
        }
    }

    /// Sends `signal` to the child (with `group`: to its process group, when it leads one).
    public func signal(_ signal: Int32, group: Bool = false) {
        guard termination == nil else { return }
        _ = Glibc.kill(group ? -pid : pid, signal)
    }

    /// `waitpid` on `pid`, retried on EINTR; nil while it runs (WNOHANG) .
    private static func reap(_ pid: pid_t, options: Int32) -> Termination? {
        var status: Int32 = 0
        while true {
            let result = waitpid(pid, &status, options)
            if result == pid { break }
            if result == 0 { return nil }
            if errno == EINTR { continue }
            // ECHILD: someone else reaped it; its status is lost.
            return .exited(-1)
        }
        let signal = status & 0x7f
        return signal == 0 ? .exited((status >> 8) & 0xff) : .signalled(signal)
    }
}

/// A child process could not be started.
public struct ChildProcessError: Error, CustomStringConvertible, Sendable {
    /// The program.
    public var executable: String
    /// Why (the system's message).
    public var message: String

    public var description: String { "cannot start \(executable): \(message)" }
}
