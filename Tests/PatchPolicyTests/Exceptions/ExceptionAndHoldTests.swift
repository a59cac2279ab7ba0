import Foundation
import PatchPolicy
import Testing

@Suite struct ExceptionAndHoldTests {
    private func date(_ text: String) -> Date { TestData.date(text) }

    @Test func exceptionsLapseByThemselves() throws {
        let policy = try PolicyDocument.load(files: PolicyFixtures.directory("valid"))
        let exception = try #require(policy.register.exceptions.first)
        #expect(exception.scope == PolicyScope(hosts: .group("pci-databases"), subject: .package("postgresql-15")))
        #expect(exception.owner == "alice" && exception.approver == "bob")
        #expect(exception.compensatingControl == "database reachable only from the app subnet")
        #expect(!exception.isActive(at: date("2026-02-28T23:59:59Z")))
        #expect(exception.isActive(at: date("2026-03-01")))
        #expect(exception.isActive(at: date("2026-03-30T23:59:59Z")))
        #expect(!exception.isActive(at: date("2026-03-31")))
        #expect(policy.register.active(at: date("2026-03-15")).map(\.id) == ["EXC-2026-001"])
        #expect(policy.register.active(at: date("2026-04-01")).isEmpty)
    }

    @Test func scopesCoverHostsGroupsPackagesAndAdvisories() {
        let advisory = PolicyScope(hosts: .host("web1"), subject: .advisory("CVE-2024-6387"))
        #expect(
            advisory.covers(
                hostID: "web1",
                groups: [],
                packages: ["openssh"],
                advisories: ["USN-6859-1", "CVE-2024-6387"]
            )
        )
        #expect(!advisory.covers(hostID: "web2", groups: [], packages: ["openssh"], advisories: ["CVE-2024-6387"]))
        let everything = PolicyScope()
        #expect(everything.covers(hostID: "any", groups: [], packages: [], advisories: []))
        #expect(advisory.description == "host web1 × advisory CVE-2024-6387")
    }

    @Test func holdsBlockChangesToTheirScopeForTheirPeriod() throws {
        let policy = try PolicyDocument.load(files: PolicyFixtures.directory("valid"))
        let register = policy.register
        let databases = PolicyScope(hosts: .group("pci-databases"))
        let openssl = PolicyScope(hosts: .group("pci-databases"), subject: .package("openssl"))
        #expect(!register.isHeld(databases, at: date("2026-03-10T07:59:59Z")))
        #expect(register.isHeld(databases, at: date("2026-03-10T08:00:00Z")))
        #expect(register.isHeld(openssl, at: date("2026-03-12")))
        #expect(!register.isHeld(PolicyScope(hosts: .group("laptops")), at: date("2026-03-12")))
        #expect(!register.isHeld(databases, at: date("2026-03-14T18:00:00Z")))
        let held = register.holds(
            hostID: "db1",
            groups: ["pci-databases"],
            packages: ["openssl"],
            at: date("2026-03-11")
        )
        #expect(held.map(\.name) == ["q1-audit"])
        #expect(
            register.holds(hostID: "web1", groups: ["debian-web"], packages: ["openssl"], at: date("2026-03-11"))
                .isEmpty
        )
    }

    @Test func holdOnOnePackageLeavesOthersFree() {
        let hold = ComplianceHold(
            name: "forensics",
            scope: PolicyScope(hosts: .host("web1"), subject: .package("nginx")),
            reason: "incident 4711 evidence",
            starts: date("2026-05-01"),
            ends: date("2026-05-08")
        )
        #expect(hold.isHeld(PolicyScope(hosts: .host("web1"), subject: .package("nginx")), at: date("2026-05-02")))
        #expect(!hold.isHeld(PolicyScope(hosts: .host("web1"), subject: .package("openssl")), at: date("2026-05-02")))
        #expect(!hold.isHeld(PolicyScope(hosts: .host("web2")), at: date("2026-05-02")))
        #expect(hold.isHeld(PolicyScope(), at: date("2026-05-02")))
    }
}
