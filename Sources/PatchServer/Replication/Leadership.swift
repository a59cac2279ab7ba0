import Foundation
import PatchStore
import Synchronization

/// Whether this replica leads: holds the `leader` lease that singleton jobs (audit checkpoints,
/// elevation expiry, catching up correlation) run under. Their writes carry the grant as a fence,
/// so a leader that stalled past its lease cannot act on what it read before it stalled.
public final class Leadership: Sendable {
    /// The lease's name in the database.
    public static let leaseName = "leader"

    /// This replica's id (the lease owner).
    public let replicaID: String
    private let grant = Mutex<LeaseGrant?>(nil)

    /// Creates the leadership state of replica `replicaID` (not leading until a lease is taken).
    public init(replicaID: String) {
        self.replicaID = replicaID
    }

    /// The grant, while it has not lapsed by this replica's clock.
    public func current(now: Date) -> LeaseGrant? {
        grant.withLock { grant in
            guard let grant, grant.expiresAt > now else { return nil }
            return grant
        }
    }

    /// Records the outcome of an acquire or renew; returns whether leadership changed.
    @discardableResult
    func update(_ new: LeaseGrant?) -> Bool {
        grant.withLock { grant in
            defer { grant = new }
            return (grant?.token) != (new?.token)
        }
    }

    /// A replica id unique across hosts and restarts: host name, process id and a random suffix.
    public static func makeReplicaID() -> String {
        let host = ProcessInfo.processInfo.hostName.prefix(40)
        let suffix = UInt32.random(in: 0...UInt32.max)
        return "\(host)-\(ProcessInfo.processInfo.processIdentifier)-\(String(suffix, radix: 36))"
    }
}
