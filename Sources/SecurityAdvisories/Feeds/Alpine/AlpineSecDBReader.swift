import Foundation
import PackageVersions

/// Reads Alpine secdb files: the JSON that secdb.alpinelinux.org serves (`v3.19/main.json`) and
/// the YAML of the older `alpine-secdb` repository (`v3.10/main.yaml`); both have the same keys.
///
/// Rules:
/// - One ``Advisory`` per vulnerability id (id = the CVE id, source ``AdvisorySource/alpine``),
///   with one ``AffectedPackage`` per (release, origin package): `nameKind` is
///   ``PackageNameKind/source`` because secdb names origin packages (`apache2`, not `apache2-ssl`).
/// - A secfixes key is the fixed version (status ``AffectedStatus/fixed``); the key `0` means the
///   release was never affected (``AffectedStatus/notAffected``, no fixed version).
/// - An entry may hold several ids separated by spaces (`CVE-2018-3639 XSA-263`): the first is the
///   advisory id, the others its aliases. Text from a token starting with `(` on is a comment
///   (`CVE-2018-14468 (FrameRelay)`). The typo `CVE_2019-2426` is read as `CVE-2019-2426`, and a
///   placeholder such as `CVE-????-?????` is ignored (the entry's other id, `XSA-295`, remains).
/// - Keys are versions as written; apk would refuse a few real ones (`4.8.0.-r1`), so only an empty
///   key or one with spaces is an error.
/// - When one package lists an id under several keys, the highest fixed version wins, and any
///   fixed version beats `0`. A branch's file inherits the keys of the branches it was forked from
///   (`busybox` in v3.10 lists CVE-2019-5747 under `1.29.3-r10` and `1.30.1-r2`), and the highest
///   one is the fix for the versions this branch ships: a lower one would hide `1.30.1-r1`.
/// - secdb has no dates, so every advisory gets the caller's `modified` date.
///
/// Results of several files (releases, repositories) combine with ``combining(_:)``.
public struct AlpineSecDBReader: Sendable {
    /// What to do with a package record that cannot be read.
    public var policy: InvalidRecordPolicy
    /// The modification date given to every advisory (secdb carries none): typically the time the
    /// file was fetched. Defaults to the Unix epoch.
    public var modified: Date

    /// Creates a reader.
    public init(policy: InvalidRecordPolicy = .fail, modified: Date = Date(timeIntervalSince1970: 0)) {
        self.policy = policy
        self.modified = modified
    }

    /// Reads the JSON form.
    public func read(json data: Data, source: String) throws(SecurityAdvisoriesError) -> FeedReadResult {
        try advisories(from: AlpineSecDBDocument(json: data, source: source), source: source)
    }

    /// Reads the YAML form.
    public func read(yaml data: Data, source: String) throws(SecurityAdvisoriesError) -> FeedReadResult {
        try advisories(from: AlpineSecDBDocument(yaml: data, source: source), source: source)
    }

    /// Merges results of several files: advisories with the same id become one, with the affected
    /// entries and aliases of all (ordered by id).
    public static func combining(_ results: [FeedReadResult]) -> FeedReadResult {
        var byID: [String: Advisory] = [:]
        var skipped: [SecurityAdvisoriesError] = []
        for result in results {
            skipped += result.skipped
            for advisory in result.advisories {
                guard var existing = byID[advisory.id] else {
                    byID[advisory.id] = advisory
                    continue
                }
                for alias in advisory.aliases where !existing.aliases.contains(alias) {
                    existing.aliases.append(alias)
                }
                for entry in advisory.affected where !existing.affected.contains(entry) {
                    existing.affected.append(entry)
                }
                existing.modified = max(existing.modified, advisory.modified)
                byID[advisory.id] = existing
            }
        }
        return FeedReadResult(advisories: byID.keys.sorted().compactMap { byID[$0] }, skipped: skipped)
    }

