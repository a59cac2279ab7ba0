import Foundation

/// Turns one OSV record (a decoded JSON object) into an ``Advisory``.
///
/// Aliases are the record's `aliases`, then its `upstream` ids (Debian and Ubuntu put CVE ids
/// there), then CVE ids from `related` (Ubuntu CVE records relate to their CVE), plus the CVE id
/// inside a `UBUNTU-CVE-…` or `DEBIAN-CVE-…` id; CVE ids come first. `severity[]` CVSS vectors become
/// ``CVSSRecord``s without a score (the CVSS calculator computes it); the `Ubuntu` severity type,
/// `database_specific.severity`, or else the highest per-package severity gives ``Advisory/severity``.
struct OSVRecordMapper {
    /// The file or URL the record came from.
    let source: String

    /// Maps a record; `index` names it in errors when it has no usable id.
    func advisory(
        from fields: [String: Any],
        index: Int,
        ignored: inout [String: Int]
    ) throws(SecurityAdvisoriesError) -> Advisory {
        let label = (fields["id"] as? String).flatMap { $0.isEmpty ? nil : $0 } ?? "#\(index)"
        let record = JSONRecordObject(fields: fields, path: "", source: source, record: label)
        let id = try record.requiredString("id")
        let modified = try record.requiredDate("modified")
        let published = try record.date("published")
        let withdrawn = try record.date("withdrawn")
        let summary = try record.string("summary") ?? ""
        let details = try record.string("details") ?? ""

        var references: [String] = []
        for reference in try record.objects("references") {
            references.append(try reference.requiredString("url"))
        }

        var cvss: [CVSSRecord] = []
        var statedSeverity: Severity?
        for entry in try record.objects("severity") {
            let type = try entry.requiredString("type")
            let score = try entry.requiredString("score")
            switch type {
            case "CVSS_V2", "CVSS_V3", "CVSS_V4":
                cvss.append(CVSSRecord(version: Self.cvssVersion(of: score, type: type), vector: score, baseScore: nil))
            case "Ubuntu":
                statedSeverity = Severity(distributionWord: score)
            default:
                continue
            }
        }
        if let word = try record.object("database_specific")?.string("severity") {
            statedSeverity = statedSeverity ?? Severity(distributionWord: word)
        }

        var affected: [AffectedPackage] = []
        var recordIgnored: [String: Int] = [:]
        let mapper = OSVAffectedMapper()
        for entry in try record.objects("affected") {
            switch try mapper.map(entry) {
            case .package(let package): affected.append(package)
            case .ignored(let ecosystem): recordIgnored[ecosystem, default: 0] += 1
            }
        }
        ignored.merge(recordIgnored, uniquingKeysWith: +)

        let severity =
            statedSeverity.flatMap { $0 == .unknown ? nil : $0 } ?? affected.compactMap(\.severity).max() ?? .unknown
        return Advisory(
            id: id,
            aliases: try aliases(of: record, id: id),
            source: Self.advisorySource(of: id),
            published: published,
            modified: modified,
            withdrawn: withdrawn,
            summary: summary,
            details: details,
            references: references,
            severity: severity,
            cvss: cvss,
            affected: affected
        )
    }

    private func aliases(of record: JSONRecordObject, id: String) throws(SecurityAdvisoriesError) -> [String] {
        var candidates = try record.strings("aliases") + record.strings("upstream")
        candidates += try record.strings("related").filter { $0.hasPrefix("CVE-") }
        candidates += ([id] + candidates).compactMap(Self.embeddedCVE)
        var seen: Set<String> = [id]
        var cves: [String] = []
        var others: [String] = []
        for alias in candidates where seen.insert(alias).inserted {
            if alias.hasPrefix("CVE-") { cves.append(alias) } else { others.append(alias) }
        }
        return cves + others
    }

    /// `UBUNTU-CVE-2024-6387` → `CVE-2024-6387`.
    private static func embeddedCVE(_ id: String) -> String? {
        for prefix in ["UBUNTU-CVE-", "DEBIAN-CVE-"] where id.hasPrefix(prefix) {
            return "CVE-" + id.dropFirst(prefix.count)
        }
        return nil
    }

    /// `CVSS:3.1/…` → `3.1`; a vector without the prefix is CVSS 2.0 (or the type's version).
    static func cvssVersion(of vector: String, type: String) -> String {
        if vector.hasPrefix("CVSS:"), let slash = vector.firstIndex(of: "/") {
            return String(vector[vector.index(vector.startIndex, offsetBy: 5)..<slash])
        }
        switch type {
        case "CVSS_V4": return "4.0"
        case "CVSS_V3": return "3.0"
        default: return "2.0"
        }
    }

    /// The publisher named by the id's prefix; ``AdvisorySource/osv`` when none matches.
    static func advisorySource(of id: String) -> AdvisorySource {
        let prefixes: [(String, AdvisorySource)] = [
            ("DSA-", .dsa), ("DLA-", .dla), ("DEBIAN-CVE-", .debianTracker), ("USN-", .usn),
            ("UBUNTU-CVE-", .ubuntuCVE), ("RHSA-", .rhsa), ("RHBA-", .rhsa), ("RHEA-", .rhsa),
            ("ALSA-", .alsa), ("RLSA-", .rlsa), ("ALPINE-", .alpine),
        ]
        return prefixes.first { id.hasPrefix($0.0) }?.1 ?? .osv
    }
}
