// dpkg status database → InstalledPackage records, as the agent reads /var/lib/dpkg/status (bytes)
// and `patchpilot scan` reads it (text); then the versions are parsed and ordered and the package
// list is diffed, as the server does with every inventory upload.
import FleetModel
import FuzzSupport
import PackageVersions

// Also exported under libFuzzer's conventional name, which its (unused) main refers to.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzDpkgStatus(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = FuzzInput(data, size)
    for includesNotInstalled in [false, true] {
        let parser = DpkgStatusParser(sourceName: "fuzz/status", includesNotInstalled: includesNotInstalled)
        let fromBytes = Result { () throws(FleetModelError) in try parser.parse(bytes: input.bytes) }
        let fromText = Result { () throws(FleetModelError) in try parser.parse(input.text) }
        // Same records, or the same error code and line (quoted excerpts differ when the bytes
        // are not UTF-8: the text path repairs them first).
        switch (fromBytes, fromText) {
        case (.success(let a), .success(let b)): invariant(a == b, "bytes and text parse to different records")
        case (.failure(let a), .failure(let b)):
            invariant(a.code == b.code && a.line == b.line, "bytes and text fail differently: \(a) vs \(b)")
        default: invariant(false, "bytes and text parses disagree: \(fromBytes) vs \(fromText)")
        }
        guard case .success(let packages) = fromBytes else { continue }
        var versions: [DebianVersion] = []
        for package in packages {
            invariant(!package.name.isEmpty, "package without a name")
            invariant(package.manager == .dpkg, "dpkg package with manager \(package.manager)")
            invariant(includesNotInstalled || package.state != .notInstalled, "not-installed entry kept")
            invariant(!package.sourceName.isEmpty, "\(package.name) has an empty source name")
            if let version = try? DebianVersion(parsing: package.version) { versions.append(version) }
            _ = try? DebianVersion(parsing: package.sourceVersion)
            _ = try? DebianVersion.compare(package.version, package.sourceVersion, validation: .lenient)
        }
        for (a, b) in zip(versions, versions.dropFirst()) {
            invariant(a.compare(to: b) == b.compare(to: a).reversed, "\(a) vs \(b) is not antisymmetric")
        }
        PackageListChecks.exercise(packages)
    }
    return 0
}

runFuzzer(fuzzDpkgStatus)
