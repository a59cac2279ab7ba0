import PackageVersions

/// An RPM package a CSAF product names: name, EVR and architecture.
///
/// Read from the component's purl (`pkg:rpm/redhat/mod_ssl@2.4.37-43.module%2Bel8.5.0…?arch=x86_64&epoch=1`)
/// when it has one, otherwise from its product id or name in Red Hat's NEVRA form
/// (`mod_ssl-1:2.4.37-43.module+el8.5.0+13806+b30d9eec.1.x86_64`, or without the arch as in
/// `libuv-1:1.7.5-3.el7`; a module prefix `httpd:2.4:8050020211112043308:b4937e53:` is dropped).
///
/// Missing-epoch rule: the EVR always spells an epoch, `0:` when neither the NEVRA nor the purl
/// gives one. rpm treats a missing epoch as 0 and Red Hat's purls leave the `epoch` qualifier out
/// exactly when it is 0, so the explicit `0:` is the same version and keeps matchers that
/// distrust missing epochs (``RPMVersion/MissingEpoch/unknown``) decided.
struct CSAFComponent: Sendable, Hashable {
    /// The binary package name (`mod_ssl`).
    var name: String
    /// `epoch:version-release` (`1:2.4.37-43.module+el8.5.0+13806+b30d9eec.1`); `nil` when the
    /// product names a package without a version (VEX `known_affected` components such as
    /// `pkg:rpm/redhat/httpd?arch=src`).
    var evr: String?
    /// The architecture (`x86_64`, `noarch`, `src`), when given.
    var arch: String?

    /// Architectures rpm builds for, as they appear at the end of a NEVRA.
    static let architectures: Set<String> = [
        "x86_64", "noarch", "src", "nosrc", "i386", "i486", "i586", "i686", "aarch64", "ppc", "ppc64", "ppc64le",
        "ppc64p7", "s390", "s390x", "armv7hl", "armv7l", "armhfp", "ia64", "riscv64", "ppc64iseries", "ppc64pseries",
    ]

    /// From a purl of type `rpm`; `nil` for other types.
    init?(purl text: String) {
        guard let purl = PackageURL(text), purl.type == "rpm", !purl.name.isEmpty else { return nil }
        if let version = purl.version, !version.isEmpty {
            let epoch = purl.epoch.flatMap { $0.isEmpty ? nil : $0 } ?? "0"
            // A version that already spells an epoch keeps it (some producers write `1:2.4.37-43`).
            evr = version.contains(":") ? version : "\(epoch):\(version)"
        } else {
            evr = nil
        }
        name = purl.name
        arch = purl.arch
    }

    /// From `name-[epoch:]version-release[.arch]`; `nil` when the text has no such shape.
    init?(nevra text: String) {
        // Container images (`openshift4/ose-hive:v4.6.0-…`) and other non-RPM products.
        guard !text.contains("/"), !text.contains(" ") else { return nil }
        var rest = Substring(text)
        var arch: String?
        if let dot = rest.lastIndex(of: "."), Self.architectures.contains(String(rest[rest.index(after: dot)...])) {
            arch = String(rest[rest.index(after: dot)...])
            rest = rest[..<dot]
        }
        guard let releaseHyphen = rest.lastIndex(of: "-") else { return nil }
        let release = rest[rest.index(after: releaseHyphen)...]
        let nameAndVersion = rest[..<releaseHyphen]
        guard let versionHyphen = nameAndVersion.lastIndex(of: "-") else { return nil }
        var version = nameAndVersion[nameAndVersion.index(after: versionHyphen)...]
        var name = nameAndVersion[..<versionHyphen]
        var epoch: Substring = "0"
        if let colon = version.firstIndex(of: ":") {
            epoch = version[..<colon]
            version = version[version.index(after: colon)...]
        }
        // A module stream prefix: `httpd:2.4:8050020211112043308:b4937e53:mod_ssl`.
        if let colon = name.lastIndex(of: ":") { name = name[name.index(after: colon)...] }
        guard !name.isEmpty, !version.isEmpty, !release.isEmpty, !epoch.isEmpty, epoch.allSatisfy(\.isNumber),
            version.first?.isNumber == true || version.first?.isLetter == true
        else { return nil }
        self.name = String(name)
        self.evr = "\(epoch):\(version)-\(release)"
        self.arch = arch
    }
}
