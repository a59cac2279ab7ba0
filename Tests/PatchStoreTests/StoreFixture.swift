import FleetModel
import Foundation
import GRDB
import PatchStore
import Testing

/// A fresh SQLite file in its own temporary directory; the directory is removed when the fixture goes away.
final class StoreFixture: Sendable {
    let directory: URL
    let path: String
    let store: SQLiteStorage

    init() throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("patchstore-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        path = directory.appendingPathComponent("patchpilot.sqlite").path
        store = try SQLiteStorage(path: path)
    }

    deinit {
        try? FileManager.default.removeItem(at: directory)
    }

    /// A separate GRDB connection to the same file, to look behind the storage API.
    func rawQueue() throws -> DatabaseQueue {
        try DatabaseQueue(path: path)
    }

    /// Creates an enrollment token that allows `uses` enrollments.
    func makeToken(
        id: String = "tok1",
        secretHash: String = "hash1",
        uses: Int = 100,
        createdAt: Date = T.base,
        expiresAt: Date = T.base.addingTimeInterval(30 * 86400),
        hostID: String? = nil
    ) async throws {
        try await store.createEnrollmentToken(
            EnrollmentTokenRecord(
                id: id,
                secretHash: secretHash,
                usesAllowed: uses,
                createdAt: createdAt,
                expiresAt: expiresAt,
                createdBy: "user:admin",
                hostID: hostID
            ),
            actor: "user:admin"
        )
    }

    /// Enrolls a host through the store and returns its host id.
    @discardableResult
    func enrollHost(
        _ facts: HostFacts,
        agentID: String? = nil,
        hostID: String? = nil,
        tokenID: String = "tok1",
        secretHash: String = "hash1",
        now: Date = T.base
    ) async throws -> String {
        let outcome = try await store.enroll(
            tokenID: tokenID,
            secretHash: secretHash,
            registration: AgentRegistration(
                agentID: agentID ?? "agt-\(facts.machineID)",
                newHostID: hostID ?? "host-\(facts.machineID)",
                publicKey: "cHVibGljLWtleQ==",
                facts: facts
            ),
            now: now
        )
        guard case .enrolled(_, let hostID) = outcome else {
            Issue.record("enrollment of \(facts.hostname) failed: \(outcome)")
            throw StoreError(code: .notFound, message: "enrollment failed")
        }
        return hostID
    }
}

/// Fixed times: whole seconds so that millisecond storage round-trips exactly.
enum T {
    static let base = Date(timeIntervalSince1970: 1_700_000_000)
    static func at(_ seconds: TimeInterval) -> Date { base.addingTimeInterval(seconds) }
}

func facts(
    hostname: String,
    machineID: String? = nil,
    os: (String, String) = ("debian", "12"),
    kernel: String = "6.1.0-18-amd64",
    reboot: Bool = false
) -> HostFacts {
    HostFacts(
        hostname: hostname,
        machineID: machineID ?? "mid-\(hostname)",
        bootID: "boot-\(hostname)",
        os: OSRelease(id: os.0, versionID: os.1),
        architecture: "x86_64",
        kernelRunning: kernel,
        kernelNewestInstalled: kernel,
        rebootRequired: reboot,
        rebootRequiredPackages: reboot ? ["linux-image-amd64"] : [],
        uptimeSeconds: 12345.5
    )
}

func pkg(
    _ name: String,
    _ version: String,
    arch: String = "amd64",
    state: PackageState = .installed
)
    -> InstalledPackage
{
    InstalledPackage(name: name, architecture: arch, version: version, state: state, manager: .dpkg)
}
