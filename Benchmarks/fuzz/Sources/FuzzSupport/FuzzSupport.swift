// Shared helpers for the fuzz targets: turning libFuzzer's bytes into inputs, invariant checks that
// stop the run with a readable message, and the "use the result" step every advisory target shares
// (index the advisories, correlate packages against them, build findings and fixes).
import CFuzzerDriver
import FleetModel
import Foundation
import PackageVersions
import SecurityAdvisories

/// libFuzzer's input, read the ways the harnesses need.
public struct FuzzInput {
    /// The raw bytes.
    public let bytes: [UInt8]

    /// Copies libFuzzer's buffer.
    public init(_ data: UnsafePointer<UInt8>?, _ size: Int) {
        bytes = size > 0 && data != nil ? Array(UnsafeBufferPointer(start: data, count: size)) : []
    }

    /// The bytes as `Data`.
    public var data: Data { Data(bytes) }

    /// The bytes as text, invalid UTF-8 repaired the way `String(decoding:as:)` does (as the server
    /// and agent read files).
    public var text: String { String(decoding: bytes, as: UTF8.self) }

    /// The first byte as a selector (0 when empty) and the remaining bytes.
    public var selectorAndRest: (selector: UInt8, rest: [UInt8]) {
        guard let first = bytes.first else { return (0, []) }
        return (first, Array(bytes.dropFirst()))
    }
}

/// Stops the run with a message naming the broken invariant; libFuzzer then saves the input.
public func invariant(
    _ condition: @autoclosure () -> Bool,
    _ message: @autoclosure () -> String,
    file: StaticString = #fileID,
    line: UInt = #line
) {
    if !condition() {
        FileHandle.standardError.write(Data("invariant failed: \(message())\n".utf8))
        fatalError("invariant failed at \(file):\(line)")
    }
}

/// Checks shared by every reader that returns advisories.
public enum AdvisoryChecks {
    /// The most affected entries turned into installed packages per input (keeps a run fast).
    public static let maximumPackages = 24

    /// Uses what a feed produced the way the server does: scores CVSS vectors, indexes the
    /// advisories, correlates packages named by the advisories (at the versions the advisories
    /// mention) and builds findings and per-package fixes; checks cheap invariants on the way.
    public static func exercise(
        _ advisories: [Advisory],
        knownExploited: [KnownExploitedVulnerability] = [],
        epss: [EPSSScore] = []
    ) {
        for advisory in advisories {
            for record in advisory.cvss {
                if let score = record.baseScore {
                    invariant(score.isFinite, "\(advisory.id): CVSS score \(score) is not finite")
                }
            }
        }
        let index = AdvisoryIndex(advisories: advisories)
        let live = advisories.filter { $0.withdrawn == nil }.count
        invariant(index.advisories.count == live, "index holds \(index.advisories.count) of \(live) advisories")
        let builder = FindingBuilder(
            correlator: Correlator(index: index),
            exploits: ExploitContext(knownExploited: knownExploited, epss: epss)
        )
        var byRelease: [EcosystemRelease: [InstalledPackage]] = [:]
        var count = 0
        outer: for advisory in advisories {
            for affected in advisory.affected {
                guard count < maximumPackages else { break outer }
                count += 1
                var versions = ["0", "999:999"]
                if let fixed = affected.fixedVersion { versions.append(fixed) }
                for range in affected.ranges.prefix(2) {
                    versions += range.introduced.prefix(1) + range.fixed.prefix(1) + range.lastAffected.prefix(1)
                }
                versions += affected.versions.prefix(1)
                versions += affected.binaries.prefix(1).map(\.version)
                let manager = affected.release.distribution.packageManager
                for version in versions {
                    byRelease[affected.release, default: []].append(
                        InstalledPackage(
                            name: affected.binaries.first?.name ?? affected.name,
                            architecture: "amd64",
                            version: version,
                            sourceName: affected.name,
                            sourceVersion: version,
                            manager: manager
                        )
                    )
                }
            }
        }
        for (release, packages) in byRelease {
            let findings = builder.findings(packages: packages, release: release)
            for pair in zip(findings, findings.dropFirst()) {
                invariant(!(pair.1.key < pair.0.key), "findings are not sorted by key")
            }
            for finding in findings {
                invariant(!finding.isFixable || finding.fixedVersion != nil, "fixable finding without a fix")
                if let score = finding.cvssScore { invariant(score.isFinite, "finding CVSS \(score)") }
            }
            let scheme: VersionScheme =
                switch release.distribution.packageManager {
                case .dpkg: .deb
                case .rpm: .rpm
                case .apk: .apk
                }
            let fixes = PackageFix.summarize(findings, scheme: scheme)
            invariant(
                fixes.reduce(0) { $0 + $1.advisories.count + $1.unfixable.count } == findings.count,
                "package fixes do not account for every finding"
            )
        }
    }
}