    private func advisories(
        from document: AlpineSecDBDocument,
        source: String
    ) throws(SecurityAdvisoriesError) -> FeedReadResult {
        let release = EcosystemRelease(
            .alpine,
            document.distroVersion.hasPrefix("v") ? document.distroVersion : "v" + document.distroVersion
        )
        var result = FeedReadResult()
        // id → (aliases, package → best status/version), in first-seen order.
        var order: [String] = []
        var aliases: [String: [String]] = [:]
        var fixes: [String: [(package: String, version: String?)]] = [:]
        for package in document.packages {
            let findings = try readRecord(policy: policy, skipped: &result.skipped) {
                () throws(SecurityAdvisoriesError) -> [(ids: [String], version: String?)] in
                if let problem = package.problem { throw problem }
                return try Self.fixes(of: package, source: source)
            }
            guard let findings, let name = package.name else { continue }
            for (ids, version) in findings {
                let id = ids[0]
                if aliases[id] == nil {
                    order.append(id)
                    aliases[id] = []
                }
                for alias in ids.dropFirst() where !aliases[id, default: []].contains(alias) {
                    aliases[id, default: []].append(alias)
                }
                var list = fixes[id, default: []]
                if let index = list.firstIndex(where: { $0.package == name }) {
                    list[index].version = Self.higher(list[index].version, version)
                } else {
                    list.append((name, version))
                }
                fixes[id] = list
            }
        }
        for id in order {
            let affected = (fixes[id] ?? []).map { fix in
                AffectedPackage(
                    release: release,
                    name: fix.package,
                    nameKind: .source,
                    status: fix.version == nil ? .notAffected : .fixed,
                    fixedVersion: fix.version
                )
            }
            result.advisories.append(
                Advisory(id: id, aliases: aliases[id] ?? [], source: .alpine, modified: modified, affected: affected)
            )
        }
        return result
    }

    /// `nil` is "not affected" (key `0`), which any fixed version overrides.
    private static func higher(_ lhs: String?, _ rhs: String?) -> String? {
        guard let lhs else { return rhs }
        guard let rhs else { return lhs }
        return AlpineVersion.compare(rhs, lhs) == .greater ? rhs : lhs
    }

    private static func fixes(
        of package: AlpineSecDBDocument.Package,
        source: String
    ) throws(SecurityAdvisoriesError) -> [(ids: [String], version: String?)] {
        var result: [(ids: [String], version: String?)] = []
        for (version, entries) in package.secfixes {
            let field = "\(package.path).pkg.secfixes.\(version)"
            func invalid(_ field: String, _ message: String) -> SecurityAdvisoriesError {
                SecurityAdvisoriesError(
                    code: .invalidValue,
                    source: source,
                    record: package.name,
                    field: field,
                    line: package.line,
                    message: message
                )
            }
            let isNotAffected = version == "0"
            // Kept as written: real files have keys apk would refuse (`4.8.0.-r1`, `6.6.2p1-r0`).
            guard !version.isEmpty, !version.contains(where: \.isWhitespace) else {
                throw invalid(field, "'\(version)' is not a package version")
            }
            for (index, entry) in entries.enumerated() {
                let ids = try Self.ids(in: entry) { message throws(SecurityAdvisoriesError) in
                    throw invalid("\(field)[\(index)]", message)
                }
                result.append((ids, isNotAffected ? nil : version))
            }
        }
        return result
    }

    /// The ids of one entry: `CVE-2018-3639  XSA-263` → both; `CVE-2018-14468 (FrameRelay)` → one.
    static func ids(
        in entry: String,
        fail: (String) throws(SecurityAdvisoriesError) -> Never
    ) throws(SecurityAdvisoriesError) -> [String] {
        var ids: [String] = []
        for token in entry.split(whereSeparator: \.isWhitespace) {
            if token.hasPrefix("(") { break }
            // A placeholder for an id not yet assigned: `CVE-????-?????  XSA-295`.
            if token.contains("?") { continue }
            var id = String(token)
            if id.hasPrefix("CVE_") { id = "CVE-" + id.dropFirst(4) }
            guard isVulnerabilityID(id) else { try fail("'\(token)' in '\(entry)' is not a vulnerability id") }
            if !ids.contains(id) { ids.append(id) }
        }
        if ids.isEmpty { try fail("no vulnerability id in '\(entry)'") }
        return ids
    }

    /// `PREFIX-rest`: an upper-case letter prefix, a hyphen, then letters, digits, `-`, `_`, `.`.
    private static func isVulnerabilityID(_ text: String) -> Bool {
        guard let hyphen = text.firstIndex(of: "-"), hyphen != text.startIndex else { return false }
        let prefix = text[..<hyphen]
        let rest = text[text.index(after: hyphen)...]
        return prefix.allSatisfy { $0.isASCII && ($0.isUppercase || $0.isNumber) }
            && prefix.first?.isLetter == true
            && !rest.isEmpty
            && rest.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }
    }
}
