/// Reads the text of dpkg's status database (`/var/lib/dpkg/status`) into ``InstalledPackage`` records.
///
/// The file is a sequence of deb822 stanzas separated by blank lines. Only the fields a patch
/// manager needs are decoded (`Package`, `Architecture`, `Version`, `Status`, `Source`); every other
/// field, and the continuation lines of multi-line fields such as `Description` or `Conffiles`, is
/// skipped without being copied. The parser walks UTF-8 bytes, so a status file of a few thousand
/// packages parses in milliseconds.
///
/// Source packages are derived the way `dpkg-query`'s `${source:Package}` and `${source:Version}` are:
/// - no `Source` field: the source is the binary package and its version;
/// - `Source: name`: the source has that name and the binary's version;
/// - `Source: name (version)`: both are given (`bsdutils 1:2.38.1-5+deb12u3` comes from
///   `util-linux 2.38.1-5+deb12u3`, `bash 5.2.15-2+b8` from `bash 5.2.15-2`).
///
/// Entries whose state is `not-installed` are dropped unless ``includesNotInstalled`` is set; every
/// other state (half-installed, unpacked, config-files…) is kept so operators can see it.
public struct DpkgStatusParser: Sendable {
    /// The name used for the input in errors (a file path or a label).
    public var sourceName: String
    /// Whether entries in the `not-installed` state are returned.
    public var includesNotInstalled: Bool

    /// Creates a parser.
    ///
    /// - Parameters:
    ///   - sourceName: The name used for the input in errors, such as the status file's path.
    ///   - includesNotInstalled: Whether to return `not-installed` entries (dropped by default).
    public init(sourceName: String = "dpkg status", includesNotInstalled: Bool = false) {
        self.sourceName = sourceName
        self.includesNotInstalled = includesNotInstalled
    }

    /// Parses the text of a status file.
    ///
    /// - Throws: ``FleetModelError`` naming ``sourceName`` and the 1-based line of the problem.
    public func parse(_ text: String) throws(FleetModelError) -> [InstalledPackage] {
        var copy = text
        let result = copy.withUTF8 { buffer in
            Result { () throws(FleetModelError) -> [InstalledPackage] in try parse(utf8: buffer) }
        }
        return try result.get()
    }

    /// Parses the bytes of a status file (UTF-8).
    ///
    /// - Throws: ``FleetModelError`` naming ``sourceName`` and the 1-based line of the problem.
    public func parse(bytes: [UInt8]) throws(FleetModelError) -> [InstalledPackage] {
        let result = bytes.withUnsafeBufferPointer { buffer in
            Result { () throws(FleetModelError) -> [InstalledPackage] in try parse(utf8: buffer) }
        }
        return try result.get()
    }

    /// Parses a buffer of UTF-8 bytes.
    ///
    /// - Throws: ``FleetModelError`` naming ``sourceName`` and the 1-based line of the problem.
    public func parse(utf8 buffer: UnsafeBufferPointer<UInt8>) throws(FleetModelError) -> [InstalledPackage] {
        var packages: [InstalledPackage] = []
        packages.reserveCapacity(buffer.count / 700)
        var stanza = Stanza()
        var lineNumber = 0
        var start = 0
        let end = buffer.count
        while start < end {
            lineNumber += 1
            var lineEnd = start
            while lineEnd < end, buffer[lineEnd] != ASCII.newline { lineEnd += 1 }
            var contentEnd = lineEnd
            if contentEnd > start, buffer[contentEnd - 1] == ASCII.carriageReturn { contentEnd -= 1 }
            try consumeLine(buffer, start, contentEnd, lineNumber, &stanza, &packages)
            start = lineEnd + 1
        }
        try finish(&stanza, into: &packages)
        return packages
    }

    // MARK: - Lines

