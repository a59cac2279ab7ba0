import ChangeControl
import Crypto
import Foundation
import Logging
import PatchStore
import ServiceLifecycle

/// Seals the audit chain with signed checkpoints, verifies it, and expires lapsed elevations.
public struct AuditService: Sendable {
    let storage: any PatchStorage
    let clock: any WallClock
    let key: Curve25519.Signing.PrivateKey

    /// Creates the service.
    public init(storage: any PatchStorage, clock: any WallClock, key: Curve25519.Signing.PrivateKey) {
        self.storage = storage
        self.clock = clock
        self.key = key
    }

    /// Signs the chain head unless it is already sealed.
    @discardableResult
    public func seal(fence: LeaseGrant? = nil) async throws -> AuditCheckpoint? {
        let key = self.key
        return try await storage.sealAuditHead(now: clock.now(), fence: fence) { eventID, hash, at in
            try AuditCheckpoint.sign(eventID: eventID, headHash: hash, signedAt: at, key: key)
        }
    }

    /// Expires elevations whose time is up (also those that ran out while the server was down),
    /// then seals the head.
    /// With `fence`, both writes are refused once the leader lease has gone to another replica.
    public func sweep(fence: LeaseGrant? = nil) async throws {
        _ = try await storage.expireLapsedElevations(now: clock.now(), fence: fence)
        try await seal(fence: fence)
    }

    /// Checks the whole chain and every checkpoint against `publicKey` (default: this server's).
    public func verify(publicKey: Curve25519.Signing.PublicKey? = nil) async throws -> AuditVerification {
        try await Self.verify(storage: storage, publicKey: publicKey ?? key.publicKey)
    }

    /// Checks the whole chain of `storage` and its checkpoints.
    public static func verify(
        storage: any PatchStorage,
        publicKey: Curve25519.Signing.PublicKey?
    ) async throws -> AuditVerification {
        var events: [AuditEvent] = []
        var after: Int64 = 0
        while true {
            let page = try await storage.auditEvents(afterID: after, since: nil, target: nil, limit: 10_000)
            events += page
            guard let last = page.last else { break }
            after = last.id
        }
        return AuditVerifier.verify(
            events: events,
            checkpoints: try await storage.auditCheckpoints(),
            key: publicKey
        )
    }
}

/// Runs ``AuditService/sweep()`` at start and then periodically, on the leader only (its writes
/// fenced by the leader lease).
struct AuditSweeper: Service {
    let audit: AuditService
    let leadership: Leadership
    let interval: Duration
    let logger: Logger

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                if let grant = leadership.current(now: audit.clock.now()) { try await audit.sweep(fence: grant) }
            } catch let error as StoreError where error.code == .fenced {
                logger.notice("leader lease lost; audit sweep dropped", metadata: ["pp.error": .string("\(error)")])
            } catch {
                logger.error("cannot seal the audit log", metadata: ["pp.error": .string("\(error)")])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
        // Seal what the last moments wrote, so a clean stop leaves no unsealed tail (sealing is one
        // serializable write that seals only an unsealed head: safe on any replica).
        do { try await audit.seal() } catch {
            logger.error("cannot seal the audit log at shutdown", metadata: ["pp.error": .string("\(error)")])
        }
    }
}
