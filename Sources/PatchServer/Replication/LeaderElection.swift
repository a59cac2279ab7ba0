import Foundation
import Logging
import PatchStore
import ServiceLifecycle

/// Takes and renews the `leader` lease: every third of the lease period, so a leader that dies or
/// stalls is replaced within one lease period. Gives the lease up on a clean stop.
struct LeaderElection: Service {
    let storage: any PatchStorage
    let clock: any WallClock
    let leadership: Leadership
    let lease: TimeInterval
    let logger: Logger

    /// One acquire-or-renew; returns the grant (nil: another replica leads).
    @discardableResult
    func renew() async -> LeaseGrant? {
        let now = clock.now()
        do {
            let grant = try await storage.acquireLease(
                name: Leadership.leaseName,
                owner: leadership.replicaID,
                now: now,
                until: now.addingTimeInterval(lease)
            )
            if leadership.update(grant) {
                logger.notice(
                    grant == nil ? "another replica leads" : "this replica leads",
                    metadata: [
                        "pp.replica": .string(leadership.replicaID),
                        "pp.token": .string(grant.map { String($0.token) } ?? "-"),
                    ]
                )
            }
            return grant
        } catch {
            // Unreachable database: keep the grant until it lapses by our clock, no longer.
            logger.error("cannot renew the leader lease", metadata: ["pp.error": .string("\(error)")])
            return nil
        }
    }

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            await renew()
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(lease / 3)) }
        }
        if let grant = leadership.current(now: clock.now()) {
            leadership.update(nil)
            try? await storage.releaseLease(grant)
        }
    }
}
