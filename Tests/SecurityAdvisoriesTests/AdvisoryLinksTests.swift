import SecurityAdvisories
import Testing

/// Every advisory links to its publisher and, per CVE it names, to NVD and the distribution's page.
@Suite struct AdvisoryLinksTests {
    func urls(_ id: String, _ aliases: [String] = []) -> [String] {
        AdvisoryLinks.links(id: id, aliases: aliases).map(\.url)
    }

    @Test func debianAdvisoriesLinkTheTrackerAndNVD() {
        #expect(
            urls("DSA-5650-1", ["CVE-2024-28085"]) == [
                "https://security-tracker.debian.org/tracker/DSA-5650-1",
                "https://nvd.nist.gov/vuln/detail/CVE-2024-28085",
                "https://security-tracker.debian.org/tracker/CVE-2024-28085",
            ]
        )
        #expect(urls("DLA-3782-1").first == "https://security-tracker.debian.org/tracker/DLA-3782-1")
        #expect(urls("DEBIAN-CVE-2024-1")[0] == "https://security-tracker.debian.org/tracker/CVE-2024-1")
    }

    @Test func ubuntuRedHatAlpineAndOthers() {
        #expect(
            urls("USN-6719-1", ["CVE-2024-2004"]) == [
                "https://ubuntu.com/security/notices/USN-6719-1",
                "https://nvd.nist.gov/vuln/detail/CVE-2024-2004",
                "https://ubuntu.com/security/CVE-2024-2004",
            ]
        )
        #expect(urls("UBUNTU-CVE-2024-2004").first == "https://ubuntu.com/security/CVE-2024-2004")
        #expect(
            urls("RHSA-2024:1234", ["CVE-2024-1"]) == [
                "https://access.redhat.com/errata/RHSA-2024:1234", "https://nvd.nist.gov/vuln/detail/CVE-2024-1",
                "https://access.redhat.com/security/cve/CVE-2024-1",
            ]
        )
        #expect(urls("ALPINE-CVE-2024-9").first == "https://security.alpinelinux.org/vuln/CVE-2024-9")
        #expect(urls("GHSA-abcd-efgh-ijkl") == ["https://osv.dev/vulnerability/GHSA-abcd-efgh-ijkl"])
        #expect(urls("ALSA-2024:1").first == "https://osv.dev/vulnerability/ALSA-2024:1")
        #expect(
            urls("CVE-2024-3094") == [
                "https://nvd.nist.gov/vuln/detail/CVE-2024-3094",
                "https://security-tracker.debian.org/tracker/CVE-2024-3094",
            ]
        )
    }

    @Test func oddIdsGetNoLinksAndOddAliasesAreSkipped() {
        #expect(urls("DSA-1\"><script>").isEmpty)
        #expect(urls("DSA-1 2").isEmpty)
        #expect(urls("").isEmpty)
        #expect(
            urls("DSA-1-1", ["CVE-2024-1/../x", "CVE-X"]) == ["https://security-tracker.debian.org/tracker/DSA-1-1"]
        )
        #expect(urls("DSA-1-1", ["CVE-2024-1", "CVE-2024-1"]).count == 3, "no duplicates")
    }
}
