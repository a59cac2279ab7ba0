import Foundation
import Testing

@testable import PatchAgent

@Suite struct JournalTests {
    private func temporaryState() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("pp-journal-\(UUID().uuidString)").path
    }

    @Test func appendsAndReadsBack() throws {
        let state = temporaryState()
        defer { try? FileManager.default.removeItem(atPath: state) }
        let journal = Journal(stateDirectory: state, planID: "plan/with spaces")
        #expect(journal.path == state + "/execution/plan_with_spaces.jsonl")
        #expect(try journal.read().isEmpty)
        var finished = JournalRecord(kind: .stepFinished, time: 2, step: .apply)
        finished.succeeded = true
        finished.versionsBefore = ["demo": "1.0"]
        finished.versionsAfter = ["demo": "1.1"]
        finished.stdoutTail = "Setting up demo (1.1) ..."
        try journal.append(JournalRecord(kind: .stepStarted, time: 1, step: .apply))
        try journal.append(finished)
        let records = try journal.read()
        #expect(records == [JournalRecord(kind: .stepStarted, time: 1, step: .apply), finished])
        let text = try String(contentsOfFile: journal.path, encoding: .utf8)
        #expect(text.split(separator: "\n").count == 2)
        #expect(text.hasSuffix("\n"))
    }

    @Test func tornLastLineIsIgnored() throws {
        let state = temporaryState()
        defer { try? FileManager.default.removeItem(atPath: state) }
        let journal = Journal(stateDirectory: state, planID: "p")
        try journal.append(JournalRecord(kind: .stepStarted, time: 1, step: .precheck))
        let handle = try #require(FileHandle(forWritingAtPath: journal.path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("{\"kind\":\"stepFin".utf8))
        try handle.close()
        #expect(try journal.read().count == 1)
    }

    @Test func badLineInTheMiddleIsCorrupt() throws {
        let state = temporaryState()
        defer { try? FileManager.default.removeItem(atPath: state) }
        let journal = Journal(stateDirectory: state, planID: "p")
        try FileManager.default.createDirectory(atPath: state + "/execution", withIntermediateDirectories: true)
        try Data("not json\n{\"kind\":\"reported\",\"time\":1}\n".utf8).write(to: URL(fileURLWithPath: journal.path))
        #expect(throws: ExecutionError.self) { try journal.read() }
    }
}