    private func consumeLine(
        _ buffer: UnsafeBufferPointer<UInt8>,
        _ start: Int,
        _ end: Int,
        _ lineNumber: Int,
        _ stanza: inout Stanza,
        _ packages: inout [InstalledPackage]
    ) throws(FleetModelError) {
        if isBlank(buffer, start, end) {
            try finish(&stanza, into: &packages)
            return
        }
        let first = buffer[start]
        if first == ASCII.space || first == ASCII.tab {
            // A continuation line belongs to the previous field, which none of ours is multi-line.
            guard stanza.hasField else {
                throw error(.malformedRecord, "continuation line with no field before it", lineNumber)
            }
            return
        }
        guard let colon = firstIndex(of: ASCII.colon, in: buffer, start, end), colon > start else {
            throw error(.malformedRecord, "expected 'Field: value', found \(quoted(buffer, start, end))", lineNumber)
        }
        if !stanza.hasField { stanza.firstLine = lineNumber }
        stanza.hasField = true
        guard let field = Field(buffer, start, colon) else { return }
        let value = trimmedString(buffer, colon + 1, end)
        switch field {
        case .package: stanza.package = value
        case .status:
            stanza.status = value
            stanza.statusLine = lineNumber
        case .architecture: stanza.architecture = value
        case .version: stanza.version = value
        case .source:
            stanza.source = value
            stanza.sourceLine = lineNumber
        }
    }

    private func finish(_ stanza: inout Stanza, into packages: inout [InstalledPackage]) throws(FleetModelError) {
        defer { stanza = Stanza() }
        guard stanza.hasField else { return }
        guard let name = stanza.package, !name.isEmpty else {
            throw error(.missingField, "record has no Package field", stanza.firstLine)
        }
        guard let status = stanza.status else {
            throw error(.missingField, "package \(name) has no Status field", stanza.firstLine)
        }
        let state = try Self.state(fromStatus: status, package: name, line: stanza.statusLine, parser: self)
        if state == .notInstalled, !includesNotInstalled { return }
        let version = stanza.version ?? ""
        if version.isEmpty, !Self.statesWithoutVersion.contains(state) {
            throw error(
                .missingField,
                "package \(name) is \(state.rawValue) but has no Version field",
                stanza.firstLine
            )
        }
        var sourceName = name
        var sourceVersion = version
        if let source = stanza.source {
            let parsed = try Self.source(source, package: name, line: stanza.sourceLine, parser: self)
            sourceName = parsed.name
            if let explicit = parsed.version { sourceVersion = explicit }
        }
        packages.append(
            InstalledPackage(
                name: name,
                architecture: stanza.architecture ?? "",
                version: version,
                sourceName: sourceName,
                sourceVersion: sourceVersion,
                state: state,
                manager: .dpkg
            )
        )
    }

    /// States in which dpkg may keep an entry without a `Version` field.
    private static let statesWithoutVersion: Set<PackageState> = [.notInstalled, .configFiles, .halfInstalled]

    /// Maps a `Status` value (`want flag status`, e.g. `install ok installed`) to a ``PackageState``.
    private static func state(
        fromStatus status: String,
        package: String,
        line: Int,
        parser: DpkgStatusParser
    ) throws(FleetModelError) -> PackageState {
        let words = status.split(separator: " ", omittingEmptySubsequences: true)
        guard words.count == 3 else {
            throw parser.error(.invalidValue, "package \(package) has Status '\(status)', expected three words", line)
        }
        guard let state = PackageState(rawValue: String(words[2])) else {
            throw parser.error(.invalidValue, "package \(package) has unknown state '\(words[2])'", line)
        }
        return state
    }

