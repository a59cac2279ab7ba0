import Foundation

/// Reads the Debian security tracker's advisory lists, `data/DSA/list` and `data/DLA/list`:
///
/// ```
/// [29 Mar 2023] DSA-5380-1 xorg-server - security update
/// 	{CVE-2023-1393}
/// 	[bullseye] - xorg-server 2:1.20.11-1+deb11u6
/// 	[buster] - pkg <not-affected> (Vulnerable code not present)
///         NOTE: …
/// ```
///
/// Each header starts an ``Advisory`` (published and modified on the header date, summary the
/// header text, aliases the CVE ids in braces, notes in ``Advisory/details``). Each release line
/// gives an ``AffectedPackage`` naming a source package: a version → ``AffectedStatus/fixed``;
/// `<not-affected>` → ``AffectedStatus/notAffected`` (the reason in ``AffectedPackage/statusNote``);
/// `<end-of-life>` → ``AffectedStatus/endOfLife``; `<unfixed>` → ``AffectedStatus/affected``;
/// `<no-dsa>`/`<postponed>` → ``AffectedStatus/affected`` with a note; `<ignored>` →
/// ``AffectedStatus/willNotFix``. An urgency in the trailing parentheses (`(bug #332524; medium)`)
/// becomes the entry's severity. Releases without a number (`woody`, `sarge`, `sid`) are left out
/// by design and counted in ``FeedReadResult/ignoredEntries``.
///
/// Errors carry the 1-based line; under ``InvalidRecordPolicy/skip`` a bad line drops its whole
/// advisory and reading resumes at the next header.
public struct DebianAdvisoryListReader: Sendable {
    /// Which list is read.
    public enum Kind: Sendable, Hashable {
        /// `data/DSA/list`: Debian Security Advisories.
        case dsa
        /// `data/DLA/list`: Debian LTS Advisories.
        case dla

        /// The advisories' publisher.
        public var source: AdvisorySource {
            switch self {
            case .dsa: .dsa
            case .dla: .dla
            }
        }
    }

    /// Which list is read.
    public var kind: Kind
    /// What to do with an advisory that cannot be read.
    public var policy: InvalidRecordPolicy

    /// Creates a reader.
    public init(kind: Kind, policy: InvalidRecordPolicy = .fail) {
        self.kind = kind
        self.policy = policy
    }

    /// Reads a list.
    ///
    /// - Parameter source: the file name or URL, used in errors.
    public func read(_ data: Data, source: String) throws(SecurityAdvisoriesError) -> FeedReadResult {
        let bytes = [UInt8](data)
        return try bytes.withUnsafeBufferPointer { buffer throws(SecurityAdvisoriesError) in
            try read(buffer, source: source)
        }
    }

    /// Reads a list from text.
    public func read(_ text: String, source: String) throws(SecurityAdvisoriesError) -> FeedReadResult {
        try read(Data(text.utf8), source: source)
    }

    private func read(
        _ buffer: UnsafeBufferPointer<UInt8>,
        source: String
    ) throws(SecurityAdvisoriesError) -> FeedReadResult {
        var result = FeedReadResult()
        var current: DebianAdvisoryListBlock?
        var failed = false  // the current advisory had an error and is being skipped
        var lineNumber = 0
        var start = 0

        func finish() {
            if let block = current, !failed {
                result.advisories.append(block.advisory)
                result.ignoredEntries.merge(block.ignored, uniquingKeysWith: +)
            }
            current = nil
            failed = false
        }

        while start < buffer.count {
            lineNumber += 1
            var end = start
            while end < buffer.count, buffer[end] != UInt8(ascii: "\n") { end += 1 }
            let line = DebianAdvisoryListLine(buffer: buffer, start: start, end: end)
            start = end + 1
            do throws(DebianAdvisoryListLine.Failure) {
                switch try line.parse() {
                case .blank:
                    break
                case .header(let header):
                    finish()
                    current = DebianAdvisoryListBlock(header: header, source: kind.source)
                case .detail(let detail):
                    guard !failed else { continue }
                    guard current != nil else {
                        throw DebianAdvisoryListLine.Failure(
                            code: .malformedDocument,
                            field: nil,
                            message: "an indented line before the first advisory"
                        )
                    }
                    current!.add(detail)
                }
            } catch {
                let failure = SecurityAdvisoriesError(
                    code: error.code,
                    source: source,
                    record: current?.advisory.id,
                    field: error.field,
                    line: lineNumber,
                    message: error.message
                )
                guard policy == .skip else { throw failure }
                if !failed { result.skipped.append(failure) }
                failed = true
            }
        }
        finish()
        return result
    }
}

/// One advisory of a list while its lines are read.
struct DebianAdvisoryListBlock {
    var advisory: Advisory
    var ignored: [String: Int] = [:]

    init(header: DebianAdvisoryListLine.Header, source: AdvisorySource) {
        advisory = Advisory(
            id: header.id,
            source: source,
            published: header.date,
            modified: header.date,
            summary: header.text
        )
    }

    mutating func add(_ detail: DebianAdvisoryListLine.Detail) {
        switch detail {
        case .cves(let ids):
            for id in ids where !advisory.aliases.contains(id) { advisory.aliases.append(id) }
        case .note(let note):
            advisory.details += advisory.details.isEmpty ? note : "\n" + note
        case .release(let codename, var package):
            guard let release = ReleaseCodenames.debianRelease(codename) else {
                ignored["Debian:\(codename)", default: 0] += 1
                return
            }
            package.release = release
            advisory.affected.append(package)
            if let severity = package.severity { advisory.severity = max(advisory.severity, severity) }
        }
    }
}
