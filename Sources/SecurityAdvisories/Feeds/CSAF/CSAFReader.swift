import Foundation
import PackageVersions

/// Reads CSAF 2.0 documents: security advisories (Red Hat's RHSA/RHBA/RHEA), VEX documents and
/// informational advisories.
///
/// One document gives one ``Advisory``:
/// - id `document.tracking.id` (`RHSA-2022:0011`); aliases the CVE ids of `vulnerabilities[]`;
///   source ``AdvisorySource/rhsa`` when the id starts with `RH` or the publisher namespace is
///   Red Hat's, ``AdvisorySource/rlsa``/``AdvisorySource/alsa`` for `RLSA-`/`ALSA-` ids,
///   ``AdvisorySource/csaf`` otherwise; published `initial_release_date`, modified
///   `current_release_date`; summary the title, details the summary (or general) note.
/// - severity `document.aggregate_severity.text` (`Important` → high), else the highest threat
///   impact word, else the band of the highest CVSS base score.
/// - affected entries (``PackageNameKind/binary``) only for products ``CSAFProductTree`` places as
///   an RPM in a release; other products (container images, the "Example Company ABC 4.2" of
///   generic VEX, layered products) are read but produce no entry. Source RPMs (`arch` `src`, as
///   Red Hat's VEX names unfixed components) give ``PackageNameKind/source`` entries. A `fixed`
///   product without a version gives no entry (there is no fixed version to compare with).
/// - per (release, package) one entry. Over arches and streams of one release, a fixed status keeps
///   the lowest fixed EVR (rpm order). When the document's vulnerabilities disagree about one
///   package, the status that matters most for a host wins: affected > will-not-fix > fixed >
///   under investigation > not affected.
///
/// Under ``InvalidRecordPolicy/skip`` an unreadable `vulnerabilities[]` entry is skipped and
/// reported; a document without `document.tracking` or with a broken product tree always fails.
public struct CSAFReader: Sendable {
    /// What to do with a `vulnerabilities[]` entry that cannot be read.
    public var policy: InvalidRecordPolicy

    /// Creates a reader.
    public init(policy: InvalidRecordPolicy = .fail) {
        self.policy = policy
    }

    /// Reads one CSAF JSON document.
    ///
    /// - Parameters:
    ///   - data: the document's bytes.
    ///   - source: the file name or URL, used in errors.
    public func read(_ data: Data, source: String) throws(SecurityAdvisoriesError) -> FeedReadResult {
        let root = JSONCursor(root: try JSONTree.parse(data, source: source), source: source)
        try root.requireObject()
        let document = root["document"]
        let csafVersion = try document["csaf_version"].string()
        guard csafVersion.hasPrefix("2.") else {
            throw document["csaf_version"].error(.unsupportedFormat, "CSAF version \(csafVersion) is not 2.x")
        }
        let id = try document["tracking"]["id"].string()
        let doc = root.inRecord(id)
        let tracking = doc["document"]["tracking"]
        let modified = try tracking["current_release_date"].date()
        let published = try tracking["initial_release_date"].optionalDate()
        let tree = try CSAFProductTree(doc["product_tree"])

        var result = FeedReadResult()
        var vulnerabilities: [CSAFVulnerability] = []
        for entry in try doc["vulnerabilities"].elements() {
            let vulnerability = try readRecord(policy: policy, skipped: &result.skipped) {
                () throws(SecurityAdvisoriesError) in
                try CSAFVulnerability(entry, tree: tree)
            }
            if let vulnerability { vulnerabilities.append(vulnerability) }
        }

        var aliases: [String] = []
        for cve in vulnerabilities.compactMap(\.cve) where cve != id && !aliases.contains(cve) {
            aliases.append(cve)
        }
        var references: [String] = []
        for reference in try doc["document"]["references"].elements() {
            let url = try reference["url"].string()
            if !references.contains(url) { references.append(url) }
        }
        for url in vulnerabilities.flatMap(\.references) where !references.contains(url) {
            references.append(url)
        }
        var cvss: [CVSSRecord] = []
        for record in vulnerabilities.flatMap(\.cvss) where !cvss.contains(record) {
            cvss.append(record)
        }
        result.advisories.append(
            Advisory(
                id: id,
                aliases: aliases,
                source: try Self.source(id: id, document: doc["document"]),
                published: published,
                modified: modified,
                summary: try doc["document"]["title"].optionalString() ?? "",
                details: try Self.details(doc["document"]),
                references: references,
                severity: try Self.severity(doc["document"], vulnerabilities: vulnerabilities, cvss: cvss),
                cvss: cvss,
                affected: Self.affected(vulnerabilities, tree: tree)
            )
        )
        return result
    }

