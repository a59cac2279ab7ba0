import AgentProtocol
import Foundation

/// One line of the execution journal.
public struct JournalRecord: Sendable, Hashable, Codable {
    /// What the record says.
    public enum Kind: String, Sendable, Hashable, Codable {
        /// The plan was accepted; ``JournalRecord/plan`` holds it and ``JournalRecord/bootID`` the boot.
        case planStarted
        /// A step started.
        case stepStarted
        /// A step finished; ``JournalRecord/succeeded`` says how (for the reboot step,
        /// ``JournalRecord/rebootRequired`` holds its decision).
        case stepFinished
        /// The reboot command is about to run, from boot ``JournalRecord/bootID``.
        case rebootIssued
        /// The agent started in a new boot ``JournalRecord/bootID`` during the plan.
        case booted
        /// The execution ended with ``JournalRecord/status``.
        case finished
        /// The final report was handed over; nothing is left to do.
        case reported
    }

    /// What the record says.
    public var kind: Kind
    /// Unix seconds when written.
    public var time: Int64
    /// The plan (on ``Kind/planStarted`` only).
    public var plan: UpdatePlan?
    /// The step concerned.
    public var step: ExecutionStep?
    /// Whether the step passed.
    public var succeeded: Bool?
    /// On `stepFinished`: Unix seconds when the step started.
    public var startedAt: Int64?
    /// Why the step failed, or what it found.
    public var detail: String?
    /// The checks the step ran.
    public var checks: [CheckResult]?
    /// Installed versions before the step (name → version; absent = not installed).
    public var versionsBefore: [String: String]?
    /// Installed versions after the step.
    public var versionsAfter: [String: String]?
    /// The tail of the commands' standard output.
    public var stdoutTail: String?
    /// The tail of the commands' standard error.
    public var stderrTail: String?
    /// The boot id concerned.
    public var bootID: String?
    /// Whether a reboot was required.
    public var rebootRequired: Bool?
    /// The final status.
    public var status: ExecutionStatus?

    /// Creates a record.
    public init(kind: Kind, time: Int64, step: ExecutionStep? = nil) {
        self.kind = kind
        self.time = time
        self.step = step
    }
}

/// The durable journal of one plan execution: JSON lines in `<state>/execution/<plan-id>.jsonl`.
///
/// Every record is written with one `write(2)` on an `O_APPEND` descriptor, then the file and its
/// directory are `fsync`ed before ``append(_:)`` returns, so a record that returned is on disk when
/// the machine loses power. A crash in the middle of a write leaves at most a torn last line, which
/// ``read()`` ignores; a bad line anywhere else is ``ExecutionError/Code/journalCorrupt``.
public struct Journal: Sendable {
    /// The journal file.
    public let path: String

    /// The journal of `planID` under `stateDirectory`.
    public init(stateDirectory: String, planID: String) {
        let safe = planID.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." ? $0 : "_" }
        path = Self.directory(stateDirectory) + "/" + String(safe) + ".jsonl"
    }

    /// The directory holding the journals.
    public static func directory(_ stateDirectory: String) -> String { stateDirectory + "/execution" }

    /// The journals under `stateDirectory` whose execution has not been reported yet.
    public static func unreported(in stateDirectory: String) throws(ExecutionError) -> [Journal] {
        let directory = directory(stateDirectory)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        var journals: [Journal] = []
        for name in names.sorted() where name.hasSuffix(".jsonl") {
            let journal = Journal(path: directory + "/" + name)
            if try !journal.read().contains(where: { $0.kind == .reported }) { journals.append(journal) }
        }
        return journals
    }

    private init(path: String) { self.path = path }

    /// Whether the journal exists.
    public var exists: Bool { FileManager.default.fileExists(atPath: path) }

    /// Appends a record durably (write, fsync file, fsync directory).
    public func append(_ record: JournalRecord) throws(ExecutionError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard var line = try? encoder.encode(record) else {
            throw ExecutionError(code: .journalUnwritable, subject: path, message: "cannot encode \(record.kind)")
        }
        line.append(UInt8(ascii: "\n"))
        let directory = (path as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw ExecutionError(code: .journalUnwritable, subject: directory, message: "cannot create: \(error)")
        }
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw failure("open", errno) }
        defer { close(fd) }
        let written = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == line.count else { throw failure("write", errno) }
        guard fsync(fd) == 0 else { throw failure("fsync", errno) }
        let directoryFD = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard directoryFD >= 0 else { throw failure("open directory", errno) }
        defer { close(directoryFD) }
        guard fsync(directoryFD) == 0 else { throw failure("fsync directory", errno) }
    }

    /// The records written so far; a torn last line is ignored.
    public func read() throws(ExecutionError) -> [JournalRecord] {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        let lines = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true)
        var records: [JournalRecord] = []
        let decoder = JSONDecoder()
        for (index, line) in lines.enumerated() {
            do {
                records.append(try decoder.decode(JournalRecord.self, from: Data(line)))
            } catch {
                let endsWithNewline = data.last == UInt8(ascii: "\n")
                if index == lines.count - 1, !endsWithNewline { break }
                throw ExecutionError(code: .journalCorrupt, subject: path, message: "line \(index + 1): \(error)")
            }
        }
        return records
    }

    /// The plan the journal was started for.
    public func plan() throws(ExecutionError) -> UpdatePlan? {
        try read().first(where: { $0.kind == .planStarted })?.plan
    }

    private func failure(_ operation: String, _ code: Int32) -> ExecutionError {
        ExecutionError(
            code: .journalUnwritable,
            subject: path,
            message: "\(operation): \(String(cString: strerror(code)))"
        )
    }
}
