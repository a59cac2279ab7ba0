/// A Package URL (purl): `pkg:type/namespace/name@version?qualifiers#subpath`.
///
/// Parsing and formatting follow the purl specification's "how to parse" and "how to build"
/// procedures, including percent-encoding (everything but alphanumerics, `.-_~` and `:` is
/// encoded, so `+` becomes `%2B`), lower-cased and sorted qualifier keys, dropped empty qualifier
/// values, and the type rules for `deb`, `rpm`, `apk` (lower-case namespace; lower-case name for
/// `deb` and `apk`) and `generic`. Other types parse with the generic rules.
public struct PackageURL: Sendable, Hashable, CustomStringConvertible, LosslessStringConvertible {
    /// The package type, lower-case (`deb`, `rpm`, `apk`, `generic`, …).
    public let type: String
    /// The namespace (segments joined with `/`), e.g. the vendor `debian`, `fedora`, `alpine`.
    public let namespace: String?
    /// The package name.
    public let name: String
    /// The version, as an opaque string.
    public let version: String?
    /// Qualifiers with lower-case keys and non-empty values (`distro`, `epoch`, `arch`, `upstream`, …).
    public let qualifiers: [String: String]
    /// The subpath inside the package (segments joined with `/`).
    public let subpath: String?

    /// Creates a purl from components, applying the type's normalisation.
    ///
    /// - Throws: ``PackageVersionsError`` (``PackageVersionsError/Code/invalidPackageURL``) for an
    ///   invalid type, an empty name, or an invalid qualifier key.
    public init(
        type: String,
        namespace: String? = nil,
        name: String,
        version: String? = nil,
        qualifiers: [String: String] = [:],
        subpath: String? = nil
    ) throws(PackageVersionsError) {
        let whole = "\(type)/\(namespace ?? "")/\(name)"
        func fail(_ reason: String) -> PackageVersionsError {
            PackageVersionsError(code: .invalidPackageURL, input: whole, position: nil, reason: reason)
        }
        let type = type.lowercased()
        guard let first = type.utf8.first, isASCIILetter(first),
            type.utf8.allSatisfy({ isASCIIAlphanumeric($0) || $0 == 0x2E || $0 == 0x2D || $0 == 0x2B })
        else { throw fail("type must be an ASCII letter followed by letters, digits, '.', '+' or '-'") }
        let lowerNamespace = ["deb", "rpm", "apk", "alpm", "bitbucket", "github", "composer", "golang"].contains(type)
        let lowerName = ["deb", "apk", "alpm", "bitbucket", "github", "composer"].contains(type)
        var ns = namespace?.split(separator: "/").map(String.init).joined(separator: "/")
        if ns?.isEmpty == true { ns = nil }
        if lowerNamespace { ns = ns?.lowercased() }
        var name = String(name.drop { $0 == "/" }.reversed().drop { $0 == "/" }.reversed())
        if lowerName { name = name.lowercased() }
        guard !name.isEmpty else { throw fail("name is required") }
        var normalized: [String: String] = [:]
        for (key, value) in qualifiers {
            let key = key.lowercased()
            guard let f = key.utf8.first, isASCIILetter(f),
                key.utf8.allSatisfy({ isASCIIAlphanumeric($0) || $0 == 0x2E || $0 == 0x2D || $0 == 0x5F })
            else {
                throw fail("qualifier key '\(key)' must start with a letter and use letters, digits, '.', '-', '_'")
            }
            if normalized[key] != nil { throw fail("duplicate qualifier key '\(key)'") }
            if !value.isEmpty { normalized[key] = value }
        }
        let segments = (subpath ?? "").split(separator: "/").filter { $0 != "." && $0 != ".." }
        self.type = type
        self.namespace = ns
        self.name = name
        self.version = version?.isEmpty == true ? nil : version
        self.qualifiers = normalized
        self.subpath = segments.isEmpty ? nil : segments.joined(separator: "/")
    }

