/// Maps a CSAF platform product's CPE to the distribution release whose hosts install the
/// component RPMs.
///
/// - Red Hat: vendor `redhat`, product `enterprise_linux` or a RHEL stream (`rhel_eus`, `rhel_aus`,
///   `rhel_e4s`, `rhel_tus`, `rhel_els`, …): `cpe:/a:redhat:enterprise_linux:8::appstream` →
///   `Red Hat:8`, `cpe:/o:redhat:rhel_aus:7.6::server` → `Red Hat:7` (the major version).
/// - Rocky Linux: vendor `rocky` or `resf` (`cpe:/o:rocky:rocky:9::baseos`) → `Rocky Linux:9`.
/// - AlmaLinux: vendor `almalinux` (`cpe:/o:almalinux:almalinux:8::baseos`) → `AlmaLinux:8`.
///
/// Layered products (OpenShift, Satellite, JBoss: `cpe:/a:redhat:openshift:4.6::el8`) and platforms
/// without a CPE map to nothing: their packages come from other repositories than the OS release's.
/// Both CPE 2.2 URIs (`cpe:/o:…`) and CPE 2.3 strings (`cpe:2.3:o:…`) are read.
enum CSAFPlatform {
    /// The release for `cpe`, or `nil`.
    static func release(cpe: String) -> EcosystemRelease? {
        let parts = cpe.split(separator: ":", omittingEmptySubsequences: false).map { $0.lowercased() }
        let vendorIndex: Int
        if parts.count >= 5, parts[0] == "cpe", parts[1].hasPrefix("/") {
            vendorIndex = 2
        } else if parts.count >= 6, parts[0] == "cpe", parts[1] == "2.3" {
            vendorIndex = 3
        } else {
            return nil
        }
        let vendor = parts[vendorIndex]
        let product = parts[vendorIndex + 1]
        let version = parts[vendorIndex + 2]
        guard let major = version.split(separator: ".").first, !major.isEmpty, major.allSatisfy(\.isNumber) else {
            return nil
        }
        switch vendor {
        case "redhat" where product == "enterprise_linux" || product == "rhel" || product.hasPrefix("rhel_"):
            return EcosystemRelease(.redHat, String(major))
        case "rocky", "resf":
            return product.hasPrefix("rocky") ? EcosystemRelease(.rocky, String(major)) : nil
        case "almalinux":
            return product.hasPrefix("almalinux") ? EcosystemRelease(.alma, String(major)) : nil
        default:
            return nil
        }
    }
}
