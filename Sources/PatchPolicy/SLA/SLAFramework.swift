/// The compliance framework an SLA profile implements; it decides the built-in defaults.
public enum SLAFramework: String, Sendable, Hashable, Codable, CaseIterable {
    /// PCI DSS v4.0 requirement 6.3.3.
    case pciDSS4 = "pci-dss-4.0"
    /// CISA Binding Operational Directive 22-01 (Known Exploited Vulnerabilities).
    case cisaBOD2201 = "cisa-bod-22-01"
    /// NIST SP 800-53 Rev. 5 control SI-2 (Flaw Remediation).
    case nist80053SI2 = "nist-800-53-si-2"
    /// HIPAA Security Rule, 45 CFR 164.308(a)(1)(ii)(B) risk management.
    case hipaa
    /// An organisation's own profile.
    case custom
}

/// When an SLA clock starts.
public enum SLAClockStart: String, Sendable, Hashable, Codable, CaseIterable {
    /// At the advisory's publication (the fix's release); falls back to first detection when unknown.
    case publication
    /// When the finding was first detected on the host.
    case firstDetection = "first-detection"
}

/// Which findings a profile covers.
public enum SLACoverage: String, Sendable, Hashable, Codable, CaseIterable {
    /// Every finding whose severity has a deadline.
    case allFindings = "all"
    /// Only findings in CISA's KEV catalogue with a due date (BOD 22-01).
    case knownExploitedOnly = "kev-only"
}
