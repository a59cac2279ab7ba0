/// Debian and Ubuntu codenames as feeds use them (`bookworm`, `jammy`) and their release numbers.
public enum ReleaseCodenames {
    /// Debian codename → major version.
    public static let debian: [String: String] = [
        "etch": "4", "lenny": "5", "squeeze": "6", "wheezy": "7", "jessie": "8", "stretch": "9",
        "buster": "10", "bullseye": "11", "bookworm": "12", "trixie": "13", "forky": "14", "duke": "15",
    ]
    /// Ubuntu codename → version.
    public static let ubuntu: [String: String] = [
        "trusty": "14.04", "xenial": "16.04", "bionic": "18.04", "focal": "20.04", "groovy": "20.10",
        "hirsute": "21.04", "impish": "21.10", "jammy": "22.04", "kinetic": "22.10", "lunar": "23.04",
        "mantic": "23.10", "noble": "24.04", "oracular": "24.10", "plucky": "25.04", "questing": "25.10",
    ]

    /// The release for a Debian codename (`bookworm` → `Debian:12`); `nil` for `sid` and unknown names.
    public static func debianRelease(_ codename: String) -> EcosystemRelease? {
        debian[codename.lowercased()].map { EcosystemRelease(.debian, $0) }
    }

    /// The release for an Ubuntu codename (`jammy` → `Ubuntu:22.04`).
    public static func ubuntuRelease(_ codename: String) -> EcosystemRelease? {
        ubuntu[codename.lowercased()].map { EcosystemRelease(.ubuntu, $0) }
    }
}
