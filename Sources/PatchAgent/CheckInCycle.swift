import AgentProtocol
import FleetModel

/// One check-in: heartbeat, then an inventory upload if the server wants one.
///
/// The upload is a delta when the server holds exactly the list this agent last had acknowledged,
/// and a full list otherwise (first run, lost state, or a 409 because the server's copy moved).
public struct CheckInCycle: Sendable {
    let client: AgentClient
    let signer: RequestSigner

    /// What a check-in did.
    public enum Outcome: Sendable, Hashable {
        /// The server already had this inventory.
        case unchanged
        /// A delta was uploaded.
        case delta(added: Int, removed: Int, changed: Int)
        /// The full list was uploaded.
        case full(packages: Int)
    }

    /// Creates a cycle.
    public init(client: AgentClient, signer: RequestSigner) {
        self.client = client
        self.signer = signer
    }

    /// Runs one check-in with the current facts and packages; `acknowledged` is the list the server
    /// last acknowledged (the delta base). Returns what happened and the new acknowledged list.
    public func run(
        facts: HostFacts,
        packages: [InstalledPackage],
        acknowledged: [InstalledPackage]?
    ) async throws
        -> (outcome: Outcome, acknowledged: [InstalledPackage]?)
    {
        let fingerprint = InventoryFingerprint.of(packages)
        let answer = try await client.heartbeat(
            HeartbeatRequest(facts: facts, inventoryFingerprint: fingerprint),
            signer: signer
        )
        guard answer.inventoryWanted else { return (.unchanged, packages) }
        if let base = acknowledged, let stored = answer.storedFingerprint, InventoryFingerprint.of(base) == stored {
            let upload = InventoryUpload.delta(from: base, to: packages)
            do {
                _ = try await client.upload(upload, signer: signer)
                let delta = upload.delta ?? PackageSetDiff()
                return (
                    .delta(added: delta.added.count, removed: delta.removed.count, changed: delta.changed.count),
                    packages
                )
            } catch let error as AgentError where error.status == 409 {
                // The server's copy moved on; fall through to a full upload.
            }
        }
        _ = try await client.upload(.full(packages), signer: signer)
        return (.full(packages: packages.count), packages)
    }
}
