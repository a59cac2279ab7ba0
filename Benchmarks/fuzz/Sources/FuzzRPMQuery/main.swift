// `rpm -qa --queryformat` output → InstalledPackage records, as the agent reads it; then the EVRs
// are parsed and ordered and the list is diffed, as the server does with every inventory upload.
import FleetModel
import FuzzSupport
import PackageVersions

// Also exported under libFuzzer's conventional name, which its (unused) main refers to.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzRPMQuery(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = FuzzInput(data, size)
    for includesPublicKeys in [false, true] {
        let parser = RPMQueryParser(sourceName: "fuzz/rpm -qa", includesPublicKeys: includesPublicKeys)
        guard let packages = try? parser.parse(input.text) else { continue }
        var versions: [RPMVersion] = []
        for package in packages {
            invariant(!package.name.isEmpty && package.name != "(none)", "package without a name")
            invariant(!package.version.isEmpty, "\(package.name) has no version")
            invariant(includesPublicKeys || package.name != "gpg-pubkey", "gpg-pubkey kept")
            invariant(package.manager == .rpm, "rpm package with manager \(package.manager)")
            if let version = try? RPMVersion(parsing: package.version) { versions.append(version) }
            _ = try? RPMVersion(parsing: package.sourceVersion)
        }
        for (a, b) in zip(versions, versions.dropFirst()) {
            invariant(a.compare(to: b) == b.compare(to: a).reversed, "\(a) vs \(b) is not antisymmetric")
        }
        PackageListChecks.exercise(packages)
    }
    for line in input.text.split(separator: "\n").prefix(16) {
        let fileName = String(line)
        if let split = RPMQueryParser.splitSourceRPM(fileName) {
            invariant(!split.name.isEmpty && !split.version.isEmpty, "empty part of source RPM \(fileName)")
            invariant(fileName.hasPrefix(split.name + "-" + split.version), "source RPM \(fileName) split as \(split)")
        }
    }
    return 0
}

runFuzzer(fuzzRPMQuery)
