/// What changes between two policies, entry by entry (for `patchpilot policy diff` and `--dry-run`).
public struct PolicyDiff: Sendable, Hashable, CustomStringConvertible {
    /// How one entry changed.
    public enum Change: String, Sendable, Hashable {
        /// Only in the new policy.
        case added
        /// Only in the old policy.
        case removed
        /// In both, with different content.
        case changed
    }

    /// One changed entry.
    public struct Entry: Sendable, Hashable, CustomStringConvertible {
        /// The entry.
        public var id: PolicyEntryID
        /// How it changed.
        public var change: Change

        /// Creates an entry.
        public init(id: PolicyEntryID, change: Change) {
            self.id = id
            self.change = change
        }

        public var description: String {
            let sign =
                switch change {
                case .added: "+"
                case .removed: "-"
                case .changed: "~"
                }
            return "\(sign) \(id.kind.rawValue) \(id.name)"
        }
    }

    /// The changes, by kind then name.
    public var entries: [Entry]

    /// Compares two policies.
    public init(from old: PolicyDocument, to new: PolicyDocument) {
        let before = Self.contents(of: old)
        let after = Self.contents(of: new)
        var entries: [Entry] = []
        for (id, value) in after {
            if let previous = before[id] {
                if previous != value { entries.append(Entry(id: id, change: .changed)) }
            } else {
                entries.append(Entry(id: id, change: .added))
            }
        }
        for id in before.keys where after[id] == nil { entries.append(Entry(id: id, change: .removed)) }
        self.entries = entries.sorted { $0.id < $1.id }
    }

    /// Whether the policies are the same.
    public var isEmpty: Bool { entries.isEmpty }

    /// The entries of one kind of change.
    public func entries(_ change: Change) -> [Entry] { entries.filter { $0.change == change } }

    public var description: String {
        if entries.isEmpty { return "no changes" }
        return entries.map(\.description).joined(separator: "\n")
    }

    /// Every entry as a hashable value, by id.
    private static func contents(of document: PolicyDocument) -> [PolicyEntryID: AnyHashable] {
        var result: [PolicyEntryID: AnyHashable] = [:]
        func add<Value: Hashable>(_ kind: PolicyKind, _ values: [Value], _ name: (Value) -> String) {
            for value in values { result[PolicyEntryID(kind: kind, name: name(value))] = AnyHashable(value) }
        }
        add(.tier, document.tiers, \.name)
        add(.environment, document.environments, \.name)
        add(.group, document.groups, \.name)
        add(.service, Array(document.services.services.values), \.name)
        add(.slaProfile, document.slaProfiles, \.name)
        add(.baseline, document.baselines, \.name)
        add(.exception, document.register.exceptions, \.id)
        add(.hold, document.register.holds, \.name)
        return result
    }
}
