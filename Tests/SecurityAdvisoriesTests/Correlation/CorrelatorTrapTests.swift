import FleetModel
import Foundation
import PackageVersions
import SecurityAdvisories
import Testing

/// Every trap of the correlator, each with real version strings.
@Suite struct CorrelatorTrapTests {
    static let debian12 = EcosystemRelease(.debian, "12")
    static let debian11 = EcosystemRelease(.debian, "11")

    func advisory(
        _ id: String,
        _ release: EcosystemRelease,
        _ name: String,
        kind: PackageNameKind = .source,
        status: AffectedStatus = .fixed,
        fixed: String? = nil,
        binaries: [BinaryFix] = []
    ) -> Advisory {
        Advisory(
            id: id,
            aliases: ["CVE-2024-0001"],
            source: .dsa,
            modified: Date(timeIntervalSince1970: 0),
            affected: [
                AffectedPackage(
                    release: release,
                    name: name,
                    nameKind: kind,
                    status: status,
                    fixedVersion: fixed,
                    binaries: binaries
                )
            ]
        )
    }

    func deb(_ name: String, _ version: String, source: String? = nil, sourceVersion: String? = nil) -> InstalledPackage
    {
        InstalledPackage(
            name: name,
            architecture: "amd64",
            version: version,
            sourceName: source,
            sourceVersion: sourceVersion,
            manager: .dpkg
        )
    }

    func findings(_ advisories: [Advisory], _ package: InstalledPackage, on release: EcosystemRelease) -> [Finding] {
        FindingBuilder(correlator: Correlator(index: AdvisoryIndex(advisories: advisories)))
            .findings(packages: [package], release: release)
    }

    @Test func epochOnTheBinaryButNotTheSourceIsJudgedBySourceVersion() {
        let fix = advisory("DSA-5800-1", Self.debian12, "util-linux", fixed: "2.38.1-5+deb12u3")
        let vulnerable = deb("bsdutils", "1:2.38.1-5+deb12u2", source: "util-linux", sourceVersion: "2.38.1-5+deb12u2")
        let patched = deb("bsdutils", "1:2.38.1-5+deb12u3", source: "util-linux", sourceVersion: "2.38.1-5+deb12u3")
        let found = findings([fix], vulnerable, on: Self.debian12)
        #expect(found.count == 1)
        #expect(found.first?.package == "bsdutils")
        #expect(found.first?.sourcePackage == "util-linux")
        #expect(found.first?.fixedVersion == "2.38.1-5+deb12u3")
        #expect(found.first?.isFixable == true)
        #expect(findings([fix], patched, on: Self.debian12).isEmpty)
    }

