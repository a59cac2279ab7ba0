import Crypto
import FleetModel

/// One simulated machine: facts and a package list derived from a real profile with variation.
///
/// Variation: about 8% of optional packages are absent, and a host lags behind on patches: each
/// package has a chance (by the host's "patch lag") to carry an earlier revision (one back; a
/// neglected host, one whose lag is 0.3 or more, has a third of its packages up to eight back), made by
/// lowering the last number of the Debian revision (`-5+deb12u3` → `-5+deb12u2`,
/// `-2ubuntu0.3` → `-2ubuntu0.2`) or the first number of the RPM release (`-34.el9` → `-33.el9`),
/// the way an unpatched host looks.
struct SimulatedHost: Sendable {
    var facts: HostFacts
    var packages: [InstalledPackage]
    let key: Curve25519.Signing.PrivateKey
    var latestPackages: [InstalledPackage]

    init(index: Int, profile: DemoProfile, random: inout SplitMix64) {
        let roles = ["web", "api", "db", "cache", "queue", "build", "mon", "proxy", "batch", "auth"]
        let environments = ["prod", "prod", "prod", "staging", "dev"]
        let role = roles[Int(random.next() % UInt64(roles.count))]
        let environment = environments[Int(random.next() % UInt64(environments.count))]
        let hostname = "\(role)-\(zeroPadded3(index)).\(environment).example.net"
        let newestKernel = profile.kernels.last ?? ""
        // Most hosts run their newest kernel; about a quarter have not rebooted into it yet.
        let kernel =
            random.next() % 100 < 75
            ? newestKernel : profile.kernels[Int(random.next() % UInt64(profile.kernels.count))]
        let lag = Double(random.next() % 40) / 100
        var packages: [InstalledPackage] = []
        packages.reserveCapacity(profile.packages.count)
        for package in profile.packages {
            let essential = package.name.hasPrefix("lib") || package.name.hasPrefix("base") || package.name == "dpkg"
            if !essential, random.next() % 100 < 8 { continue }
            var copy = package
            // A neglected host (lag of 0.3 or more, about a quarter of them) has a third of its
            // packages one to eight revisions behind; the others have a few one behind.
            let neglected = lag >= 0.3
            let steps = neglected ? 1 + Int(random.next() % 8) : 1
            let chance = neglected ? 0.33 : lag * 0.3
            if Double(random.next() % 1000) / 1000 < chance,
                let older = Self.previousRevision(package.version, manager: package.manager, steps: steps)
            {
                copy.version = older
                copy.sourceVersion =
                    Self.previousRevision(package.sourceVersion, manager: package.manager, steps: steps)
                    ?? package.sourceVersion
            }
            packages.append(copy)
        }
        let rebootRequired = kernel != newestKernel || random.next() % 100 < 6
        facts = HostFacts(
            hostname: hostname,
            machineID: Self.hex(&random, bytes: 16),
            bootID: Self.hex(&random, bytes: 16),
            os: profile.os,
            architecture: "x86_64",
            kernelRunning: kernel,
            kernelNewestInstalled: newestKernel,
            rebootRequired: rebootRequired,
            rebootRequiredPackages: rebootRequired ? ["linux-image-\(newestKernel)"] : [],
            uptimeSeconds: Double(random.next() % (90 * 86400))
        )
        self.packages = packages
        self.latestPackages = profile.packages
        key = Curve25519.Signing.PrivateKey()
    }

    /// Patches `count` lagging packages to the profile's version (as an upgrade run would).
    mutating func patch(count: Int, random: inout SplitMix64) {
        let latest = Dictionary(latestPackages.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        let lagging = packages.indices.filter { latest[packages[$0].key].map { $0.version } != packages[$0].version }
        guard !lagging.isEmpty else { return }
        for _ in 0..<count {
            let index = lagging[Int(random.next() % UInt64(lagging.count))]
            if let newest = latest[packages[index].key] { packages[index] = newest }
        }
        facts.uptimeSeconds += 60
    }

    static func previousRevision(_ version: String, manager: PackageManagerKind = .dpkg, steps: Int = 1) -> String? {
        let steps = max(1, min(steps, 20))
        var characters = Array(version)
        if manager == .rpm {
            // [epoch:]version-release: lower the release's leading number (`34.el9` → `33.el9`).
            guard let dash = characters.lastIndex(of: "-") else { return nil }
            let start = dash + 1
            var end = start
            while end < characters.count, characters[end].isNumber { end += 1 }
            guard end > start, let value = Int(String(characters[start..<end])), value > steps else { return nil }
            characters.replaceSubrange(start..<end, with: Array(String(value - steps)))
            return String(characters)
        }
        guard let last = characters.lastIndex(where: { $0.isNumber }) else { return nil }
        var start = last
        while start > 0, characters[start - 1].isNumber { start -= 1 }
        guard let value = Int(String(characters[start...last])), value >= steps else { return nil }
        // Only touch the revision part (after the last '-'); upstream versions stay as they are.
        guard let dash = characters.lastIndex(of: "-"), start > dash else { return nil }
        characters.replaceSubrange(start...last, with: Array(String(value - steps)))
        return String(characters)
    }

    static func hex(_ random: inout SplitMix64, bytes: Int) -> String {
        let digits = Array("0123456789abcdef")
        var text = ""
        for _ in 0..<bytes {
            let byte = Int(random.next() & 0xff)
            text.append(digits[byte >> 4])
            text.append(digits[byte & 0xf])
        }
        return text
    }
}

/// `7` → `007`.
func zeroPadded3(_ value: Int) -> String {
    let text = String(value)
    return String(repeating: "0", count: max(0, 3 - text.count)) + text
}
