import FleetModel
import Foundation
import Testing

#if canImport(PatchAgent)
import PatchAgent
#else
import Collectors
#endif

/// Runs the collector on fake host roots.
@Suite struct InventoryCollectorSandboxTests {
    private static func kernelStanza(_ release: String, state: String = "installed") -> String {
        """
        Package: linux-image-\(release)
        Status: install ok \(state)
        Architecture: amd64
        Source: linux-signed-amd64 (6.1.76+1)
        Version: 6.1.76-1
        Description: Linux 6.1 for 64-bit PCs (signed)
         The Linux kernel 6.1 and modules for use on PCs with AMD64, Intel 64 or
         VIA Nano processors.

        """
    }

    private static let metaPackage = """
        Package: linux-image-amd64
        Status: install ok installed
        Architecture: amd64
        Source: linux-signed-amd64 (6.1.76+1)
        Version: 6.1.76-1

        """

    private func collect(_ sandbox: CollectorSandbox, adminDirectory: String? = nil) throws -> CollectedInventory {
        try InventoryCollector(
            configuration: CollectorConfiguration(rootDirectory: sandbox.root, dpkgAdminDirectory: adminDirectory)
        ).collect()
    }

    @Test func readsHostFacts() throws {
        let sandbox = try CollectorSandbox()
        try sandbox.writeDebianHost()
        try sandbox.write("/var/lib/dpkg/status", Self.kernelStanza("6.1.0-18-amd64") + "\n" + Self.metaPackage)
        let inventory = try collect(sandbox)
        let facts = inventory.facts
        #expect(
            facts.os
                == OSRelease(
                    id: "debian",
                    versionID: "12",
                    versionCodename: "bookworm",
                    prettyName: "Debian GNU/Linux 12 (bookworm)"
                )
        )
        #expect(facts.hostname == "web-01")
        #expect(facts.machineID == "0123456789abcdef0123456789abcdef")
        #expect(facts.bootID == "5b2d8a0e-3c1f-4c6e-9a0b-7d9e2f4a1c3b")
        #expect(facts.architecture == "x86_64")
        #expect(facts.kernelRunning == "6.1.0-18-amd64")
        #expect(facts.kernelNewestInstalled == "6.1.0-18-amd64")
        #expect(facts.rebootRequired == false)
        #expect(facts.rebootRequiredPackages == [])
        #expect(facts.uptimeSeconds == 86461.25)
        #expect(inventory.packages.map(\.name) == ["linux-image-6.1.0-18-amd64", "linux-image-amd64"])
        #expect(
            inventory.packages.allSatisfy { $0.sourceName == "linux-signed-amd64" && $0.sourceVersion == "6.1.76+1" }
        )
    }

    @Test func rebootRequiredFileAndPackageList() throws {
        let sandbox = try CollectorSandbox()
        try sandbox.writeDebianHost()
        try sandbox.write("/var/run/reboot-required", "*** System restart required ***\n")
        try sandbox.write("/var/run/reboot-required.pkgs", "libc6\nlinux-image-6.1.0-18-amd64\nlibc6\n\n")
        let facts = try collect(sandbox).facts
        #expect(facts.rebootRequired)
        #expect(facts.rebootRequiredPackages == ["libc6", "linux-image-6.1.0-18-amd64"])
    }

    @Test func rebootRequiredUnderRunThroughAnAbsoluteSymlink() throws {
        let sandbox = try CollectorSandbox()
        try sandbox.writeDebianHost()
        try sandbox.link("/var/run", to: "/run")
        try sandbox.write("/run/reboot-required", "")
        #expect(try collect(sandbox).facts.rebootRequired)
    }

    @Test(arguments: [
        // running, installed kernels, newest, reboot required
        ("6.1.0-17-amd64", ["6.1.0-17-amd64", "6.1.0-18-amd64"], "6.1.0-18-amd64", true),
        ("6.1.0-9-amd64", ["6.1.0-10-amd64", "6.1.0-9-amd64"], "6.1.0-10-amd64", true),
        ("6.1.0-18-amd64", ["6.1.0-17-amd64", "6.1.0-18-amd64"], "6.1.0-18-amd64", false),
        // A newer kernel runs than any installed one (e.g. booted from elsewhere): no reboot.
        ("6.5.0-1-amd64", ["6.1.0-18-amd64"], "6.1.0-18-amd64", false),
        ("5.15.0-91-generic", ["5.15.0-88-generic", "5.15.0-101-generic"], "5.15.0-101-generic", true),
    ])
    func newerInstalledKernelRequiresReboot(running: String, installed: [String], newest: String, reboot: Bool) throws {
        let sandbox = try CollectorSandbox()
        try sandbox.writeDebianHost(kernel: running)
        try sandbox.write(
            "/var/lib/dpkg/status",
            installed.map { Self.kernelStanza($0) }.joined(separator: "\n") + "\n" + Self.metaPackage
        )
        let facts = try collect(sandbox).facts
        #expect(facts.kernelNewestInstalled == newest)
        #expect(facts.rebootRequired == reboot)
    }

    @Test func kernelsNotFullyInstalledDoNotCount() throws {
        let sandbox = try CollectorSandbox()
        try sandbox.writeDebianHost(kernel: "6.1.0-17-amd64")
        try sandbox.write(
            "/var/lib/dpkg/status",
            Self.kernelStanza("6.1.0-17-amd64") + "\n" + Self.kernelStanza("6.1.0-18-amd64", state: "half-configured")
        )
        let inventory = try collect(sandbox)
        #expect(inventory.facts.kernelNewestInstalled == "6.1.0-17-amd64")
        #expect(inventory.facts.rebootRequired == false)
        #expect(inventory.packages.map(\.state) == [.installed, .halfConfigured])
    }

    @Test func usesTheConfiguredAdminDirectoryAndFallbackOSRelease() throws {
        let sandbox = try CollectorSandbox()
        try sandbox.writeDebianHost()
        try FileManager.default.removeItem(atPath: sandbox.root + "/etc/os-release")
        try sandbox.write("/srv/dpkg/status", Self.metaPackage)
        let inventory = try collect(sandbox, adminDirectory: "/srv/dpkg")
        #expect(inventory.packages.map(\.name) == ["linux-image-amd64"])
        #expect(inventory.facts.os.id == "debian")
    }

    @Test func missingOptionalFilesGiveEmptyFacts() throws {
        let sandbox = try CollectorSandbox()
        try sandbox.write("/etc/os-release", "ID=alpine\nVERSION_ID=3.19.1\n")
        let inventory = try collect(sandbox)
        #expect(inventory.packages.isEmpty)
        #expect(inventory.facts.os.id == "alpine")
        #expect(inventory.facts.machineID == "")
        #expect(inventory.facts.hostname == "")
        #expect(inventory.facts.kernelRunning == "")
        #expect(inventory.facts.uptimeSeconds == 0)
        #expect(inventory.facts.rebootRequired == false)
    }

    @Test func missingOSReleaseIsAnError() throws {
        let sandbox = try CollectorSandbox()
        let error = #expect(throws: CollectorError.self) { try collect(sandbox) }
        #expect(error?.code == .fileMissing)
        #expect(error?.subject == sandbox.root + "/etc/os-release")
    }

    @Test func malformedFilesAreErrorsNamingTheFile() throws {
        let sandbox = try CollectorSandbox()
        try sandbox.writeDebianHost()
        try sandbox.write("/var/lib/dpkg/status", "Package: a\nStatus: install ok installed\nVersion 1\n")
        let statusError = #expect(throws: CollectorError.self) { try collect(sandbox) }
        #expect(statusError?.code == .fileMalformed)
        #expect(statusError?.subject == sandbox.root + "/var/lib/dpkg/status")
        #expect(statusError?.message.contains("status:3:") == true)

        try sandbox.write("/var/lib/dpkg/status", "")
        try sandbox.write("/proc/uptime", "soon\n")
        let uptimeError = #expect(throws: CollectorError.self) { try collect(sandbox) }
        #expect(uptimeError?.code == .fileMalformed)
        #expect(uptimeError?.subject == sandbox.root + "/proc/uptime")

        try sandbox.write("/proc/uptime", "1.0 2.0\n")
        try sandbox.write("/usr/lib/os-release", "ID=\"debian\n")
        let osError = #expect(throws: CollectorError.self) { try collect(sandbox) }
        #expect(osError?.code == .fileMalformed)
        #expect(osError?.message.contains("unterminated double quote") == true)
    }

    @Test(arguments: [
        ("6.1.0-18-amd64", "6.1.0-9-amd64", false),
        ("6.1.0-9-amd64", "6.1.0-18-amd64", true),
        ("5.14.0-362.8.1.el9_3.x86_64", "5.14.0-427.13.1.el9_4.x86_64", true),
        ("5.15.0-91-generic", "5.15.0-91-generic", false),
        ("6.1.0-18-amd64", "6.1.0-18-rt-amd64", true),
        ("6.1", "6.1.0", true),
    ])
    func kernelReleaseOrdering(lhs: String, rhs: String, increasing: Bool) {
        #expect(InstalledKernels.areInIncreasingOrder(lhs, rhs) == increasing)
    }
}

@Suite struct TimeZoneFactTests {
    @Test func timeZoneComesFromEtcTimezoneOrTheLocaltimeLink() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("pp-tz-\(UUID().uuidString)").path
        let etc = root + "/etc"
        try FileManager.default.createDirectory(atPath: etc, withIntermediateDirectories: true)
        try "ID=debian\nVERSION_ID=\"12\"\n".write(toFile: etc + "/os-release", atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(
            atPath: etc + "/localtime",
            withDestinationPath: "/usr/share/zoneinfo/Europe/Berlin"
        )
        let collector = InventoryCollector(configuration: CollectorConfiguration(rootDirectory: root))
        #expect(try collector.collect().facts.timeZone == "Europe/Berlin")
        try "America/Santiago\n".write(toFile: etc + "/timezone", atomically: true, encoding: .utf8)
        #expect(try collector.collect().facts.timeZone == "America/Santiago")
    }
}
