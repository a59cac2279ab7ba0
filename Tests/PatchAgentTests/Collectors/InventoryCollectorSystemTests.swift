import FleetModel
import Foundation
import Testing

#if canImport(PatchAgent)
import PatchAgent
#else
import Collectors
#endif

/// Runs the collector on this machine.
@Suite(.enabled(if: FileManager.default.fileExists(atPath: "/var/lib/dpkg/status"), "needs a dpkg-based host"))
struct InventoryCollectorSystemTests {
    @Test func collectsThisHost() throws {
        let inventory = try InventoryCollector().collect()
        let facts = inventory.facts
        let uname = try runCollectorTestProgram("/bin/uname", ["-r", "-m"]).output.split(separator: " ").map {
            $0.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        #expect(facts.kernelRunning == uname.first)
        #expect(facts.architecture == uname.last)
        #expect(!facts.os.id.isEmpty)
        #expect(!facts.hostname.isEmpty)
        #expect(facts.uptimeSeconds > 0)
        #expect(facts.bootID.count == 36)

        // Every package dpkg knows as installed is in the inventory, with dpkg's own source fields.
        let query = try runCollectorTestProgram(
            "/usr/bin/dpkg-query",
            [
                "-W", "-f",
                "${db:Status-Status} ${binary:Package} ${Architecture} ${source:Package} ${source:Version}\\n",
            ]
        )
        #expect(query.status == 0)
        var packages: [String: InstalledPackage] = [:]
        for package in inventory.packages where package.manager == .dpkg {
            packages["\(package.name):\(package.architecture)"] = package
        }
        var checked = 0
        for line in query.output.split(separator: "\n") {
            let fields = line.split(separator: " ").map(String.init)
            guard fields.count == 5, fields[0] == "installed" else { continue }
            let binary = fields[1].split(separator: ":").first.map(String.init) ?? fields[1]
            let package = try #require(packages["\(binary):\(fields[2])"], "\(fields[1]) is collected")
            #expect(package.sourceName == fields[3], "source of \(fields[1])")
            #expect(package.sourceVersion == fields[4], "source version of \(fields[1])")
            checked += 1
        }
        #expect(checked > 100)
        #expect(inventory.packages.filter { $0.manager == .dpkg && $0.state == .installed }.count == checked)
    }
}