    /// Parses a purl string.
    ///
    /// - Throws: ``PackageVersionsError`` (``PackageVersionsError/Code/invalidPackageURL``) naming the
    ///   problem (missing `pkg:` scheme, type or name, bad percent-encoding, duplicate qualifier…).
    public init(parsing text: String) throws(PackageVersionsError) {
        func fail(_ reason: String) -> PackageVersionsError {
            PackageVersionsError(code: .invalidPackageURL, input: text, position: nil, reason: reason)
        }
        func decode(_ part: Substring) throws(PackageVersionsError) -> String {
            guard let value = PercentEncoding.decode(part) else { throw fail("bad percent-encoding in '\(part)'") }
            return value
        }
        var remainder = Substring(text)
        var subpath: String?
        if let hash = remainder.lastIndex(of: "#") {
            var segments: [String] = []
            for raw in remainder[remainder.index(after: hash)...].split(separator: "/") {
                let segment = try decode(raw)
                if segment.isEmpty || segment == "." || segment == ".." { continue }
                if segment.contains("/") { throw fail("subpath segment contains '/'") }
                segments.append(segment)
            }
            subpath = segments.isEmpty ? nil : segments.joined(separator: "/")
            remainder = remainder[..<hash]
        }
        var qualifiers: [String: String] = [:]
        if let question = remainder.lastIndex(of: "?") {
            for pair in remainder[remainder.index(after: question)...].split(separator: "&") {
                guard let equals = pair.firstIndex(of: "=") else { throw fail("qualifier '\(pair)' has no '='") }
                let key = String(pair[..<equals])
                // The purl test suite requires canonical (lower-case) keys when parsing.
                if key.utf8.contains(where: { $0 &- 0x41 < 26 }) {
                    throw fail("qualifier key '\(key)' is not lower-case")
                }
                let value = try decode(pair[pair.index(after: equals)...])
                if qualifiers[key] != nil { throw fail("duplicate qualifier key '\(key)'") }
                if !value.isEmpty { qualifiers[key] = value }
            }
            remainder = remainder[..<question]
        }
        guard let colon = remainder.firstIndex(of: ":"), remainder[..<colon].lowercased() == "pkg" else {
            throw fail("must start with 'pkg:'")
        }
        remainder = remainder[remainder.index(after: colon)...].drop { $0 == "/" }
        guard let slash = remainder.firstIndex(of: "/") else { throw fail("missing type or name") }
        let type = String(remainder[..<slash])
        remainder = remainder[remainder.index(after: slash)...]
        var version: String?
        if let at = remainder.lastIndex(of: "@") {
            version = try decode(remainder[remainder.index(after: at)...])
            remainder = remainder[..<at]
        }
        while remainder.last == "/" { remainder = remainder.dropLast() }
        let nameStart = remainder.lastIndex(of: "/").map { remainder.index(after: $0) } ?? remainder.startIndex
        let name = try decode(remainder[nameStart...])
        guard !name.isEmpty else { throw fail("name is required") }
        var namespaceSegments: [String] = []
        if nameStart > remainder.startIndex {
            for raw in remainder[..<nameStart].split(separator: "/") {
                let segment = try decode(raw)
                if segment.contains("/") { throw fail("namespace segment contains '/'") }
                namespaceSegments.append(segment)
            }
        }
        do {
            try self.init(
                type: type,
                namespace: namespaceSegments.isEmpty ? nil : namespaceSegments.joined(separator: "/"),
                name: name,
                version: version,
                qualifiers: qualifiers,
                subpath: subpath
            )
        } catch {
            throw fail(error.reason)
        }
    }

    /// Parses, returning `nil` for an invalid purl.
    public init?(_ description: String) {
        guard let value = try? PackageURL(parsing: description) else { return nil }
        self = value
    }

    /// The `distro` qualifier (`bookworm`, `fedora-40`, `alpine-3.19`).
    public var distro: String? { qualifiers["distro"] }
    /// The `epoch` qualifier (rpm).
    public var epoch: String? { qualifiers["epoch"] }
    /// The `arch` qualifier (`amd64`, `x86_64`, `noarch`).
    public var arch: String? { qualifiers["arch"] }
    /// The `upstream` qualifier (source package name, e.g. for a Debian binary package).
    public var upstream: String? { qualifiers["upstream"] }

    /// The versioning scheme implied by the type (`deb`, `rpm`, `apk`), or `nil` for others.
    public var versionScheme: VersionScheme? {
        switch type {
        case "deb": .deb
        case "rpm": .rpm
        case "apk": .apk
        default: nil
        }
    }

    /// The version parsed by the type's scheme; for `rpm`, an `epoch` qualifier is applied when the
    /// version does not spell one. `nil` when there is no version or no known scheme.
    public func parsedVersion() throws(PackageVersionsError) -> AnyVersion? {
        guard let version, let scheme = versionScheme else { return nil }
        if scheme == .rpm, let epoch, !version.contains(":") {
            return try AnyVersion(parsing: epoch + ":" + version, scheme: .rpm)
        }
        return try AnyVersion(parsing: version, scheme: scheme)
    }

    /// The canonical purl string.
    public var description: String {
        var text = "pkg:" + type + "/"
        if let namespace {
            text += namespace.split(separator: "/").map { PercentEncoding.encode(String($0)) }.joined(separator: "/")
            text += "/"
        }
        text += PercentEncoding.encode(name)
        if let version { text += "@" + PercentEncoding.encode(version) }
        if !qualifiers.isEmpty {
            text +=
                "?"
                + qualifiers.keys.sorted().map { $0 + "=" + PercentEncoding.encode(qualifiers[$0]!) }
                .joined(separator: "&")
        }
        if let subpath {
            text +=
                "#" + subpath.split(separator: "/").map { PercentEncoding.encode(String($0)) }.joined(separator: "/")
        }
        return text
    }
}
