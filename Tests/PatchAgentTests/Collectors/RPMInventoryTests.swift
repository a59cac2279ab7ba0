import FleetModel
import Foundation
import Testing

#if canImport(PatchAgent)
import PatchAgent
#else
import Collectors
#endif

/// Builds tiny packages with `rpmbuild`, records them in a sandbox rpm database with real `rpm`, and
/// collects them.
@Suite(
    .enabled(
        if: locateCollectorTestProgram("rpmbuild") != nil && locateCollectorTestProgram("rpm") != nil,
        "rpmbuild and rpm are not installed (apt-get install rpm); the test script installs them"
    )
)
struct RPMInventoryTests {
    /// One spec with a subpackage, so the subpackage's source RPM names its parent.
    private static let demoSpec = """
        Name: ppdemo
        Version: 1.2.3
        Release: 4.pp1
        Epoch: 2
        Summary: PatchPilot test package
        License: MIT
        %description
        Test package with an epoch.
        %package -n ppdemo-libs
        Summary: PatchPilot test subpackage
        BuildArch: noarch
        %description -n ppdemo-libs
        Test subpackage.
        %files
        %files -n ppdemo-libs

        """

    /// A package shaped like an RHEL kernel, without an epoch.
    private static let kernelSpec = """
        Name: kernel-core
        Version: 5.14.0
        Release: 427.13.1.el9_4
        Summary: PatchPilot test kernel
        License: GPL-2.0-only
        %description
        Stand-in for a kernel package.
        %files

        """

    /// Builds the packages and installs them with `--justdb` into `<root>/var/lib/rpm`.
    private func installDemoPackages(into sandbox: CollectorSandbox) throws -> String {
        let work = try CollectorSandbox()
        var built: [String] = []
        for (name, spec) in [("ppdemo", Self.demoSpec), ("kernel", Self.kernelSpec)] {
            try work.write("/\(name).spec", spec)
            let build = try runCollectorTestProgram(
                try #require(locateCollectorTestProgram("rpmbuild")),
                ["-bb", "--quiet", "--define", "_topdir \(work.root)/top", "\(work.root)/\(name).spec"]
            )
            try #require(build.status == 0, "rpmbuild \(name).spec")
        }
        let enumerator = FileManager.default.enumerator(atPath: work.root + "/top/RPMS")
        while let file = enumerator?.nextObject() as? String {
            if file.hasSuffix(".rpm") { built.append(work.root + "/top/RPMS/" + file) }
        }
        #expect(built.count == 3)
        let rpm = try #require(locateCollectorTestProgram("rpm"))
        let common = ["--root", sandbox.root, "--dbpath", "/var/lib/rpm"]
        try #require(try runCollectorTestProgram(rpm, common + ["--initdb"]).status == 0)
        let install = try runCollectorTestProgram(
            rpm,
            common + ["-i", "--nodeps", "--justdb", "--ignorearch", "--ignoreos"] + built
        )
        try #require(install.status == 0, "rpm -i --justdb")
        let archPackage = try #require(built.first { !$0.contains("/top/RPMS/noarch/") })
        return try runCollectorTestProgram(rpm, ["-qp", "--queryformat", "%{ARCH}", archPackage]).output
    }

    @Test func collectsPackagesFromAConfiguredDatabase() throws {
        let sandbox = try CollectorSandbox()
        try sandbox.writeDebianHost(kernel: "5.14.0-362.8.1.el9_3.x86_64")
        let architecture = try installDemoPackages(into: sandbox)
        let configuration = CollectorConfiguration(rootDirectory: sandbox.root, rpmDatabasePath: "/var/lib/rpm")
        let inventory = try InventoryCollector(configuration: configuration).collect()
        let packages = inventory.packages.sorted { $0.key < $1.key }
        #expect(
            packages == [
                InstalledPackage(
                    name: "kernel-core",
                    architecture: architecture,
                    version: "5.14.0-427.13.1.el9_4",
                    sourceName: "kernel-core",
                    sourceVersion: "5.14.0-427.13.1.el9_4",
                    manager: .rpm
                ),
                InstalledPackage(
                    name: "ppdemo",
                    architecture: architecture,
                    version: "2:1.2.3-4.pp1",
                    sourceName: "ppdemo",
                    sourceVersion: "1.2.3-4.pp1",
                    manager: .rpm
                ),
                InstalledPackage(
                    name: "ppdemo-libs",
                    architecture: "noarch",
                    version: "2:1.2.3-4.pp1",
                    sourceName: "ppdemo",
                    sourceVersion: "1.2.3-4.pp1",
                    manager: .rpm
                ),
            ]
        )
        #expect(inventory.facts.kernelNewestInstalled == "5.14.0-427.13.1.el9_4.\(architecture)")
        #expect(inventory.facts.rebootRequired == (architecture == "x86_64"))
    }

    @Test func findsTheDatabaseWithoutConfiguration() throws {
        let sandbox = try CollectorSandbox()
        try sandbox.writeDebianHost()
        _ = try installDemoPackages(into: sandbox)
        let inventory = try InventoryCollector(configuration: CollectorConfiguration(rootDirectory: sandbox.root))
            .collect()
        #expect(inventory.packages.map(\.name).sorted() == ["kernel-core", "ppdemo", "ppdemo-libs"])
    }

    @Test func emptyDatabaseDirectoryIsNotADatabase() throws {
        let sandbox = try CollectorSandbox()
        try sandbox.writeDebianHost()
        try FileManager.default.createDirectory(
            atPath: sandbox.root + "/var/lib/rpm",
            withIntermediateDirectories: true
        )
        let inventory = try InventoryCollector(configuration: CollectorConfiguration(rootDirectory: sandbox.root))
            .collect()
        #expect(inventory.packages.isEmpty)
    }

    @Test func failingRPMIsAnErrorNamingTheCommand() throws {
        let sandbox = try CollectorSandbox()
        try sandbox.writeDebianHost()
        try sandbox.write("/var/lib/rpm/rpmdb.sqlite", "this is not a database")
        let configuration = CollectorConfiguration(rootDirectory: sandbox.root, rpmDatabasePath: "/var/lib/rpm")
        let error = #expect(throws: CollectorError.self) {
            try InventoryCollector(configuration: configuration).collect()
        }
        #expect(error?.code == .commandFailed)
        #expect(error?.subject.contains("-qa --queryformat") == true)
    }
}
