import ChangeControl
import FleetModel
import Foundation
import PatchPolicy
import PatchStore

/// Object-level authorization for hosts: where a host sits now (its policy environment and groups)
/// and whether a caller's grants cover it there. A route that acts on a host checks the caller's
/// scope against *that host*, not only the permission somewhere.
struct HostScopes: Sendable {
    let storage: any PatchStorage

    /// A host's place for access checks.
    struct Place: Sendable, Hashable, CustomStringConvertible {
        /// Its environment (`unassigned` when the policy assigns none, as for change impact).
        var environment: String
        /// Its groups.
        var groups: Set<String>

        var description: String {
            "environment \(environment)" + (groups.isEmpty ? "" : ", groups \(groups.sorted().joined(separator: ","))")
        }
    }

    /// Where `host` sits under the policy in force — or would sit with other labels and tags.
    func place(of host: HostRecord, labels: [String: String]? = nil, tags: [String]? = nil) async throws -> Place {
        guard let current = try await storage.currentPolicy() else {
            return Place(environment: "unassigned", groups: [])
        }
        let document = try LoadedPolicy.load(current.files).document
        let packages = try await storage.inventory(hostID: host.id).packages
        let placement = document.placement(
            of: HostDescription(
                id: host.id,
                facts: host.facts,
                labels: labels ?? host.labels,
                tags: Set(tags ?? host.tags),
                installed: packages
            )
        )
        return Place(environment: placement.environment?.name ?? "unassigned", groups: placement.groups)
    }

    /// Throws 403 unless `identity` holds `permission` where `place` is.
    static func require(_ permission: Permission, at place: Place, identity: Identity, what: String) throws {
        guard identity.authorization.allows(permission, environment: place.environment, groups: place.groups) else {
            throw Problem.forbidden(
                "\(identity.username) lacks permission '\(permission.rawValue)' for \(what) in \(place)"
            )
        }
    }

    /// The host with the id in the path, after checking `permission` against where it sits.
    func requireHost(
        id: String,
        _ permission: Permission,
        identity: Identity
    ) async throws -> (host: HostRecord, place: Place) {
        guard let host = try await storage.host(id: id) else { throw Problem.notFound("no host with id '\(id)'") }
        let place = try await place(of: host)
        try Self.require(permission, at: place, identity: identity, what: "host \(host.facts.hostname)")
        return (host, place)
    }
}
