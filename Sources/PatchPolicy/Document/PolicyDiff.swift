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
        /// What changed in a changed entry's rollout limits (`errorBudget 0 → 1`), when any did.
        public var details: [String]

        /// Creates an entry.
        public init(id: PolicyEntryID, change: Change, details: [String] = []) {
            self.id = id
            self.change = change
            self.details = details
        }

        public var description: String {
            let sign =
                switch change {
                case .added: "+"
                case .removed: "-"
                case .changed: "~"
                }
            let detail = details.isEmpty ? "" : " (\(details.joined(separator: ", ")))"
            return "\(sign) \(id.kind.rawValue) \(id.name)\(detail)"
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
                if previous != value {
                    entries.append(Entry(id: id, change: .changed, details: Self.limitChanges(id, from: old, to: new)))
                }
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

    /// The rollout limits that differ between two versions of an environment or a service.
    private static func limitChanges(_ id: PolicyEntryID, from old: PolicyDocument, to new: PolicyDocument) -> [String]
    {
        func text(_ budget: HostBudget?) -> String { budget?.description ?? "default" }
        func compare(_ pairs: [(String, HostBudget?, HostBudget?)]) -> [String] {
            pairs.compactMap { field, before, after in
                before == after ? nil : "\(field) \(text(before)) → \(text(after))"
            }
        }
        switch id.kind {
        case .environment:
            guard let before = old.environments.first(where: { $0.name == id.name }),
                let after = new.environments.first(where: { $0.name == id.name })
            else { return [] }
            return compare([
                ("errorBudget", before.errorBudget, after.errorBudget), ("canary", before.canary, after.canary),
                ("maxConcurrency", before.maxConcurrency, after.maxConcurrency),
            ])
        case .service:
            guard let before = old.services.services[id.name], let after = new.services.services[id.name] else {
                return []
            }
            return compare([("disruptionBudget", before.disruptionBudget, after.disruptionBudget)])
        default:
            return []
        }
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
