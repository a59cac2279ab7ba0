import FleetModel
import Foundation
import Testing

/// Checks that the demo fleet's real status files (Sources/PatchDemo/DemoFleet) parse as expected.
@Suite struct DemoFleetDataTests {
    private static var demoFleet: URL {
        URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/PatchDemo/DemoFleet")
    }

    private func read(_ name: String) throws -> String {
        try String(contentsOf: Self.demoFleet.appendingPathComponent(name), encoding: .utf8)
    }

    @Test(arguments: [
        ("debian-11", 426, "debian", "11", "bullseye"),
        ("debian-12", 723, "debian", "12", "bookworm"),
        ("ubuntu-22.04", 117, "ubuntu", "22.04", "jammy"),
    ])
    func parses(name: String, packageCount: Int, id: String, versionID: String, codename: String) throws {
        let packages = try DpkgStatusParser(sourceName: "\(name).status").parse(read("\(name).status"))
        #expect(packages.count == packageCount)
        #expect(packages.allSatisfy { $0.state == .installed && !$0.version.isEmpty && !$0.architecture.isEmpty })
        #expect(Set(packages.map(\.key)).count == packages.count)
        let release = try OSReleaseParser(sourceName: "\(name).os-release").parse(read("\(name).os-release"))
        #expect(release.id == id)
        #expect(release.versionID == versionID)
        #expect(release.versionCodename == codename)
    }

    @Test(arguments: [
        ("debian-11", "bsdutils", "1:2.36.1-8+deb11u1", "util-linux", "2.36.1-8+deb11u1"),
        ("debian-11", "comerr-dev", "2.1-1.46.2-2", "e2fsprogs", "1.46.2-2"),
        ("debian-11", "coreutils", "8.32-4+b1", "coreutils", "8.32-4"),
        ("debian-12", "cpp", "4:12.2.0-3", "gcc-defaults", "1.203"),
        ("ubuntu-22.04", "libc6", "2.35-0ubuntu3.11", "glibc", "2.35-0ubuntu3.11"),
    ])
    func derivesSources(file: String, name: String, version: String, sourceName: String, sourceVersion: String) throws {
        let packages = try DpkgStatusParser().parse(read("\(file).status"))
        let package = try #require(packages.first { $0.name == name })
        #expect(package.version == version)
        #expect(package.sourceName == sourceName)
        #expect(package.sourceVersion == sourceVersion)
    }
}
