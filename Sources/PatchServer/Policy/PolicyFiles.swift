import PatchPolicy
import PatchStore
import Synchronization

/// A policy version split into its YAML policy document and its iCalendar maintenance calendars.
struct LoadedPolicy: Sendable {
    /// The YAML documents merged.
    var document: PolicyDocument
    /// The `.ics` calendars, by file name.
    var calendars: [(name: String, calendar: MaintenanceCalendar)]

    /// Policies parsed recently, by their files: a policy version is parsed once, not on every
    /// request or rollout tick that needs it (the files are the key, so two databases in one
    /// process never share an entry by accident).
    private static let parsed = Mutex<[(files: [PolicyFile], policy: LoadedPolicy)]>([])
    private static let parsedLimit = 8

    /// Loads files; `.ics` files are calendars, everything else is YAML. Throws the first error
    /// (file, line, column, field).
    static func load(_ files: [PolicyFile]) throws(PatchPolicyError) -> LoadedPolicy {
        if let hit = parsed.withLock({ cache in cache.first { $0.files == files }?.policy }) { return hit }
        let policy = try parse(files)
        parsed.withLock { cache in
            cache.removeAll { $0.files == files }
            cache.insert((files, policy), at: 0)
            if cache.count > parsedLimit { cache.removeLast(cache.count - parsedLimit) }
        }
        return policy
    }

    private static func parse(_ files: [PolicyFile]) throws(PatchPolicyError) -> LoadedPolicy {
        let yaml = files.filter { !$0.name.lowercased().hasSuffix(".ics") }
        var calendars: [(name: String, calendar: MaintenanceCalendar)] = []
        for file in files where file.name.lowercased().hasSuffix(".ics") {
            calendars.append((file.name, try MaintenanceCalendar.parse(file.text, source: file.name)))
        }
        let document = yaml.isEmpty ? PolicyDocument() : try PolicyDocument.load(files: yaml.map { ($0.name, $0.text) })
        return LoadedPolicy(document: document, calendars: calendars)
    }

    /// Change lines for calendars (added, removed or changed files), next to the document diff.
    static func calendarChanges(from old: [PolicyFile], to new: [PolicyFile]) -> [String] {
        func calendars(_ files: [PolicyFile]) -> [String: String] {
            Dictionary(
                files.filter { $0.name.lowercased().hasSuffix(".ics") }.map { ($0.name, $0.text) },
                uniquingKeysWith: { _, last in last }
            )
        }
        let before = calendars(old)
        let after = calendars(new)
        var changes: [String] = []
        for (name, text) in after.sorted(by: { $0.key < $1.key }) {
            if let previous = before[name] {
                if previous != text { changes.append("~ calendar \(name)") }
            } else {
                changes.append("+ calendar \(name)")
            }
        }
        for name in before.keys.sorted() where after[name] == nil { changes.append("- calendar \(name)") }
        return changes
    }
}
