import Foundation
import Testing

@testable import SecurityAdvisories

@Suite struct CSAFReaderTests {
    static func read(_ path: String, policy: InvalidRecordPolicy = .fail) throws -> Advisory {
        let result = try CSAFReader(policy: policy).read(FeedReaderFixtures.data("csaf/" + path), source: path)
        #expect(result.advisories.count == 1)
        return try #require(result.advisories.first)
    }

    @Test func openShiftAdvisoryHasTwoCVEsAndNoRPMs() throws {
        let advisory = try Self.read("rhsa-2021_5186.json")
        #expect(advisory.id == "RHSA-2021:5186")
        #expect(advisory.aliases == ["CVE-2021-4104", "CVE-2021-4125"])
        #expect(advisory.source == .rhsa)
        #expect(advisory.severity == .critical)
        #expect(advisory.published == Date(timeIntervalSince1970: 1_639_694_040))
        #expect(advisory.modified == Date(timeIntervalSince1970: 1_639_694_040))
        // Container images of a layered product: not placed in an OS release.
        #expect(advisory.affected.isEmpty)
        #expect(advisory.references.contains("https://access.redhat.com/security/cve/CVE-2021-4104"))
    }

    @Test func telnetWithEpochOnRHEL7Streams() throws {
        let advisory = try Self.read("rhsa-2022_0011.json")
        #expect(advisory.id == "RHSA-2022:0011")
        #expect(advisory.aliases == ["CVE-2020-10188"])
        #expect(advisory.severity == .high)
        let release = EcosystemRelease(.redHat, "7")
        #expect(
            advisory.affected.map { "\($0.name)/\($0.nameKind.rawValue)" }
                == ["telnet/binary", "telnet/source", "telnet-debuginfo/binary", "telnet-server/binary"]
        )
        #expect(
            advisory.affected.allSatisfy {
                $0.release == release && $0.status == .fixed && $0.fixedVersion == "1:0.17-65.el7_6"
            }
        )
    }

    @Test func otherRedHatDocuments() throws {
        let bugfix = try Self.read("rhba-2018_0489.json")
        #expect(bugfix.aliases == ["CVE-2017-15137", "CVE-2017-15138"])
        #expect(bugfix.severity == .medium)
        #expect(bugfix.affected.isEmpty)  // OpenShift 3.9 platform: no CPE, not an OS release
        let informational = try Self.read("rhsa-2019_1862.json")
        #expect(informational.id == "RHSA-2019:1862")
        #expect(informational.aliases.isEmpty && informational.affected.isEmpty && informational.cvss.isEmpty)
        #expect(informational.severity == .low)
        let sso = try Self.read("rhsa-2021_5217.json")
        #expect(sso.aliases == ["CVE-2021-4133"] && sso.affected.isEmpty)
    }

    @Test func moduleRPMsWithPurlsAndLowestFix() throws {
        let advisory = try Self.read("synthetic/rhsa-2099_0001.json")
        let rhel8 = EcosystemRelease(.redHat, "8")
        let byName = Dictionary(grouping: advisory.affected) { "\($0.name)/\($0.nameKind.rawValue)" }
        #expect(advisory.affected.count == 4)
        #expect(advisory.affected.allSatisfy { $0.release == rhel8 && $0.status == .fixed })
        // Epoch from the purl qualifier; x86_64 and aarch64 give one entry.
        #expect(byName["mod_ssl/binary"]?.map(\.fixedVersion) == ["1:2.4.37-43.module+el8.5.0+13806+b30d9eec.1"])
        // No epoch qualifier: epoch 0. The 8.4 EUS build is lower than the 8.5 one and is kept.
        #expect(byName["httpd/binary"]?.map(\.fixedVersion) == ["0:2.4.37-39.module+el8.4.0+12865+a7fe6ec6.1"])
        #expect(byName["httpd/source"]?.map(\.fixedVersion) == ["0:2.4.37-43.module+el8.5.0+13806+b30d9eec.1"])
        // No purl: from the NEVRA product id.
        #expect(byName["httpd-tools/binary"]?.map(\.fixedVersion) == ["0:2.4.37-43.module+el8.5.0+13806+b30d9eec.1"])
        #expect(advisory.cvss.map(\.baseScore) == [9.8, 8.2])
        #expect(advisory.severity == .high)
    }

    @Test func vexStatusesPerRelease() throws {
        let advisory = try Self.read("synthetic/cve-2099-1000-vex.json")
        #expect(advisory.id == "CVE-2099-1000" && advisory.aliases.isEmpty && advisory.source == .rhsa)
        #expect(advisory.severity == .medium)
        let statuses = Dictionary(
            uniqueKeysWithValues: advisory.affected.map { ("\($0.release) \($0.name)", $0.status) }
        )
        #expect(
            statuses == [
                "Red Hat:6 httpd": .willNotFix,
                "Red Hat:7 httpd": .affected,
                "Red Hat:8 httpd": .fixed,
                "Red Hat:9 mod_ssl": .underInvestigation,
                "Rocky Linux:9 httpd": .notAffected,
                "AlmaLinux:8 httpd": .underInvestigation,
            ]
        )
        #expect(advisory.affected.first { $0.release == EcosystemRelease(.redHat, "6") }?.nameKind == .source)
    }

    @Test(arguments: [
        ("2022-evd-uc-01-a-001.json", ["CVE-2021-44228"]), ("2022-evd-uc-01-f-001.json", ["CVE-2021-44228"]),
        ("2022-evd-uc-01-na-001.json", ["CVE-2021-44228"]), ("2022-evd-uc-01-ui-001.json", ["CVE-2021-44228"]),
        ("2022-evd-uc-04-001.json", ["CVE-2021-44228"]), ("2022-evd-uc-05-001.json", ["CVE-2021-44228"]),
        ("2022-evd-uc-06-001.json", ["CVE-2021-44228"]), ("2022-evd-uc-07-001.json", ["CVE-2021-44228"]),
        ("2022-evd-uc-08-001.json", ["CVE-2021-44228", "CVE-2021-45105"]),
        ("2022-evd-uc-09-001.json", ["CVE-2021-44228", "CVE-2021-45105"]),
        ("sec-vex-2022-0001.json", ["CVE-2021-44228", "CVE-2021-45046", "CVE-2021-45105"]),
    ])
    func genericVEXExamples(file: String, cves: [String]) throws {
        let advisory = try Self.read("csaf_vex/" + file)
        #expect(advisory.source == .csaf)
        #expect(advisory.aliases == cves)
        #expect(advisory.affected.isEmpty)  // "Example Company ABC 4.2" is no distribution package
    }

    @Test func multiStatusVEXExample() throws {
        let advisory = try Self.read("csaf_vex/2022-evd-uc-03-ms-001.json")
        #expect(advisory.id == "2022-EVD-UC-03-MS-001")
        #expect(advisory.aliases.count == 19)
        let tcpip = try Self.read("csaf_vex/2022-evd-uc-02-na-001.json")
        #expect(tcpip.aliases.count == 19)
        let scored = try Self.read("csaf_vex/2022-evd-uc-08-001.json")
        #expect(scored.severity == .critical)  // no aggregate severity or threat word: CVSS 10.0
        #expect(scored.cvss.first?.vector == "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H")
    }

    static func brokenDocument() throws -> Data {
        var json = try #require(
            JSONSerialization.jsonObject(with: FeedReaderFixtures.data("csaf/synthetic/rhsa-2099_0001.json"))
                as? [String: Any]
        )
        var vulnerabilities = try #require(json["vulnerabilities"] as? [[String: Any]])
        var broken = vulnerabilities[0]
        broken["cve"] = "CVE-2099-0002"
        broken["product_status"] = ["fixed": "AppStream-8.5.0.Z.MAIN"]  // a string, not an array
        vulnerabilities.insert(broken, at: 1)
        json["vulnerabilities"] = vulnerabilities
        return try JSONSerialization.data(withJSONObject: json)
    }

    @Test func brokenVulnerabilityIsNamed() throws {
        let data = try Self.brokenDocument()
        #expect {
            try CSAFReader().read(data, source: "rhsa-2099_0001.json")
        } throws: { error in
            guard let error = error as? SecurityAdvisoriesError else { return false }
            return error.code == .invalidValue && error.source == "rhsa-2099_0001.json"
                && error.record == "RHSA-2099:0001/CVE-2099-0002"
                && error.field == "vulnerabilities[1].product_status.fixed"
        }
    }

    @Test func skipKeepsTheOtherVulnerabilities() throws {
        let result = try CSAFReader(policy: .skip).read(try Self.brokenDocument(), source: "rhsa-2099_0001.json")
        #expect(result.skipped.map(\.record) == ["RHSA-2099:0001/CVE-2099-0002"])
        #expect(result.advisories.first?.aliases == ["CVE-2021-44790", "CVE-2021-44224"])
        #expect(result.advisories.first?.affected.count == 4)
    }

    @Test func missingTrackingIDFailsWhateverThePolicy() {
        let text =
            #"{"document": {"csaf_version": "2.0", "tracking": {"current_release_date": "2024-01-01T00:00:00Z"}}}"#
        #expect {
            try CSAFReader(policy: .skip).read(Data(text.utf8), source: "x.json")
        } throws: { error in
            (error as? SecurityAdvisoriesError)?.field == "document.tracking.id"
        }
    }

    @Test(
        arguments: [
            ("cpe:/a:redhat:enterprise_linux:8::appstream", "Red Hat:8"),
            ("cpe:/o:redhat:enterprise_linux:9::baseos", "Red Hat:9"),
            ("cpe:/o:redhat:rhel_aus:7.6::server", "Red Hat:7"),
            ("cpe:/a:redhat:rhel_eus:8.4::appstream", "Red Hat:8"),
            ("cpe:2.3:o:redhat:enterprise_linux:8:*:*:*:*:*:*:*", "Red Hat:8"),
            ("cpe:/o:rocky:rocky:9::baseos", "Rocky Linux:9"),
            ("cpe:/o:almalinux:almalinux:8::baseos", "AlmaLinux:8"),
            ("cpe:/a:redhat:openshift:4.6::el8", nil), ("cpe:/a:redhat:enterprise_linux", nil), ("not a cpe", nil),
        ] as [(String, String?)]
    )
    func platformCPEs(cpe: String, release: String?) {
        #expect(CSAFPlatform.release(cpe: cpe)?.description == release)
    }

    @Test(
        arguments: [
            (
                "mod_ssl-1:2.4.37-43.module+el8.5.0+13806+b30d9eec.1.x86_64", "mod_ssl",
                "1:2.4.37-43.module+el8.5.0+13806+b30d9eec.1", "x86_64"
            ),
            ("libuv-1:1.7.5-3.el7", "libuv", "1:1.7.5-3.el7", nil),
            (
                "golang-github-prometheus-promu-0:0-2.git85ceabc.el7", "golang-github-prometheus-promu",
                "0:0-2.git85ceabc.el7", nil
            ),
            (
                "httpd:2.4:8050020211112043308:b4937e53:mod_ssl-1:2.4.37-43.module+el8.5.0.x86_64", "mod_ssl",
                "1:2.4.37-43.module+el8.5.0", "x86_64"
            ),
            ("kernel-5.14.0-70.13.1.el9_0.src", "kernel", "0:5.14.0-70.13.1.el9_0", "src"),
        ] as [(String, String, String, String?)]
    )
    func nevraForms(text: String, name: String, evr: String, arch: String?) throws {
        let component = try #require(CSAFComponent(nevra: text))
        #expect(component.name == name && component.evr == evr && component.arch == arch)
    }

    @Test func nonRPMProductIDs() {
        #expect(
            CSAFComponent(nevra: "openshift4/ose-metering-hive:v4.6.0-202112160147.p0.gf139e12.assembly.stream") == nil
        )
        #expect(CSAFComponent(nevra: "Red Hat Single Sign-On") == nil)
        #expect(CSAFComponent(nevra: "CSAFPID-0001") == nil)
        #expect(CSAFComponent(purl: "pkg:oci/ose-hello@sha256%3Aabc") == nil)
        #expect(CSAFComponent(purl: "pkg:rpm/redhat/httpd?arch=src")?.evr == nil)
    }
}
