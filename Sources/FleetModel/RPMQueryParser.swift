/// Reads the output of `rpm -qa --queryformat RPMQueryParser.queryFormat` into ``InstalledPackage`` records.
///
/// Each package is one line of six tab-separated fields: epoch, name, version, release, architecture
/// and source RPM file name. rpm prints `(none)` for a tag that is not set. Package names, versions,
/// releases and architectures cannot contain whitespace, so tab and newline are safe separators.
///
/// - The version is `[epoch:]version-release`, with the epoch only when the package sets one.
/// - The source name and version come from the source RPM file name `name-version-release.src.rpm`,
///   split from the right (names may contain `-`, versions and releases may not). The file name
///   carries no epoch, so the source version is `version-release`.
/// - `gpg-pubkey` entries (imported signing keys, architecture `(none)`) are not software; they are
///   dropped unless ``includesPublicKeys`` is set, and then get an empty architecture.
public struct RPMQueryParser: Sendable {
    /// The `--queryformat` argument the agent passes to `rpm -qa`.
    public static let queryFormat = "%{EPOCH}\\t%{NAME}\\t%{VERSION}\\t%{RELEASE}\\t%{ARCH}\\t%{SOURCERPM}\\n"

    /// What rpm prints for a tag that is not set.
    public static let unsetValue = "(none)"

    /// The name used for the input in errors (a command line or a label).
    public var sourceName: String
    /// Whether `gpg-pubkey` pseudo-packages are returned.
    public var includesPublicKeys: Bool

    /// Creates a parser.
    ///
    /// - Parameters:
    ///   - sourceName: The name used for the input in errors.
    ///   - includesPublicKeys: Whether to return `gpg-pubkey` entries (dropped by default).
    public init(sourceName: String = "rpm query", includesPublicKeys: Bool = false) {
        self.sourceName = sourceName
        self.includesPublicKeys = includesPublicKeys
    }

    /// Parses the query output.
    ///
    /// - Throws: ``FleetModelError`` naming ``sourceName`` and the 1-based line of the problem.
    public func parse(_ output: String) throws(FleetModelError) -> [InstalledPackage] {
        var packages: [InstalledPackage] = []
        var lineNumber = 0
        for line in output.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            lineNumber += 1
            if line.allSatisfy({ $0 == " " || $0 == "\t" }) { continue }
            if let package = try parseLine(line, lineNumber) { packages.append(package) }
        }
        return packages
    }

    private func parseLine(_ line: Substring, _ lineNumber: Int) throws(FleetModelError) -> InstalledPackage? {
        let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
        guard fields.count == 6 else {
            throw error(.malformedRecord, "expected 6 tab-separated fields, found \(fields.count)", lineNumber)
        }
        let epoch = String(fields[0])
        let name = String(fields[1])
        let version = String(fields[2])
        let release = String(fields[3])
        let architecture = String(fields[4])
        let sourceRPM = String(fields[5])
        guard !name.isEmpty, name != Self.unsetValue else {
            throw error(.missingField, "package has no name", lineNumber)
        }
        guard !version.isEmpty, version != Self.unsetValue else {
            throw error(.missingField, "package \(name) has no version", lineNumber)
        }
        if name == "gpg-pubkey", !includesPublicKeys { return nil }
        var fullVersion = release.isEmpty || release == Self.unsetValue ? version : "\(version)-\(release)"
        if epoch != Self.unsetValue, !epoch.isEmpty {
            guard epoch.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else {
                throw error(.invalidValue, "package \(name) has epoch '\(epoch)', expected a number", lineNumber)
            }
            fullVersion = "\(epoch):\(fullVersion)"
        }
        var sourceName: String?
        var sourceVersion: String?
        if sourceRPM != Self.unsetValue, !sourceRPM.isEmpty {
            guard let source = Self.splitSourceRPM(sourceRPM) else {
                throw error(
                    .invalidValue,
                    "package \(name) has source RPM '\(sourceRPM)', expected name-version-release.src.rpm",
                    lineNumber
                )
            }
            sourceName = source.name
            sourceVersion = source.version
        }
        return InstalledPackage(
            name: name,
            architecture: architecture == Self.unsetValue ? "" : architecture,
            version: fullVersion,
            sourceName: sourceName,
            sourceVersion: sourceVersion,
            state: .installed,
            manager: .rpm
        )
    }

    /// Splits a source RPM file name, `name-version-release.src.rpm` (or `.nosrc.rpm`), from the right.
    ///
    /// - Returns: The source package name and its `version-release`, or `nil` if the name does not
    ///   have that shape.
    public static func splitSourceRPM(_ fileName: String) -> (name: String, version: String)? {
        var stem = Substring(fileName)
        for suffix in [".src.rpm", ".nosrc.rpm"] where stem.hasSuffix(suffix) {
            stem = stem.dropLast(suffix.count)
            break
        }
        guard stem.count < fileName.count,
            let releaseDash = stem.lastIndex(of: "-"),
            let versionDash = stem[..<releaseDash].lastIndex(of: "-")
        else { return nil }
        let name = stem[..<versionDash]
        let version = stem[stem.index(after: versionDash)..<releaseDash]
        let release = stem[stem.index(after: releaseDash)...]
        guard !name.isEmpty, !version.isEmpty, !release.isEmpty else { return nil }
        return (String(name), "\(version)-\(release)")
    }

    private func error(_ code: FleetModelError.Code, _ message: String, _ line: Int) -> FleetModelError {
        FleetModelError(code: code, message: message, source: sourceName, line: line)
    }
}
