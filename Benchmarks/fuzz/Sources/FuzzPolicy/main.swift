// YAML policy documents (tiers, environments, groups, services, SLA profiles, baselines,
// exceptions, holds) → PolicyDocument, then evaluated the way the server does for every host and
// finding: placement, baseline decisions, SLA clocks with exception pauses, holds, service order.
// One input may hold several files, separated by a line `#--- next file`.
import FleetModel
import Foundation
import FuzzSupport
import PatchPolicy
import SecurityAdvisories

let now = Date(timeIntervalSince1970: 1_773_000_000)  // 2026-03-08

let hosts: [HostDescription] = [
    host("db-1", id: "debian", version: "12", labels: ["role": "db", "pci": "true"], packages: ["postgresql-15"]),
    host("web-1", id: "debian", version: "12", tags: ["internet-facing"], packages: ["nginx", "openssl"]),
    host("laptop-1", id: "ubuntu", version: "24.04", tags: ["laptop"], packages: ["firefox"]),
    host("rhel-1", id: "rhel", version: "9.4", labels: ["role": "app"], packages: ["tzdata", "kernel"]),
    host("alpine-1", id: "alpine", version: "3.19.1", packages: ["musl"]),
]

func host(
    _ name: String,
    id: String,
    version: String,
    labels: [String: String] = [:],
    tags: Set<String> = [],
    packages: Set<String>
) -> HostDescription {
    let os = OSRelease(id: id, versionID: version, versionCodename: "", prettyName: id, idLike: [])
    let facts = HostFacts(
        hostname: name,
        machineID: name,
        bootID: "0",
        os: os,
        architecture: "x86_64",
        kernelRunning: "6.1"
    )
    return HostDescription(id: name, facts: facts, labels: labels, tags: tags, packages: packages)
}

// Also exported under libFuzzer's conventional name, which its (unused) main refers to.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzPolicy(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = FuzzInput(data, size)
    let parts = input.text.components(separatedBy: "\n#--- next file\n")
    let files = parts.enumerated().map { (name: "policy/\($0.offset).yaml", text: $0.element) }
    let result = PolicyDocument.validate(files: files)
    invariant((result.document == nil) != result.errors.isEmpty, "a document and errors, or neither")
    guard let document = result.document else { return 0 }
    invariant(PolicyDiff(from: document, to: document).isEmpty, "a policy differs from itself")
    _ = PolicyDiff(from: PolicyDocument(), to: document).description
    let order = document.services.dependencyOrder()
    invariant(Set(order) == Set(document.services.services.keys), "dependency order loses services")
    for name in order.prefix(8) { _ = document.services.transitiveDependencies(of: name) }
    let severities = Severity.allCases
    for host in hosts {
        let placement = document.placement(of: host)
        let baseline = document.baseline(for: host)
        let release = EcosystemRelease(osRelease: host.facts.os)!
        for (index, package) in host.packages.sorted().enumerated() {
            let severity = severities[index % severities.count]
            for classification in UpdateClassification.allCases {
                let update = CandidateUpdate(
                    package: package,
                    version: "1.0-1",
                    release: release,
                    advisory: "DSA-0000-1",
                    cves: ["CVE-2026-0001"],
                    classification: classification,
                    severity: severity,
                    knownExploited: index % 2 == 0,
                    released: now.addingTimeInterval(-86_400 * 10)
                )
                if let decision = baseline?.decide(update, now: now) {
                    _ = decision.description
                }
            }
            let item = SLAItem(
                severity: severity,
                tier: placement.tier?.name,
                published: now.addingTimeInterval(-86_400 * 30),
                firstDetected: now.addingTimeInterval(-86_400 * 20),
                knownExploited: index % 2 == 0,
                kevDueDate: now.addingTimeInterval(86_400 * 5)
            )
            for profile in document.slaProfiles {
                let status = SLAClock(profile: profile).evaluate(
                    item,
                    hostID: host.id,
                    groups: placement.groups,
                    packages: [package],
                    advisories: ["DSA-0000-1", "CVE-2026-0001"],
                    register: document.register,
                    now: now
                )
                invariant(
                    status.pausedSeconds > -1 && status.pausedSeconds.isFinite,
                    "paused \(status.pausedSeconds) s"
                )
            }
            _ = document.register.isHeld(
                PolicyScope(hosts: .host(host.id), subject: .package(package)),
                at: now
            )
        }
    }
    _ = document.register.active(at: now)
    return 0
}

runFuzzer(fuzzPolicy)
