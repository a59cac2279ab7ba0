import Crypto
import Foundation

/// What a change does, where, when and why. Its ``digest`` is what approvals are given to: any edit
/// changes it and voids earlier approvals.
public struct ChangeContent: Sendable, Hashable, Codable {
    /// One package to bring to a version.
    public struct PackageTarget: Sendable, Hashable, Codable {
        /// Binary package name.
        public var name: String
        /// Exact target version; `nil` means the newest the baseline approves.
        public var version: String?

        /// Creates a target.
        public init(name: String, version: String? = nil) {
            self.name = name
            self.version = version
        }
    }

    /// Packages and target versions; empty with ``allApprovedByBaseline`` for "everything approved".
    public var packages: [PackageTarget]
    /// Install every update the approval baseline approves for each host.
    public var allApprovedByBaseline: Bool
    /// Host ids named directly.
    public var hosts: [String]
    /// Policy host groups.
    public var groups: [String]
    /// Policy environments (all their hosts).
    public var environments: [String]
    /// Maintenance windows the change may run in.
    public var windows: [String]
    /// Advisories or findings the change addresses.
    public var addresses: [String]
    /// How to undo it.
    public var rollbackPlan: String

    /// Creates content.
    public init(
        packages: [PackageTarget] = [],
        allApprovedByBaseline: Bool = false,
        hosts: [String] = [],
        groups: [String] = [],
        environments: [String] = [],
        windows: [String] = [],
        addresses: [String] = [],
        rollbackPlan: String = ""
    ) {
        self.packages = packages
        self.allApprovedByBaseline = allApprovedByBaseline
        self.hosts = hosts
        self.groups = groups
        self.environments = environments
        self.windows = windows
        self.addresses = addresses
        self.rollbackPlan = rollbackPlan
    }

    /// Checks the content is complete enough to submit.
    public func validate() throws {
        if packages.isEmpty && !allApprovedByBaseline {
            throw ChangeControlError(
                .invalid,
                field: "content.packages",
                "name packages (with target versions) or set allApprovedByBaseline"
            )
        }
        for (index, package) in packages.enumerated() where package.name.isEmpty {
            throw ChangeControlError(.invalid, field: "content.packages[\(index)].name", "must not be empty")
        }
        if hosts.isEmpty && groups.isEmpty && environments.isEmpty {
            throw ChangeControlError(.invalid, field: "content", "name hosts, groups or environments to change")
        }
        if rollbackPlan.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw ChangeControlError(.invalid, field: "content.rollbackPlan", "say how the change is undone")
        }
    }

    /// Hex SHA-256 of the content in a canonical form (sorted keys, sorted lists).
    public var digest: String {
        var canonical = self
        canonical.packages.sort { ($0.name, $0.version ?? "") < ($1.name, $1.version ?? "") }
        canonical.hosts.sort()
        canonical.groups.sort()
        canonical.environments.sort()
        canonical.windows.sort()
        canonical.addresses.sort()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(canonical)) ?? Data()
        return SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }
}