    private static func source(id: String, document: JSONCursor) throws(SecurityAdvisoriesError) -> AdvisorySource {
        let upper = id.uppercased()
        if upper.hasPrefix("RLSA-") { return .rlsa }
        if upper.hasPrefix("ALSA-") { return .alsa }
        let namespace = try document["publisher"]["namespace"].optionalString() ?? ""
        if upper.hasPrefix("RH") || namespace.contains("redhat.com") { return .rhsa }
        return .csaf
    }

    private static func details(_ document: JSONCursor) throws(SecurityAdvisoriesError) -> String {
        var byCategory: [String: String] = [:]
        for note in try document["notes"].elements() {
            let category = try note["category"].string()
            if byCategory[category] == nil { byCategory[category] = try note["text"].string() }
        }
        return byCategory["summary"] ?? byCategory["general"] ?? byCategory["description"] ?? ""
    }

    private static func severity(
        _ document: JSONCursor,
        vulnerabilities: [CSAFVulnerability],
        cvss: [CVSSRecord]
    ) throws(SecurityAdvisoriesError) -> Severity {
        if let text = try document["aggregate_severity"]["text"].optionalString() {
            let severity = Severity(distributionWord: text)
            if severity != .unknown { return severity }
        }
        let impact = vulnerabilities.map(\.impact).max() ?? .unknown
        if impact != .unknown { return impact }
        return cvss.compactMap(\.baseScore).max().map { Severity(cvssScore: $0) } ?? .unknown
    }

    /// Rank of a status when the document's vulnerabilities disagree about one package.
    private static func weight(_ status: AffectedStatus) -> Int {
        switch status {
        case .affected: 5
        case .willNotFix: 4
        case .fixed: 3
        case .underInvestigation: 2
        case .endOfLife: 1
        case .notAffected: 0
        }
    }

    private struct Key: Hashable {
        var release: EcosystemRelease
        var name: String
        var kind: PackageNameKind
    }

    static func affected(_ vulnerabilities: [CSAFVulnerability], tree: CSAFProductTree) -> [AffectedPackage] {
        var entries: [Key: AffectedPackage] = [:]
        var order: [Key] = []
        for vulnerability in vulnerabilities {
            for (productID, status) in vulnerability.statuses.sorted(by: { $0.key < $1.key }) {
                guard let placed = tree.packages[productID] else { continue }
                if status == .fixed, placed.component.evr == nil { continue }
                let kind: PackageNameKind = placed.component.arch == "src" ? .source : .binary
                let key = Key(release: placed.release, name: placed.component.name, kind: kind)
                let candidate = AffectedPackage(
                    release: placed.release,
                    name: placed.component.name,
                    nameKind: kind,
                    status: status,
                    fixedVersion: status == .fixed ? placed.component.evr : nil
                )
                guard let existing = entries[key] else {
                    entries[key] = candidate
                    order.append(key)
                    continue
                }
                if weight(candidate.status) > weight(existing.status) {
                    entries[key] = candidate
                } else if candidate.status == .fixed, existing.status == .fixed,
                    let new = candidate.fixedVersion.flatMap(RPMVersion.init),
                    let old = existing.fixedVersion.flatMap(RPMVersion.init), new < old
                {
                    entries[key] = candidate
                }
            }
        }
        return order.sorted { lhs, rhs in
            (lhs.release, lhs.name, lhs.kind.rawValue) < (rhs.release, rhs.name, rhs.kind.rawValue)
        }.compactMap { entries[$0] }
    }
}
