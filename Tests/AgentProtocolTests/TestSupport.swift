import FleetModel

/// A small deterministic generator (SplitMix64) so that property tests are reproducible from their seed.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

enum Samples {
    static let names = ["bash", "coreutils", "libc6", "libssl3", "openssl", "curl", "zlib1g", "tzdata", "vim", "sudo"]
    static let architectures = ["amd64", "arm64", "all"]
    static let versions = ["1.0-1", "1.0-2", "2:1.2.3-4+deb12u1", "3.0.11-1~deb12u2", "1.2.13.dfsg-1"]

    /// Random bytes of the given length.
    static func bytes(count: Int, using generator: inout SeededGenerator) -> [UInt8] {
        (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }

    /// A random package list with unique keys, drawn from a small pool so that two lists overlap.
    static func packages(using generator: inout SeededGenerator) -> [InstalledPackage] {
        var result: [InstalledPackage] = []
        for name in names {
            for architecture in architectures where Int.random(in: 0..<3, using: &generator) == 0 {
                result.append(package(name: name, architecture: architecture, using: &generator))
            }
        }
        result.shuffle(using: &generator)
        return result
    }

    static func package(name: String, architecture: String, using generator: inout SeededGenerator) -> InstalledPackage
    {
        let version = versions.randomElement(using: &generator)!
        let hasSource = Bool.random(using: &generator)
        return InstalledPackage(
            name: name,
            architecture: architecture,
            version: version,
            sourceName: hasSource ? name + "-src" : nil,
            sourceVersion: hasSource ? versions.randomElement(using: &generator)! : nil,
            state: Int.random(in: 0..<4, using: &generator) == 0
                ? PackageState.allCases.randomElement(using: &generator)! : .installed,
            manager: .dpkg
        )
    }

    /// A mutated copy of `packages`: some removed, some changed, some added.
    static func mutated(_ packages: [InstalledPackage], using generator: inout SeededGenerator) -> [InstalledPackage] {
        var result: [InstalledPackage] = []
        var keys = Set<PackageKey>()
        for package in packages {
            switch Int.random(in: 0..<4, using: &generator) {
            case 0:
                continue  // removed
            case 1:
                var changed = package
                changed.version = versions.randomElement(using: &generator)! + "+new"
                result.append(changed)
            default:
                result.append(package)
            }
            keys.insert(package.key)
        }
        for name in names {
            for architecture in architectures where Int.random(in: 0..<8, using: &generator) == 0 {
                let key = PackageKey(name: name, architecture: architecture)
                if keys.insert(key).inserted {
                    result.append(self.package(name: name, architecture: architecture, using: &generator))
                }
            }
        }
        result.shuffle(using: &generator)
        return result
    }

    static let fixedList: [InstalledPackage] = [
        InstalledPackage(name: "bash", architecture: "amd64", version: "5.2.15-2+b7", manager: .dpkg),
        InstalledPackage(
            name: "bsdutils",
            architecture: "amd64",
            version: "1:2.38.1-5+deb12u3",
            sourceName: "util-linux",
            sourceVersion: "2.38.1-5+deb12u3",
            manager: .dpkg
        ),
        InstalledPackage(
            name: "openssl",
            architecture: "amd64",
            version: "3.0.15-1~deb12u1",
            state: .halfConfigured,
            manager: .dpkg
        ),
        InstalledPackage(name: "openssl", architecture: "arm64", version: "3.0.15-1~deb12u1", manager: .dpkg),
    ]
}
