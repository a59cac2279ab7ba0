import Foundation

/// A fake host root with real dpkg state: tiny .deb packages built with `dpkg-deb` and installed
/// with `dpkg --root`, plus os-release, machine-id and hostname files.
struct SandboxHost {
    let root: String
    let packagesDirectory: String

    static func make(hostname: String) throws -> SandboxHost {
        let root = try temporaryDirectory("root")
        let packages = try temporaryDirectory("debs")
        let files: [String: String] = [
            "etc/os-release":
                "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\nID=debian\n",
            "etc/machine-id": UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased() + "\n",
            "etc/hostname": hostname + "\n",
            "proc/sys/kernel/hostname": hostname + "\n",
            "proc/sys/kernel/osrelease": "6.1.0-18-amd64\n",
            "proc/sys/kernel/random/boot_id": UUID().uuidString.lowercased() + "\n",
            "proc/uptime": "1234.5 2000.0\n",
            "var/lib/dpkg/status": "",
            "var/lib/dpkg/available": "",
        ]
        for (path, content) in files {
            let url = URL(fileURLWithPath: root).appendingPathComponent(path)
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(),
                withIntermediateDirectories: true
            )
            try content.write(to: url, atomically: true, encoding: .utf8)
        }
        for directory in ["var/lib/dpkg/info", "var/lib/dpkg/updates", "var/lib/dpkg/triggers"] {
            try FileManager.default.createDirectory(atPath: root + "/" + directory, withIntermediateDirectories: true)
        }
        return SandboxHost(root: root, packagesDirectory: packages)
    }

    /// Builds `name_version_all.deb` (optionally from a differently named and versioned source) and installs it.
    func install(name: String, version: String, source: String? = nil) throws {
        let deb = try build(name: name, version: version, source: source)
        try system([
            "dpkg", "--root=\(root)", "--force-not-root", "--force-script-chrootless", "--force-bad-path", "-i", deb,
        ])
    }

    /// Installs a .deb built elsewhere (e.g. one shared by several hosts).
    func install(deb: String) throws {
        try system([
            "dpkg", "--root=\(root)", "--force-not-root", "--force-script-chrootless", "--force-bad-path", "-i", deb,
        ])
    }

    /// Indexes a directory of .deb files as a flat apt repository (`Packages`, every version kept).
    static func indexRepository(_ directory: String) throws {
        try system(["sh", "-c", "cd '\(directory)' && dpkg-scanpackages --multiversion . > Packages"])
    }

    /// Points the root's apt at a flat repository made by ``indexRepository(_:)`` and creates the
    /// directories apt needs, so the agent can install plan packages that carry no artifact.
    func useAptRepository(_ directory: String) throws {
        for path in [
            "etc/apt/apt.conf.d", "etc/apt/preferences.d", "etc/apt/sources.list.d", "var/lib/apt/lists/partial",
            "var/cache/apt/archives/partial", "var/log/apt",
        ] {
            try FileManager.default.createDirectory(atPath: root + "/" + path, withIntermediateDirectories: true)
        }
        try "deb [trusted=yes] file:\(directory) ./\n".write(
            toFile: root + "/etc/apt/sources.list",
            atomically: true,
            encoding: .utf8
        )
    }

    /// The installed version of a package, read with `dpkg-query` from the root's dpkg database.
    func installedVersion(_ name: String) throws -> String? {
        let output = try? system([
            "dpkg-query", "--admindir=\(root)/var/lib/dpkg", "-W", "-f", "${Version} ${db:Status-Abbrev}", name,
        ])
        guard let output, output.hasSuffix("ii ") else { return nil }
        return String(output.prefix { $0 != " " })
    }

    /// Builds `name_version_all.deb` and returns its path.
    func build(name: String, version: String, source: String? = nil) throws -> String {
        let build = packagesDirectory + "/\(name)-\(version)"
        try FileManager.default.createDirectory(atPath: build + "/DEBIAN", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: build + "/usr/share/\(name)", withIntermediateDirectories: true)
        try "\(name) \(version)\n".write(
            toFile: build + "/usr/share/\(name)/VERSION",
            atomically: true,
            encoding: .utf8
        )
        var control = "Package: \(name)\nVersion: \(version)\nArchitecture: all\nMaintainer: Test <test@example.net>\n"
        if let source { control += "Source: \(source)\n" }
        control += "Description: PatchPilot test package\n"
        try control.write(toFile: build + "/DEBIAN/control", atomically: true, encoding: .utf8)
        let deb = packagesDirectory + "/\(name)_\(version)_all.deb"
        try system(["dpkg-deb", "--root-owner-group", "-Zgzip", "--build", build, deb])
        return deb
    }
}
