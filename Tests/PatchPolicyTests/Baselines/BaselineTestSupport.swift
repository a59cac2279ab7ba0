import Foundation
import SecurityAdvisories

/// Dates and real advisory data for baseline and SLA tests.
enum TestData {
    /// A UTC instant from `2026-03-01` or `2026-03-01T08:00:00Z`.
    static func date(_ text: String) -> Date {
        if text.count == 10 { return try! Date(text + "T00:00:00Z", strategy: .iso8601) }
        return try! Date(text, strategy: .iso8601)
    }

    static func debianSecurityAdvisories() throws -> [Advisory] {
        let data = try PolicyFixtures.advisoryData("debian/DSA/list")
        return try DebianAdvisoryListReader(kind: .dsa).read(data, source: "DSA/list").advisories
    }

    static func ubuntu(_ file: String) throws -> [Advisory] {
        let data = try PolicyFixtures.advisoryData("ubuntu-osv/\(file)")
        return try OSVReader().read(data, source: file).advisories
    }

    static func csaf(_ file: String) throws -> [Advisory] {
        let data = try PolicyFixtures.advisoryData("csaf/\(file)")
        return try CSAFReader().read(data, source: file).advisories
    }

    static func knownExploited() throws -> [KnownExploitedVulnerability] {
        let data = try PolicyFixtures.advisoryData("kev/known_exploited_vulnerabilities.json")
        return try KEVReader().read(data, source: "kev").entries
    }
}
