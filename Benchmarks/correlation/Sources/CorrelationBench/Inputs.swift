import FleetModel
import Foundation
import SecurityAdvisories

/// Deterministic generator (SplitMix64).
struct Random {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(max(1, n))) }
    mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
    /// An index in 0..<n biased towards 0 (a few packages get most advisories, as in real feeds).
    mutating func skewed(_ n: Int, power: Double = 2.5) -> Int { min(n - 1, Int(Double(n) * pow(unit(), power))) }
}

/// The packages of one release: each slot is one package with its versions, newest first.
struct Pool {
    var release: EcosystemRelease
    var slots: [[InstalledPackage]]
    /// Slot indices in "popularity" order for advisory generation (seeded shuffle).
    var popularity: [Int]
    /// Binary slots per source name (for Ubuntu-style binary lists).
    var bySource: [String: [Int]]
}

enum Versions {
    /// `text` with the digit run that carries the package revision moved by `delta`: the last run
    /// for Debian/Ubuntu versions, the first run of the release part for RPM (so `.el9` stays).
    static func shifted(_ text: String, by delta: Int, rpm: Bool) -> String? {
        var chars = Array(text)
        var start: Int
        var end: Int
        if rpm {
            guard let dash = chars.lastIndex(of: "-"),
                let first = chars[(dash + 1)...].firstIndex(where: \.isNumber)
            else { return nil }
            start = first
            end = first
            while end + 1 < chars.count, chars[end + 1].isNumber { end += 1 }
        } else {
            guard let last = chars.lastIndex(where: \.isNumber) else { return nil }
            end = last
            start = last
            while start > 0, chars[start - 1].isNumber { start -= 1 }
        }
        guard let number = Int(String(chars[start...end])), number + delta >= 0 else { return nil }
        chars.replaceSubrange(start...end, with: Array(String(number + delta)))
        return String(chars)
    }

    /// Up to `count` versions of `package`, newest (the package itself) first.
    static func variants(of package: InstalledPackage, count: Int) -> [InstalledPackage] {
        let rpm = package.manager == .rpm
        var result = [package]
        for step in 1..<count {
            guard let version = shifted(package.version, by: -step, rpm: rpm),
                let source = shifted(package.sourceVersion, by: -step, rpm: rpm)
            else { break }
            var older = package
            older.version = version
            older.sourceVersion = source
            result.append(older)
        }
        return result
    }
}

enum Inputs {
    static func read(_ url: URL) throws -> String { try String(contentsOf: url, encoding: .utf8) }

    /// Debian 12: this project's development host's dpkg status (852 packages).
    static func debian12(_ data: URL) throws -> [InstalledPackage] {
        try DpkgStatusParser(sourceName: "debian-12").parse(
            read(data.appendingPathComponent("debian-12-devhost.status"))
        )
    }

    /// Ubuntu 22.04: the real `ubuntu:22.04` image (117 packages), padded with the Debian 12 packages
    /// it lacks, re-versioned Ubuntu-style (`+deb12uN` dropped, `ubuntu0.22.04.1` appended).
    static func ubuntu2204(_ root: URL, debian: [InstalledPackage]) throws -> [InstalledPackage] {
        let real = try DpkgStatusParser(sourceName: "ubuntu-22.04").parse(
            read(root.appendingPathComponent("Sources/PatchDemo/DemoFleet/ubuntu-22.04.status"))
        )
        let names = Set(real.map(\.name))
        func ubuntu(_ version: String) -> String {
            var base = version
            if let range = base.range(of: #"[+~]deb12u[0-9]+$"#, options: .regularExpression) {
                base.removeSubrange(range)
            }
            return base + (base.contains("-") ? "ubuntu0.22.04.1" : "build1")
        }
        let padding = debian.filter { !names.contains($0.name) }.map { package in
            var copy = package
            copy.version = ubuntu(package.version)
            copy.sourceVersion = ubuntu(package.sourceVersion)
            return copy
        }
        return real + padding
    }

    /// RHEL 9: a real AlmaLinux 9.2 `rpm -qa` (1,277 packages). `rpm -qa` prints no source RPM, so
    /// each package is its own source (RHSA records name binary packages, so matching is unchanged).
    static func rhel9(_ data: URL) throws -> [InstalledPackage] {
        try read(data.appendingPathComponent("almalinux-9.2.rpm-qa.txt")).split(separator: "\n").compactMap { line in
            guard let archDot = line.lastIndex(of: ".") else { return nil }
            let nvr = line[..<archDot]
            let arch = String(line[line.index(after: archDot)...])
            guard let releaseDash = nvr.lastIndex(of: "-") else { return nil }
            let nv = nvr[..<releaseDash]
            guard let versionDash = nv.lastIndex(of: "-") else { return nil }
            let name = String(nv[..<versionDash])
            let version = String(nvr[nvr.index(after: versionDash)...])
            return InstalledPackage(name: name, architecture: arch, version: version, manager: .rpm)
        }
    }

    static func pool(
        _ release: EcosystemRelease,
        _ packages: [InstalledPackage],
        variants: Int,
        random: inout Random
    ) -> Pool {
        let slots = packages.map { Versions.variants(of: $0, count: variants) }
        var popularity = Array(slots.indices)
        for i in popularity.indices.reversed() where i > 0 { popularity.swapAt(i, random.below(i + 1)) }
        var bySource: [String: [Int]] = [:]
        for (i, slot) in slots.enumerated() { bySource[slot[0].sourceName, default: []].append(i) }
        return Pool(release: release, slots: slots, popularity: popularity, bySource: bySource)
    }

    /// The real advisory records of the test fixtures (DSA/DLA lists, Debian and Ubuntu OSV, Debian
    /// tracker JSON, Red Hat CSAF and CSAF VEX, Alpine secdb); the hand-made `csaf/synthetic` is left out.
    static func realAdvisories(_ fixtures: URL) throws -> [Advisory] {
        let reader = FeedDocumentReader(policy: .skip, snapshotTime: Date(timeIntervalSince1970: 1_700_000_000))
        var all: [Advisory] = []
        let files = FileManager.default.enumerator(at: fixtures, includingPropertiesForKeys: nil)!
            .compactMap { $0 as? URL }
            .filter { !$0.path.contains("/synthetic/") }
            .sorted { $0.path < $1.path }
        for url in files {
            let relative = String(url.path.dropFirst(fixtures.path.count + 1))
            let formats: [String: FeedFormat] = [
                "debian/DSA/list": .debianDSAList, "debian/DLA/list": .debianDLAList,
            ]
            let format: FeedFormat
            if let known = formats[relative] {
                format = known
            } else if relative.hasPrefix("ubuntu-osv/") || relative.hasPrefix("osv-debian/") {
                format = .osv
            } else if relative.hasPrefix("debian-tracker-json/") {
                format = .debianTrackerJSON
            } else if relative.hasPrefix("csaf/") && relative.hasSuffix(".json") {
                format = .csaf
            } else if relative.hasPrefix("alpine-secdb/")
                && (relative.hasSuffix(".yaml") || relative.hasSuffix(".json"))
            {
                format = .alpineSecDB
            } else {
                continue
            }
            guard let content = try? reader.read(Data(contentsOf: url), name: relative, format: format) else {
                continue
            }
            all += content.advisories
        }
        return all.filter { !$0.affected.isEmpty }
    }
}
