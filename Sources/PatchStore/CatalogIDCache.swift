import Synchronization

/// Catalog ids of package identities that are committed and correlated, kept in memory so that an
/// upload naming only known packages (the usual case: hosts share versions) costs no catalog
/// lookups. Sound because catalog rows are never deleted nor their identity changed, and
/// `correlated_at` only ever goes from NULL to a time: an entry, once true, stays true. Only
/// committed rows are entered (read from the database outside any open write), so a rolled-back
/// write cannot leave an id that does not exist.
final class CatalogIDCache: Sendable {
    /// Entries kept at most (about 300 bytes each); past it, lookups fall back to the database.
    static let capacity = 1_000_000

    private let ids = Mutex<[CatalogWriter.Identity: Int64]>([:])

    func id(_ identity: CatalogWriter.Identity) -> Int64? { ids.withLock { $0[identity] } }

    /// The entries whose identity is not remembered, in order (one lock for the whole list).
    func unremembered<T: Sendable>(_ entries: [(CatalogWriter.Identity, T)]) -> [(CatalogWriter.Identity, T)] {
        ids.withLock { ids in entries.filter { ids[$0.0] == nil } }
    }

    /// Remembers committed, correlated catalog rows.
    func remember(_ entries: [(CatalogWriter.Identity, Int64)]) {
        guard !entries.isEmpty else { return }
        ids.withLock { ids in
            for (identity, id) in entries where ids.count < Self.capacity { ids[identity] = id }
        }
    }
}