    /// Splits a `Source` value, `name` or `name (version)`.
    private static func source(
        _ value: String,
        package: String,
        line: Int,
        parser: DpkgStatusParser
    ) throws(FleetModelError) -> (name: String, version: String?) {
        guard let open = value.firstIndex(of: "(") else {
            guard !value.isEmpty, !value.contains(" ") else {
                throw parser.error(.invalidValue, "package \(package) has Source '\(value)'", line)
            }
            return (value, nil)
        }
        let name = value[..<open].trimmingSpaces()
        let rest = value[value.index(after: open)...]
        guard let close = rest.firstIndex(of: ")"), !name.isEmpty, !name.contains(" ") else {
            throw parser.error(
                .invalidValue,
                "package \(package) has Source '\(value)', expected 'name (version)'",
                line
            )
        }
        let version = rest[..<close].trimmingSpaces()
        guard !version.isEmpty, rest[rest.index(after: close)...].trimmingSpaces().isEmpty else {
            throw parser.error(
                .invalidValue,
                "package \(package) has Source '\(value)', expected 'name (version)'",
                line
            )
        }
        return (name, version)
    }

    private func error(_ code: FleetModelError.Code, _ message: String, _ line: Int) -> FleetModelError {
        FleetModelError(code: code, message: message, source: sourceName, line: line)
    }
}

// MARK: - Byte helpers

/// The fields of a stanza that the parser keeps.
private struct Stanza {
    var hasField = false
    var firstLine = 0
    var package: String?
    var status: String?
    var statusLine = 0
    var architecture: String?
    var version: String?
    var source: String?
    var sourceLine = 0
}

/// The field names the parser decodes; deb822 field names compare case-insensitively.
private enum Field {
    case package, status, architecture, version, source

    init?(_ buffer: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) {
        switch end - start {
        case 7 where matches(buffer, start, "package"): self = .package
        case 6 where matches(buffer, start, "status"): self = .status
        case 6 where matches(buffer, start, "source"): self = .source
        case 7 where matches(buffer, start, "version"): self = .version
        case 12 where matches(buffer, start, "architecture"): self = .architecture
        default: return nil
        }
    }
}

private enum ASCII {
    static let newline = UInt8(ascii: "\n")
    static let carriageReturn = UInt8(ascii: "\r")
    static let space = UInt8(ascii: " ")
    static let tab = UInt8(ascii: "\t")
    static let colon = UInt8(ascii: ":")
}

/// Whether the bytes at `start` equal the lower-case ASCII `name`, ignoring case.
private func matches(_ buffer: UnsafeBufferPointer<UInt8>, _ start: Int, _ name: StaticString) -> Bool {
    let count = name.utf8CodeUnitCount
    let pointer = name.utf8Start
    for offset in 0..<count where buffer[start + offset] | 0x20 != pointer[offset] {
        return false
    }
    return true
}

private func isBlank(_ buffer: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
    var index = start
    while index < end {
        let byte = buffer[index]
        if byte != ASCII.space, byte != ASCII.tab { return false }
        index += 1
    }
    return true
}

private func firstIndex(of byte: UInt8, in buffer: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Int? {
    var index = start
    while index < end {
        if buffer[index] == byte { return index }
        index += 1
    }
    return nil
}

private func trimmedString(_ buffer: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> String {
    var lower = start
    var upper = end
    while lower < upper, buffer[lower] == ASCII.space || buffer[lower] == ASCII.tab { lower += 1 }
    while upper > lower, buffer[upper - 1] == ASCII.space || buffer[upper - 1] == ASCII.tab { upper -= 1 }
    return String(decoding: UnsafeBufferPointer(rebasing: buffer[lower..<upper]), as: UTF8.self)
}

private func quoted(_ buffer: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> String {
    let shown = min(end, start + 60)
    let text = String(decoding: UnsafeBufferPointer(rebasing: buffer[start..<shown]), as: UTF8.self)
    return "'\(text)\(shown < end ? "…" : "")'"
}

extension Substring {
    /// The text without leading and trailing spaces and tabs.
    fileprivate func trimmingSpaces() -> String {
        var slice = self[...]
        while let first = slice.first, first == " " || first == "\t" { slice = slice.dropFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice = slice.dropLast() }
        return String(slice)
    }
}
