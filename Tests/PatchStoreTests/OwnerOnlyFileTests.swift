import Foundation
import Testing

@testable import PatchStore

/// The embedded database and key files are the owner's alone, whatever the umask.
@Suite struct OwnerOnlyFileTests {
    static func mode(_ path: String) -> mode_t? {
        var status = stat()
        return stat(path, &status) == 0 ? status.st_mode & 0o777 : nil
    }

    static func directory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("pp-modes-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test func aNewDatabaseAndItsWALAreCreatedOwnerOnly() async throws {
        let directory = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // (The test process's umask is the usual 022: without the fix these files are 0644.)
        let path = directory + "/patchpilot.sqlite"
        let store = try SQLStorage(path: path)
        // A write makes SQLite create the WAL and shared-memory files.
        _ = try await store.sharedKey(named: "probe", now: Date()) { [1, 2, 3] }
        #expect(Self.mode(path) == 0o600)
        #expect(Self.mode(path + "-wal") == 0o600)
        #expect(Self.mode(path + "-shm") == 0o600)
        await store.close()
    }

    @Test func anExistingWorldReadableDatabaseIsNarrowed() async throws {
        let directory = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/patchpilot.sqlite"
        let first = try SQLStorage(path: path)
        await first.close()
        #expect(chmod(path, 0o644) == 0)
        let again = try SQLStorage(path: path)
        #expect(Self.mode(path) == 0o600)
        await again.close()
    }

    @Test func createdFilesAreOwnerOnlyAndNeverOverwritten() throws {
        let directory = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/signing.key"
        try OwnerOnlyFile.create(path, contents: Array(repeating: 7, count: 32))
        #expect(Self.mode(path) == 0o600)
        #expect(FileManager.default.contents(atPath: path) == Data(repeating: 7, count: 32))
        #expect(throws: StoreError.self) { try OwnerOnlyFile.create(path, contents: [1]) }
        #expect(FileManager.default.contents(atPath: path)?.count == 32)
        #expect(chmod(path, 0o640) == 0)
        try OwnerOnlyFile.restrict(path)
        #expect(Self.mode(path) == 0o600)
    }
}
