import Foundation

/// Reads the Debian Security Tracker JSON (`https://security-tracker.debian.org/tracker/data/json`):
/// `{source-package: {CVE-id: {description, scope, debianbug, releases: {codename: {…}}}}}`.
///
/// One ``Advisory`` per CVE (source ``AdvisorySource/debianTracker``, id the CVE id); entries for the
/// same CVE under several source packages merge into one advisory's affected list. Each release
/// with a known codename becomes an ``AffectedPackage`` naming the source package; `sid` and
/// unknown codenames are left out by design and counted in ``FeedReadResult/ignoredEntries``.
///
/// Status rules, per release:
/// - `resolved` with `fixed_version` `0` → ``AffectedStatus/notAffected``.
/// - `resolved` with a version → ``AffectedStatus/fixed`` at that version.
/// - `open` with urgency `end-of-life` → ``AffectedStatus/endOfLife``.
/// - `open` with `nodsa_reason` `ignored` → ``AffectedStatus/willNotFix`` (the security team decided
///   not to fix it in that release).
/// - `open` with `nodsa` (reason `postponed`, or none): minor issue, a fix may still come in a point
///   release → ``AffectedStatus/affected``, with ``AffectedPackage/statusNote`` `no-dsa: <text>`.
/// - other `open` → ``AffectedStatus/affected``; `undetermined` → ``AffectedStatus/underInvestigation``.
///
/// Urgencies map through ``Severity/init(distributionWord:)`` (`high**` → high, `unimportant` →
/// low, `not yet assigned` and `end-of-life` → no severity). The file carries no dates, so every
/// advisory gets the `modified` date the caller gives (the snapshot's download time).
public struct DebianTrackerReader: Sendable {
    /// What to do with a CVE entry that cannot be read.
    public var policy: InvalidRecordPolicy
    /// The time the snapshot was taken, used as every advisory's ``Advisory/modified``.
    public var modified: Date

    /// Creates a reader.
    public init(policy: InvalidRecordPolicy = .fail, modified: Date) {
        self.policy = policy
        self.modified = modified
    }

    /// Reads a tracker JSON document.
    ///
    /// - Parameter source: the file name or URL, used in errors.
    public func read(_ data: Data, source: String) throws(SecurityAdvisoriesError) -> FeedReadResult {
        let document: Any
        do {
            document = try JSONSerialization.jsonObject(with: data, options: [])
        } catch {
            throw SecurityAdvisoriesError(code: .malformedDocument, source: source, message: "not valid JSON: \(error)")
        }
        guard let packages = document as? [String: Any] else {
            throw SecurityAdvisoriesError(
                code: .malformedDocument,
                source: source,
                message: "expected an object of source packages, found \(JSONRecordObject.kind(of: document))"
            )
        }
        var result = FeedReadResult()
        var advisories: [String: Advisory] = [:]
        for package in packages.keys.sorted() {
            guard let entries = packages[package] as? [String: Any] else {
                let error = SecurityAdvisoriesError(
                    code: .invalidValue,
                    source: source,
                    record: package,
                    field: package,
                    message: "expected an object of CVE entries, found \(JSONRecordObject.kind(of: packages[package]!))"
                )
                guard policy == .skip else { throw error }
                result.skipped.append(error)
                continue
            }
            for cve in entries.keys.sorted() {
                var ignored: [String: Int] = [:]
                let entry = try readRecord(policy: policy, skipped: &result.skipped) {
                    () throws(SecurityAdvisoriesError) -> Advisory in
                    guard let fields = entries[cve] as? [String: Any] else {
                        throw SecurityAdvisoriesError(
                            code: .invalidValue,
                            source: source,
                            record: cve,
                            field: "\(package).\(cve)",
                            message: "expected an object, found \(JSONRecordObject.kind(of: entries[cve]!))"
                        )
                    }
                    let object = JSONRecordObject(
                        fields: fields,
                        path: "\(package).\(cve)",
                        source: source,
                        record: cve
                    )
                    return try advisory(cve: cve, package: package, entry: object, ignored: &ignored)
                }
                guard let entry else { continue }
                result.ignoredEntries.merge(ignored, uniquingKeysWith: +)
                if var existing = advisories[cve] {
                    existing.merge(entry)
                    advisories[cve] = existing
                } else {
                    advisories[cve] = entry
                }
            }
        }
        result.advisories = advisories.keys.sorted().map { advisories[$0]! }
        return result
    }

