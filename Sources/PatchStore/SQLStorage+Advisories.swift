import Foundation
import SecurityAdvisories

extension SQLStorage {
    public func importAdvisories(
        _ advisories: [Advisory],
        knownExploited: [KnownExploitedVulnerability],
        epss: [EPSSScore],
        skipped: Int,
        source: String,
        format: String,
        actor: String,
        now: Date
    ) async throws -> AdvisoryImportSummary {
        // Encode outside the write transaction: it is the expensive part.
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .millisecondsSince1970
        var latest: [String: Advisory] = [:]
        for advisory in advisories {
            if let seen = latest[advisory.id], seen.modified > advisory.modified { continue }
            latest[advisory.id] = advisory
        }
        let documents = try latest.values.sorted { $0.id < $1.id }.map { advisory in
            (advisory, String(decoding: try encoder.encode(advisory), as: UTF8.self))
        }
        let kevDocuments = try knownExploited.map { ($0, String(decoding: try encoder.encode($0), as: UTF8.self)) }
        return try await write { db -> AdvisoryImportSummary in
            var summary = AdvisoryImportSummary(skipped: skipped)
            let select = try db.makeStatement(sql: "SELECT modified, withdrawn, document FROM advisories WHERE id = ?")
            let insert = try db.makeStatement(
                sql: "INSERT INTO advisories (id, source, modified, withdrawn, document) VALUES (?, ?, ?, ?, ?)"
            )
            let update = try db.makeStatement(
                sql: "UPDATE advisories SET source = ?, modified = ?, withdrawn = ?, document = ? WHERE id = ?"
            )
            for (advisory, document) in documents {
                let modified = Self.millis(advisory.modified)
                let withdrawn = Self.millis(advisory.withdrawn)
                if let row = try SQLRow.fetchOne(select, arguments: [advisory.id]) {
                    let storedModified: Int64 = row["modified"]
                    let storedDocument: String = row["document"]
                    if storedDocument == document || modified < storedModified {
                        summary.unchanged += 1
                        continue
                    }
                    if withdrawn != nil, (row["withdrawn"] as Int64?) == nil {
                        summary.withdrawn += 1
                    } else {
                        summary.changed += 1
                    }
                    try update.execute(arguments: [
                        advisory.source.rawValue, modified, withdrawn, document, advisory.id,
                    ])
                } else {
                    try insert.execute(arguments: [
                        advisory.id, advisory.source.rawValue, modified, withdrawn, document,
                    ])
                    summary.added += 1
                }
            }
            let kev = try db.makeStatement(
                sql: """
                    INSERT INTO known_exploited (cve_id, due_date, document) VALUES (?, ?, ?)
                    ON CONFLICT(cve_id) DO UPDATE SET due_date = excluded.due_date, document = excluded.document
                    WHERE known_exploited.document <> excluded.document
                    """
            )
            for (entry, document) in kevDocuments {
                try kev.execute(arguments: [entry.cveID, Self.millis(entry.dueDate), document])
                summary.knownExploited += db.changesCount
            }
            let score = try db.makeStatement(
                sql: """
                    INSERT INTO epss_scores (cve_id, score, percentile, scored_at) VALUES (?, ?, ?, ?)
                    ON CONFLICT(cve_id) DO UPDATE SET score = excluded.score, percentile = excluded.percentile,
                        scored_at = excluded.scored_at
                    WHERE epss_scores.score <> excluded.score OR epss_scores.percentile <> excluded.percentile
                    """
            )
            for entry in epss {
                try score.execute(arguments: [entry.cveID, entry.score, entry.percentile, Self.millis(entry.date)])
                summary.epssScores += db.changesCount
            }
            try db.execute(
                sql: """
                    INSERT INTO feed_imports (at, source, format, added, changed, withdrawn, unchanged, skipped)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    Self.millis(now), source, format, summary.added, summary.changed, summary.withdrawn,
                    summary.unchanged, summary.skipped,
                ]
            )
            try Self.insertEvent(
                EventRecord(
                    at: now,
                    actor: actor,
                    action: "feeds.imported",
                    target: "feed:\(source)",
                    details: try Self.json(summary)
                ),
                db
            )
            return summary
        }
    }

    public func latestFeedImport() async throws -> Int64 {
        try await engine.read { db in try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(id), 0) FROM feed_imports") ?? 0
        }
    }

    public func advisories() async throws -> [Advisory] {
        let documents = try await engine.read { db in
            try String.fetchAll(db, sql: "SELECT document FROM advisories ORDER BY id")
        }
        return try documents.map { try Self.decodeAdvisory($0) }
    }

    public func advisory(id: String) async throws -> Advisory? {
        let document = try await engine.read { db in
            try String.fetchOne(db, sql: "SELECT document FROM advisories WHERE id = ?", arguments: [id])
        }
        return try document.map { try Self.decodeAdvisory($0) }
    }

    public func knownExploited() async throws -> [KnownExploitedVulnerability] {
        let documents = try await engine.read { db in
            try String.fetchAll(db, sql: "SELECT document FROM known_exploited")
        }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .millisecondsSince1970
        return try documents.map { try decoder.decode(KnownExploitedVulnerability.self, from: Data($0.utf8)) }
    }

    public func epssScores() async throws -> [EPSSScore] {
        try await engine.read { db in
            try SQLRow.fetchAll(db, sql: "SELECT * FROM epss_scores").map {
                EPSSScore(
                    cveID: $0["cve_id"],
                    score: $0["score"],
                    percentile: $0["percentile"],
                    date: Self.date($0["scored_at"] as Int64?)
                )
            }
        }
    }

    public func advisoryPublicationDates() async throws -> [String: Date] {
        try await engine.read { db in
            var dates: [String: Date] = [:]
            // Documents store dates as milliseconds since 1970.
            for row in try SQLRow.fetchAll(
                db,
                sql: db.dialect == .postgres
                    ? """
                    SELECT id, (document::jsonb->>'published')::double precision AS published FROM advisories
                    WHERE jsonb_typeof(document::jsonb->'published') = 'number'
                    """
                    : """
                    SELECT id, json_extract(document, '$.published') AS published FROM advisories
                    WHERE json_extract(document, '$.published') IS NOT NULL
                    """
            ) {
                if let millis = row["published"] as Double? {
                    dates[row["id"]] = Date(timeIntervalSince1970: millis / 1000)
                }
            }
            return dates
        }
    }

    static func decodeAdvisory(_ document: String) throws -> Advisory {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .millisecondsSince1970
        do {
            return try decoder.decode(Advisory.self, from: Data(document.utf8))
        } catch {
            throw StoreError(code: .invalidData, message: "a stored advisory cannot be decoded: \(error)")
        }
    }
}