    @Test func unrelatedBinaryAndSourceVersions() {
        let cpp = deb("cpp", "4:12.2.0-3", source: "gcc-defaults", sourceVersion: "1.203")
        #expect(
            findings([advisory("DSA-1", Self.debian12, "gcc-defaults", fixed: "1.204")], cpp, on: Self.debian12).count
                == 1
        )
        #expect(
            findings([advisory("DSA-2", Self.debian12, "gcc-defaults", fixed: "1.203")], cpp, on: Self.debian12).isEmpty
        )
        // A gcc-12 advisory does not touch cpp from gcc-defaults, whatever the version strings say.
        #expect(
            findings([advisory("DSA-3", Self.debian12, "gcc-12", fixed: "12.2.0-15")], cpp, on: Self.debian12).isEmpty
        )
    }

    @Test func binNMUSuffixDoesNotCountAsANewerSource() {
        let bash = deb("bash", "5.2.15-2+b8", source: "bash", sourceVersion: "5.2.15-2")
        #expect(
            findings([advisory("DSA-4", Self.debian12, "bash", fixed: "5.2.15-3")], bash, on: Self.debian12).count == 1
        )
        #expect(
            findings([advisory("DSA-5", Self.debian12, "bash", fixed: "5.2.15-2")], bash, on: Self.debian12).isEmpty
        )
    }

    @Test func backportsAreJudgedAgainstTheNextReleasesData() {
        let curl = deb("curl", "7.88.1-10+deb12u5~bpo11+1")
        let eleven = advisory("DLA-3", Self.debian11, "curl", fixed: "7.74.0-1.3+deb11u14")
        let twelve = advisory("DSA-6", Self.debian12, "curl", fixed: "7.88.1-10+deb12u6")
        let found = findings([eleven, twelve], curl, on: Self.debian11)
        #expect(found.map(\.advisory) == ["DSA-6"])
        #expect(Correlator.backportRelease(version: "7.88.1-10+deb12u5~bpo11+1", host: Self.debian11) == Self.debian12)
        // A bpo12 package on a Debian 12 host is judged against 13.
        #expect(
            Correlator.backportRelease(version: "6.6.3-1~bpo12+1", host: Self.debian12)
                == EcosystemRelease(.debian, "13")
        )
        // A bpo11 package on a Debian 12 host (left over from an upgrade) is judged against 12.
        #expect(Correlator.backportRelease(version: "5.10.1-1~bpo11+1", host: Self.debian12) == Self.debian12)
    }

    @Test func aPackageFromAnotherReleaseIsJudgedAgainstTheHostsRelease() {
        let leftover = deb("libssl1.1", "1.1.1n-0+deb11u5", source: "openssl", sourceVersion: "1.1.1n-0+deb11u5")
        let eleven = advisory("DSA-7", Self.debian11, "openssl", fixed: "1.1.1n-0+deb11u4")
        let twelve = advisory("DSA-8", Self.debian12, "openssl", fixed: "3.0.11-1~deb12u2")
        #expect(findings([eleven, twelve], leftover, on: Self.debian12).map(\.advisory) == ["DSA-8"])
        #expect(findings([eleven, twelve], leftover, on: Self.debian11).isEmpty)
    }

    @Test func rpmEpochIsCompared() {
        let rhel9 = EcosystemRelease(.redHat, "9")
        let package = InstalledPackage(
            name: "mod_ssl",
            architecture: "x86_64",
            version: "1:2.4.62-13.el9_8.1",
            manager: .rpm
        )
        let fixedBelow = advisory("RHSA-2025:1", rhel9, "mod_ssl", kind: .binary, fixed: "1:2.4.62-13.el9_8")
        let fixedAbove = advisory("RHSA-2025:2", rhel9, "mod_ssl", kind: .binary, fixed: "1:2.4.62-13.el9_9")
        #expect(findings([fixedBelow], package, on: rhel9).isEmpty)
        #expect(findings([fixedAbove], package, on: rhel9).map(\.fixedVersion) == ["1:2.4.62-13.el9_9"])
        // A fix stated without an epoch means epoch 0 (rpm's rule): epoch 1 is newer.
        let noEpoch = advisory("RHSA-2025:3", rhel9, "mod_ssl", kind: .binary, fixed: "2.4.99-1.el9")
        #expect(findings([noEpoch], package, on: rhel9).isEmpty)
    }

    @Test func willNotFixAndNotAffectedNeverLookFixable() {
        let package = deb("tiff-tools", "4.5.0-6+deb12u1", source: "tiff", sourceVersion: "4.5.0-6+deb12u1")
        #expect(
            findings([advisory("CVE-2023-1", Self.debian12, "tiff", status: .notAffected)], package, on: Self.debian12)
                .isEmpty
        )
        let ignored = findings(
            [advisory("CVE-2023-2", Self.debian12, "tiff", status: .willNotFix)],
            package,
            on: Self.debian12
        )
        #expect(ignored.count == 1)
        #expect(ignored.first?.status == .willNotFix)
        #expect(ignored.first?.isFixable == false)
        #expect(ignored.first?.fixedVersion == nil)
        let open = findings(
            [advisory("CVE-2023-3", Self.debian12, "tiff", status: .affected)],
            package,
            on: Self.debian12
        )
        #expect(open.first?.isFixable == false)
    }

    @Test func ubuntuAdvisoryListingBinariesAttributesOnlyThoseBinaries() {
        let jammy = EcosystemRelease(.ubuntu, "22.04")
        let usn = advisory(
            "USN-6859-1",
            jammy,
            "openssh",
            fixed: "1:8.9p1-3ubuntu0.10",
            binaries: [
                BinaryFix(name: "openssh-client", version: "1:8.9p1-3ubuntu0.10"),
                BinaryFix(name: "openssh-server", version: "1:8.9p1-3ubuntu0.10"),
            ]
        )
        let client = deb("openssh-client", "1:8.9p1-3ubuntu0.7", source: "openssh", sourceVersion: "1:8.9p1-3ubuntu0.7")
        let sftp = deb(
            "openssh-sftp-server",
            "1:8.9p1-3ubuntu0.7",
            source: "openssh",
            sourceVersion: "1:8.9p1-3ubuntu0.7"
        )
        let patched = deb(
            "openssh-client",
            "1:8.9p1-3ubuntu0.10",
            source: "openssh",
            sourceVersion: "1:8.9p1-3ubuntu0.10"
        )
        #expect(findings([usn], client, on: jammy).map(\.fixedVersion) == ["1:8.9p1-3ubuntu0.10"])
        #expect(findings([usn], sftp, on: jammy).isEmpty)
        #expect(findings([usn], patched, on: jammy).isEmpty)
    }

    @Test func onlyInstalledPackagesOfTheHostsPackageManagerCount() {
        let fix = advisory("DSA-9", Self.debian12, "openssl", fixed: "3.0.15-1~deb12u1")
        var removed = deb("openssl", "3.0.11-1~deb12u2")
        removed.state = .configFiles
        #expect(findings([fix], removed, on: Self.debian12).isEmpty)
        #expect(findings([fix], deb("openssl", "3.0.11-1~deb12u2"), on: EcosystemRelease(.redHat, "9")).isEmpty)
    }

    @Test func lowestVersionFixingEveryAdvisoryOnAPackage() {
        let first = advisory("DSA-10", Self.debian12, "openssl", fixed: "3.0.13-1~deb12u1")
        let second = advisory("DSA-11", Self.debian12, "openssl", fixed: "3.0.15-1~deb12u1")
        let ignored = advisory("CVE-2024-9", Self.debian12, "openssl", status: .willNotFix)
        let found = findings(
            [first, second, ignored],
            deb("libssl3", "3.0.11-1~deb12u2", source: "openssl", sourceVersion: "3.0.11-1~deb12u2"),
            on: Self.debian12
        )
        #expect(found.count == 3)
        let summary = PackageFix.summarize(found, scheme: .deb)
        #expect(summary.count == 1)
        #expect(summary.first?.fixedVersion == "3.0.15-1~deb12u1")
        #expect(summary.first?.advisories == ["DSA-10", "DSA-11"])
        #expect(summary.first?.unfixable == ["CVE-2024-9"])
    }

    @Test func exploitDataIsJoinedOnCVEIDs() {
        let fix = advisory("DSA-12", Self.debian12, "openssh", fixed: "1:9.2p1-2+deb12u3")
        let kev = KnownExploitedVulnerability(
            cveID: "CVE-2024-0001",
            vendorProject: "OpenBSD",
            product: "OpenSSH",
            name: "test",
            dateAdded: Date(timeIntervalSince1970: 1_700_000_000),
            dueDate: Date(timeIntervalSince1970: 1_702_000_000),
            knownRansomwareCampaignUse: "Unknown",
            requiredAction: "Apply updates."
        )
        let builder = FindingBuilder(
            correlator: Correlator(index: AdvisoryIndex(advisories: [fix])),
            exploits: ExploitContext(
                knownExploited: [kev],
                epss: [EPSSScore(cveID: "CVE-2024-0001", score: 0.91, percentile: 0.99)]
            )
        )
        let found = builder.findings(
            packages: [
                deb("openssh-server", "1:9.2p1-2+deb12u2", source: "openssh", sourceVersion: "1:9.2p1-2+deb12u2")
            ],
            release: Self.debian12
        )
        #expect(found.first?.knownExploited == true)
        #expect(found.first?.kevDueDate == kev.dueDate)
        #expect(found.first?.epssScore == 0.91)
    }

    @Test func nvdScoresFillInWhereTheDistributionHasNone() {
        let fix = advisory("DSA-13", Self.debian12, "openssh", fixed: "1:9.2p1-2+deb12u3")
        let nvd = Advisory(
            id: "CVE-2024-0001",
            source: .nvd,
            modified: Date(timeIntervalSince1970: 0),
            cvss: [CVSSRecord(version: "3.1", vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", baseScore: 9.8)]
        )
        let found = FindingBuilder(correlator: Correlator(index: AdvisoryIndex(advisories: [fix, nvd])))
            .findings(
                packages: [
                    deb("openssh-server", "1:9.2p1-2+deb12u2", source: "openssh", sourceVersion: "1:9.2p1-2+deb12u2")
                ],
                release: Self.debian12
            )
        #expect(found.map(\.advisory) == ["DSA-13"])
        #expect(found.first?.cvssScore == 9.8)
        #expect(found.first?.severity == .critical)
    }
}
