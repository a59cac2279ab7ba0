import FleetModel
import Foundation

/// A real package set for one OS release, bundled with the executable (see `DemoFleet/SOURCES.md`).
struct DemoProfile: Sendable {
    var name: String
    var os: OSRelease
    var packages: [InstalledPackage]
    var kernels: [String]
    var weight: Int

    /// Loads the bundled Debian 11, Debian 12 and Ubuntu 22.04 profiles.
    static func loadBundled() throws -> [DemoProfile] {
        let specs: [(String, [String], Int)] = [
            ("debian-12", ["6.1.0-18-amd64", "6.1.0-21-amd64", "6.1.0-25-amd64"], 5),
            ("debian-11", ["5.10.0-26-amd64", "5.10.0-28-amd64"], 3),
            ("ubuntu-22.04", ["5.15.0-91-generic", "5.15.0-105-generic", "6.5.0-35-generic"], 4),
        ]
        return try specs.map { name, kernels, weight in
            guard
                let statusURL = Bundle.module.url(
                    forResource: name,
                    withExtension: "status",
                    subdirectory: "DemoFleet"
                ),
                let osURL = Bundle.module.url(forResource: name, withExtension: "os-release", subdirectory: "DemoFleet")
            else { throw SimulationError("bundled demo data for \(name) is missing") }
            let packages = try DpkgStatusParser(sourceName: statusURL.lastPathComponent)
                .parse(String(decoding: try Data(contentsOf: statusURL), as: UTF8.self))
            let os = try OSReleaseParser(sourceName: osURL.lastPathComponent)
                .parse(String(decoding: try Data(contentsOf: osURL), as: UTF8.self))
            return DemoProfile(name: name, os: os, packages: packages, kernels: kernels, weight: weight)
        }
    }
}

/// An error of the simulator.
struct SimulationError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
