/// A version of the Common Vulnerability Scoring System that PatchPilot can score.
public enum CVSSVersion: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    /// CVSS v2 (2007): vectors have no prefix, e.g. `AV:N/AC:L/Au:N/C:P/I:P/A:P`.
    case v2_0 = "2.0"
    /// CVSS v3.0 (2015): `CVSS:3.0/…`.
    case v3_0 = "3.0"
    /// CVSS v3.1 (2019): `CVSS:3.1/…`.
    case v3_1 = "3.1"
    /// CVSS v4.0 (2023): `CVSS:4.0/…`.
    case v4_0 = "4.0"

    /// The prefix a vector string of this version starts with (empty for v2).
    public var vectorPrefix: String {
        switch self {
        case .v2_0: ""
        case .v3_0: "CVSS:3.0/"
        case .v3_1: "CVSS:3.1/"
        case .v4_0: "CVSS:4.0/"
        }
    }

    public var description: String { rawValue }
}
