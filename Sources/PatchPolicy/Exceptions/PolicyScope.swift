/// What an exception or hold applies to: which hosts (one host, a group, or all) × what
/// (one package, one advisory, or everything).
public struct PolicyScope: Sendable, Hashable, CustomStringConvertible {
    /// The host side of a scope.
    public enum Hosts: Sendable, Hashable {
        /// Every host.
        case all
        /// One host, by id.
        case host(String)
        /// The members of a group, by name.
        case group(String)
    }

    /// The subject side of a scope.
    public enum Subject: Sendable, Hashable {
        /// Every package and advisory.
        case all
        /// One binary or source package, by name.
        case package(String)
        /// One advisory, by id or alias (`DSA-5380-1`, `CVE-2023-1393`).
        case advisory(String)
    }

    /// The hosts.
    public var hosts: Hosts
    /// The subject.
    public var subject: Subject

    /// Creates a scope.
    public init(hosts: Hosts = .all, subject: Subject = .all) {
        self.hosts = hosts
        self.subject = subject
    }

    /// Whether the scope covers one finding or change on one host.
    ///
    /// - Parameters:
    ///   - hostID: the host.
    ///   - groups: the names of the groups the host belongs to.
    ///   - packages: the binary and source package names involved.
    ///   - advisories: the advisory id and its aliases (empty for a change not tied to an advisory).
    public func covers(hostID: String, groups: Set<String>, packages: [String], advisories: [String]) -> Bool {
        switch hosts {
        case .all: break
        case .host(let id): if id != hostID { return false }
        case .group(let name): if !groups.contains(name) { return false }
        }
        switch subject {
        case .all: return true
        case .package(let name): return packages.contains(name)
        case .advisory(let id): return advisories.contains(id)
        }
    }

    public var description: String {
        let left: String
        switch hosts {
        case .all: left = "all hosts"
        case .host(let id): left = "host \(id)"
        case .group(let name): left = "group \(name)"
        }
        switch subject {
        case .all: return "\(left) × everything"
        case .package(let name): return "\(left) × package \(name)"
        case .advisory(let id): return "\(left) × advisory \(id)"
        }
    }
}
