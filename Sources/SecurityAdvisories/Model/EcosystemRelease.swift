import FleetModel

/// A distribution release as advisories name it: `Debian:12`, `Ubuntu:22.04:LTS`, `Red Hat:9`,
/// `Rocky Linux:9`, `AlmaLinux:9`, `Alpine:v3.19`.
public struct EcosystemRelease: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    /// The distribution family.
    public enum Distribution: String, Sendable, Hashable, Codable, CaseIterable {
        case debian = "Debian"
        case ubuntu = "Ubuntu"
        case redHat = "Red Hat"
        case rocky = "Rocky Linux"
        case alma = "AlmaLinux"
        case alpine = "Alpine"

        /// The package scheme its versions use.
        public var packageManager: PackageManagerKind {
            switch self {
            case .debian, .ubuntu: .dpkg
            case .redHat, .rocky, .alma: .rpm
            case .alpine: .apk
            }
        }
    }

    /// The distribution.
    public var distribution: Distribution
    /// The release: `12`, `22.04`, `9`, `v3.19`.
    public var version: String

    /// Creates a release.
    public init(_ distribution: Distribution, _ version: String) {
        self.distribution = distribution
        self.version = version
    }

    /// Parses an OSV ecosystem string: `Debian:12`, `Ubuntu:22.04:LTS`, `Ubuntu:Pro:18.04:LTS`,
    /// `Alpine:v3.19`, `Rocky Linux:9`, `AlmaLinux:9`, `Red Hat:9` … Returns `nil` for ecosystems
    /// that are not Linux distributions (npm, PyPI) or that name a paid stream (Ubuntu Pro, FIPS),
    /// which a plain host does not run.
    public init?(osvEcosystem text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard let head = parts.first, let distribution = Distribution(rawValue: head), parts.count >= 2 else {
            return nil
        }
        switch distribution {
        case .ubuntu:
            // Ubuntu:22.04:LTS, Ubuntu:25.04; Ubuntu:Pro:… and Ubuntu:Pro:FIPS… are other streams.
            guard parts[1].first?.isNumber == true else { return nil }
            self.init(.ubuntu, parts[1])
        case .redHat:
            // "Red Hat:enterprise_linux:9::appstream" or "Red Hat:9".
            let version = parts.dropFirst().first { $0.first?.isNumber == true } ?? ""
            guard !version.isEmpty else { return nil }
            self.init(.redHat, Self.majorVersion(version))
        case .alpine:
            let version = parts[1].hasPrefix("v") ? parts[1] : "v" + parts[1]
            self.init(.alpine, version)
        case .debian, .rocky, .alma:
            guard !parts[1].isEmpty else { return nil }
            self.init(distribution, Self.majorVersion(parts[1]))
        }
    }

    /// The release a host runs, from its os-release; `nil` for distributions PatchPilot has no feeds for.
    public init?(osRelease os: OSRelease) {
        switch os.id {
        case "debian":
            guard !os.versionID.isEmpty else { return nil }
            self.init(.debian, Self.majorVersion(os.versionID))
        case "ubuntu": self.init(.ubuntu, os.versionID)
        case "rhel": self.init(.redHat, Self.majorVersion(os.versionID))
        case "rocky": self.init(.rocky, Self.majorVersion(os.versionID))
        case "almalinux": self.init(.alma, Self.majorVersion(os.versionID))
        case "alpine":
            let parts = os.versionID.split(separator: ".")
            guard parts.count >= 2 else { return nil }
            self.init(.alpine, "v\(parts[0]).\(parts[1])")
        default: return nil
        }
    }

    /// The OSV ecosystem string (`Ubuntu:22.04:LTS` for LTS releases).
    public var osvEcosystem: String {
        switch distribution {
        case .ubuntu:
            let isLTS = version.hasSuffix(".04") && (Int(version.prefix(2)) ?? 1) % 2 == 0
            return isLTS ? "Ubuntu:\(version):LTS" : "Ubuntu:\(version)"
        default:
            return "\(distribution.rawValue):\(version)"
        }
    }

    public var description: String { osvEcosystem }

    public static func < (lhs: EcosystemRelease, rhs: EcosystemRelease) -> Bool {
        (lhs.distribution.rawValue, lhs.version) < (rhs.distribution.rawValue, rhs.version)
    }

    static func majorVersion(_ text: String) -> String {
        String(text.prefix { $0 != "." })
    }
}
