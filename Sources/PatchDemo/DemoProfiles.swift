import FleetModel
import Foundation

/// A real package set for one OS release, bundled with the executable (see `DemoFleet/SOURCES.md`).
struct DemoProfile: Sendable {
    var name: String
    var os: OSRelease
    var packages: [InstalledPackage]
    var kernels: [String]
    var weight: Int

    /// Loads the bundled Debian 11, Debian 12, Ubuntu 22.04 (dpkg status) and Rocky Linux 9 (rpm
    /// query) profiles.
    static func loadBundled() throws -> [DemoProfile] {
        let specs: [(String, String, [String], Int)] = [
            ("debian-12", "status", ["6.1.0-18-amd64", "6.1.0-21-amd64", "6.1.0-25-amd64"], 5),
            ("debian-11", "status", ["5.10.0-26-amd64", "5.10.0-28-amd64"], 3),
            ("ubuntu-22.04", "status", ["5.15.0-91-generic", "5.15.0-105-generic", "6.5.0-35-generic"], 4),
            (
                "rocky-9", "query",
                ["5.14.0-284.30.1.el9_2.x86_64", "5.14.0-362.8.1.el9_3.x86_64", "5.14.0-362.24.1.el9_3.0.1.x86_64"], 3
            ),
        ]
        return try specs.map { name, format, kernels, weight in
            guard
                let listURL = Bundle.module.url(forResource: name, withExtension: format, subdirectory: "DemoFleet"),
                let osURL = Bundle.module.url(forResource: name, withExtension: "os-release", subdirectory: "DemoFleet")
            else { throw SimulationError("bundled demo data for \(name) is missing") }
            let text = String(decoding: try Data(contentsOf: listURL), as: UTF8.self)
            let packages =
                format == "query"
                ? try RPMQueryParser(sourceName: listURL.lastPathComponent).parse(text)
                : try DpkgStatusParser(sourceName: listURL.lastPathComponent).parse(text)
            let os = try OSReleaseParser(sourceName: osURL.lastPathComponent)
                .parse(String(decoding: try Data(contentsOf: osURL), as: UTF8.self))
            return DemoProfile(name: name, os: os, packages: packages, kernels: kernels, weight: weight)
        }
    }
}

/// An error of the simulator.
public struct SimulationError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