/// Checks on a parsed package list, used the way the server stores inventories (as diffs).
public enum PackageListChecks {
    /// Diffs the list against nothing and against itself, and applies the diffs.
    public static func exercise(_ packages: [InstalledPackage]) {
        var byKey: [PackageKey: InstalledPackage] = [:]
        for package in packages { byKey[package.key] = package }
        let unique = byKey.values.sorted { $0.key < $1.key }
        let added = PackageSetDiff(from: [], to: unique)
        invariant(added.applied(to: []) == unique, "applying the diff from nothing does not give the list")
        invariant(PackageSetDiff(from: unique, to: unique).isEmpty, "a list differs from itself")
        let removed = PackageSetDiff(from: unique, to: [])
        invariant(removed.applied(to: unique).isEmpty, "removing every package leaves some")
        let half = Array(unique.prefix(unique.count / 2))
        invariant(
            PackageSetDiff(from: half, to: unique).applied(to: half) == unique,
            "diff from half the list does not rebuild it"
        )
    }
}

/// Reads a feed document the way `patchpilot feeds import` and the server's feed sync do.
public enum FeedChecks {
    /// A fixed snapshot time, so runs are reproducible.
    public static let snapshotTime = Date(timeIntervalSince1970: 1_750_000_000)

    /// Reads `data` as `format` under both invalid-record policies, checks they agree, and uses the
    /// content (see ``AdvisoryChecks/exercise(_:knownExploited:epss:)``).
    public static func exercise(_ data: Data, name: String, format: FeedFormat) {
        let strict = Result { () throws(SecurityAdvisoriesError) in
            try FeedDocumentReader(policy: .fail, snapshotTime: snapshotTime).read(data, name: name, format: format)
        }
        let lenient = Result { () throws(SecurityAdvisoriesError) in
            try FeedDocumentReader(policy: .skip, snapshotTime: snapshotTime).read(data, name: name, format: format)
        }
        if case .success(let strict) = strict {
            guard case .success(let lenient) = lenient else {
                invariant(false, "\(format): the document reads with .fail but not with .skip")
                return
            }
            invariant(strict.skipped.isEmpty, "\(format): .fail skipped records")
            invariant(lenient.skipped.isEmpty, "\(format): .skip skipped records that .fail accepted")
            invariant(strict.advisories == lenient.advisories, "\(format): .fail and .skip read different advisories")
            invariant(strict.knownExploited.count == lenient.knownExploited.count, "\(format): KEV counts differ")
            invariant(strict.epss.count == lenient.epss.count, "\(format): EPSS counts differ")
        }
        if case .success(let content) = lenient {
            AdvisoryChecks.exercise(content.advisories, knownExploited: content.knownExploited, epss: content.epss)
        }
        _ = FeedDocumentReader.detect(name: name, data: data)
    }
}

/// Runs libFuzzer with the process's arguments, calling `body` once per input; does not return.
public func runFuzzer(_ body: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> Never {
    var argc = CommandLine.argc
    var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
    exit(LLVMFuzzerRunDriver(&argc, &argv, body))
}
