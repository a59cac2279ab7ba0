import Foundation
import PatchPolicy

/// Compliance reports kept while they are exact: a report is computed at a store revision (see
/// `PatchStorage.reportRevision()`) and stays right until that revision moves or the clock reaches
/// the first instant at which one of its findings changes state (`validUntil`). Concurrent requests
/// for a report being computed wait for that computation instead of starting their own.
actor ComplianceReports {
    struct Key: Hashable, Sendable {
        var framework: SLAFramework
        var rowLimit: Int
    }

    struct Entry: Sendable {
        var revision: Int64
        var validUntil: Date
        var report: ComplianceService.Report
    }

    /// Reports kept at most (frameworks × row limits asked for).
    static let capacity = 32
    private var entries: [Key: Entry] = [:]
    private var running: [Key: (revision: Int64, task: Task<Entry, any Error>)] = [:]

    /// The report for `key` at `revision`, from the cache when still exact at `now`, otherwise from
    /// `compute` (shared with concurrent callers at the same revision).
    func report(
        _ key: Key,
        revision: Int64,
        now: Date,
        compute: @escaping @Sendable () async throws -> Entry
    ) async throws -> ComplianceService.Report {
        if let entry = entries[key], entry.revision == revision, now < entry.validUntil { return entry.report }
        let task: Task<Entry, any Error>
        if let current = running[key], current.revision == revision {
            task = current.task
        } else {
            task = Task { try await compute() }
            running[key] = (revision, task)
        }
        let entry: Entry
        do {
            entry = try await task.value
        } catch {
            if running[key]?.task == task { running[key] = nil }
            throw error
        }
        if running[key]?.task == task { running[key] = nil }
        if entries[key] == nil, entries.count >= Self.capacity, let oldest = entries.keys.first {
            entries[oldest] = nil
        }
        if entry.revision >= (entries[key]?.revision ?? .min) { entries[key] = entry }
        return entry.report
    }
}