    private func advisory(
        cve: String,
        package: String,
        entry: JSONRecordObject,
        ignored: inout [String: Int]
    ) throws(SecurityAdvisoriesError) -> Advisory {
        let description = try entry.string("description") ?? ""
        var references = ["https://security-tracker.debian.org/tracker/\(cve)"]
        if let bug = entry.fields["debianbug"], !(bug is NSNull) {
            guard let number = bug as? Int else {
                throw entry.error(.invalidValue, "debianbug", "expected a bug number")
            }
            references.append("https://bugs.debian.org/\(number)")
        }
        _ = try entry.string("scope")

        var affected: [AffectedPackage] = []
        // `"releases": []` occurs in real data for entries with no release information.
        let releases = (entry.fields["releases"] as? [Any])?.isEmpty == true ? nil : try entry.object("releases")
        if let releases {
            for codename in releases.fields.keys.sorted() {
                let release = try releases.requiredObject(codename)
                guard let ecosystemRelease = ReleaseCodenames.debianRelease(codename) else {
                    ignored["Debian:\(codename)", default: 0] += 1
                    continue
                }
                affected.append(try Self.affectedPackage(package, in: ecosystemRelease, from: release))
            }
        }
        return Advisory(
            id: cve,
            source: .debianTracker,
            modified: modified,
            summary: description,
            references: references,
            severity: affected.compactMap(\.severity).max() ?? .unknown,
            affected: affected
        )
    }

    private static func affectedPackage(
        _ package: String,
        in release: EcosystemRelease,
        from object: JSONRecordObject
    ) throws(SecurityAdvisoriesError) -> AffectedPackage {
        let status = try object.requiredString("status")
        let urgency = try object.string("urgency") ?? ""
        let fixedVersion = try object.string("fixed_version")
        let noDSA = try object.string("nodsa")
        let noDSAReason = try object.string("nodsa_reason")
        if let repositories = try object.object("repositories") {
            for name in repositories.fields.keys { _ = try repositories.string(name) }
        }
        let severity = Severity(distributionWord: urgency)
        var entry = AffectedPackage(
            release: release,
            name: package,
            nameKind: .source,
            status: .affected,
            severity: severity == .unknown ? nil : severity
        )
        switch status {
        case "resolved":
            guard let fixedVersion, !fixedVersion.isEmpty else {
                throw object.error(.missingField, "fixed_version", "a resolved entry needs a fixed version")
            }
            if fixedVersion == "0" {
                entry.status = .notAffected
            } else {
                entry.status = .fixed
                entry.fixedVersion = fixedVersion
            }
        case "open":
            if urgency == "end-of-life" {
                entry.status = .endOfLife
            } else if noDSAReason == "ignored" {
                entry.status = .willNotFix
                entry.statusNote = "ignored" + (noDSA.map { ": \($0)" } ?? "")
            } else if noDSA != nil || noDSAReason != nil {
                entry.statusNote = "no-dsa" + ((noDSA ?? noDSAReason).map { ": \($0)" } ?? "")
            }
        case "undetermined":
            entry.status = .underInvestigation
        default:
            throw object.error(.invalidValue, "status", "unknown status '\(status)'")
        }
        return entry
    }
}

extension Advisory {
    /// Adds another tracker entry for the same CVE (another source package).
    fileprivate mutating func merge(_ other: Advisory) {
        affected += other.affected
        affected.sort { ($0.release, $0.name) < ($1.release, $1.name) }
        if summary.isEmpty { summary = other.summary }
        for reference in other.references where !references.contains(reference) { references.append(reference) }
        severity = max(severity, other.severity)
    }
}
