import Dispatch
import FleetModel
import Foundation
import SecurityAdvisories

// Fleet correlation benchmark. Usage: CorrelationBench REPO_ROOT [HOSTS] [ADVISORIES]
// Prints a table; exits 1 when the fleet engine disagrees with per-host correlation on a sample.

let arguments = CommandLine.arguments
let root = URL(fileURLWithPath: arguments.count > 1 ? arguments[1] : FileManager.default.currentDirectoryPath)
let hostCount = arguments.count > 2 ? Int(arguments[2])! : 100_000
let advisoryTarget = arguments.count > 3 ? Int(arguments[3])! : 50_000
let data = root.appendingPathComponent("Benchmarks/correlation/data")
let fixtures = root.appendingPathComponent("Tests/SecurityAdvisoriesTests/Fixtures")

func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }
func ms(_ ns: UInt64) -> Double { Double(ns) / 1e6 }
func statusKB(_ field: String) -> Int {
    let text = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
    for line in text.split(separator: "\n") where line.hasPrefix(field + ":") {
        return Int(line.split(separator: " ", omittingEmptySubsequences: true)[1]) ?? 0
    }
    return 0
}
func median(_ values: [UInt64]) -> Double { ms(values.sorted()[values.count / 2]) }
func percentile(_ values: [UInt64], _ p: Double) -> Double {
    ms(values.sorted()[min(values.count - 1, Int(Double(values.count) * p))])
}
func log(_ text: String) { FileHandle.standardError.write((text + "\n").data(using: .utf8)!) }

var failures: [String] = []
func canonical(_ findings: [Finding]) -> [Finding] {
    findings.sorted {
        ($0.key, $0.fixedVersion ?? "", $0.status.rawValue, $0.installedVersion)
            < ($1.key, $1.fixedVersion ?? "", $1.status.rawValue, $1.installedVersion)
    }
}
/// The naive check: per-host correlation through FindingBuilder over the host's packages.
@MainActor func check(_ engine: FleetCorrelator, host: Int32, release: EcosystemRelease, _ label: String) -> Int {
    let builder = FindingBuilder(correlator: engine.correlator)
    let expected = canonical(builder.findings(packages: engine.packages(ofHost: host), release: release))
    let actual = canonical(engine.findings(ofHost: host, builder: builder))
    if expected != actual {
        failures.append("\(label): host \(host) fleet \(actual.count) findings, per-host \(expected.count)")
    }
    return expected.count
}

// MARK: Inputs

var random = Random(state: 20_261_127)
let debian = try Inputs.debian12(data)
let ubuntu = try Inputs.ubuntu2204(root, debian: debian)
let rhel = try Inputs.rhel9(data)
let pools = [
    Inputs.pool(EcosystemRelease(.debian, "12"), debian, variants: 4, random: &random),
    Inputs.pool(EcosystemRelease(.ubuntu, "22.04"), ubuntu, variants: 4, random: &random),
    Inputs.pool(EcosystemRelease(.redHat, "9"), rhel, variants: 4, random: &random),
]
let real = try Inputs.realAdvisories(fixtures)
var synthesizer = AdvisorySynthesizer(templates: real, pools: pools, random: Random(state: 42))
var advisories = real
advisories.reserveCapacity(max(advisoryTarget, real.count))
while advisories.count < advisoryTarget { advisories.append(synthesizer.make(id: "SYN-\(advisories.count)")) }
log(
    "inputs: \(debian.count) Debian 12, \(ubuntu.count) Ubuntu 22.04, \(rhel.count) RHEL 9 packages; "
        + "\(real.count) real + \(advisories.count - real.count) synthesised advisories"
)

var t0 = now()
let index = AdvisoryIndex(advisories: advisories)
let indexTime = now() - t0
let affectedEntries = advisories.reduce(0) { $0 + $1.affected.count }

// MARK: Fleet

t0 = now()
var engine = FleetCorrelator(index: index)
var variantIDs: [[[Int32]]] = pools.map { pool in
    pool.slots.map { slot in slot.map { _ in Int32(-1) } }
}
for (p, pool) in pools.enumerated() {
    for (s, slot) in pool.slots.enumerated() {
        for (v, package) in slot.enumerated() { variantIDs[p][s][v] = engine.intern(package, release: pool.release) }
    }
}
var hostPool: [Int] = []
hostPool.reserveCapacity(hostCount)
engine.reserveCapacity(hosts: hostCount, distinctPackages: 0)
for h in 0..<hostCount {
    let p = h % 10 < 4 ? 0 : h % 10 < 7 ? 1 : 2
    let pool = pools[p]
    let lagRoll = random.below(100)
    let lag = lagRoll < 50 ? 0 : lagRoll < 75 ? 1 : lagRoll < 90 ? 2 : 3
    let size = 500 + random.below(max(1, pool.slots.count - 500))
    let keepPerMille = size * 1000 / pool.slots.count
    var ids: [Int32] = []
    ids.reserveCapacity(size + 16)
    for s in pool.slots.indices where random.below(1000) < keepPerMille {
        let jitterRoll = random.below(100)
        let jitter = jitterRoll < 5 ? 1 : jitterRoll < 8 ? -1 : 0
        let variants = variantIDs[p][s]
        ids.append(variants[max(0, min(variants.count - 1, lag + jitter))])
    }
    hostPool.append(p)
    _ = engine.addHost(packageIDs: ids)
}
let generateTime = now() - t0
let rssBefore = statusKB("VmRSS")

// MARK: Full correlation

t0 = now()
let summary = engine.correlateAll()
let fullTime = now() - t0
let hwmAfterFull = statusKB("VmHWM")
log("full: \(String(format: "%.0f", ms(fullTime))) ms, \(summary)")
t0 = now()

var checked = 0
var checkedFindings = 0
for h in stride(from: 0, to: hostCount, by: max(1, hostCount / 200)) {
    checkedFindings += check(engine, host: Int32(h), release: pools[hostPool[h]].release, "full")
    checked += 1
}

log("naive check of \(checked) hosts: \(String(format: "%.0f", ms(now() - t0))) ms")

// MARK: Single-host re-correlation

var updateTimes: [UInt64] = []
var newVersions = 0
for i in 0..<1000 {
    let host = Int32((i * (hostCount / 1000) + 7) % hostCount)
    let pool = pools[hostPool[Int(host)]]
    var packages = engine.packages(ofHost: host)
    // An unattended-upgrade run: ~10 packages move to their newest version, two to versions the
    // fleet has never seen, one package removed and one installed.
    for _ in 0..<10 where !packages.isEmpty {
        let k = random.below(packages.count)
        if let slot = pool.slots.first(where: {
            $0[0].name == packages[k].name && $0[0].architecture == packages[k].architecture
        }) {
            packages[k] = slot[0]
        }
    }
    for _ in 0..<2 where !packages.isEmpty {
        let k = random.below(packages.count)
        let rpm = packages[k].manager == .rpm
        if let version = Versions.shifted(packages[k].version, by: 1 + random.below(3), rpm: rpm),
            let source = Versions.shifted(packages[k].sourceVersion, by: 1, rpm: rpm)
        {
            packages[k].version = version
            packages[k].sourceVersion = source
            newVersions += 1
        }
    }
    if !packages.isEmpty { packages.remove(at: random.below(packages.count)) }
    let added = pool.slots[random.below(pool.slots.count)]
    packages.append(added[min(added.count - 1, random.below(2))])
    t0 = now()
    let matches = engine.updateHost(host, release: pool.release, packages: packages)
    updateTimes.append(now() - t0)
    if matches != engine.matches(ofHost: host) { failures.append("update: host \(host) returned stale matches") }
    if i % 20 == 0 {
        checkedFindings += check(engine, host: host, release: pool.release, "update")
        checked += 1
    }
}

// MARK: New advisories

var applyTimes: [UInt64] = []
var impactedHosts: [Int] = []
var newSynth = AdvisorySynthesizer(templates: real, pools: pools, random: Random(state: 7), fleetShare: 100)
for i in 0..<100 {
    let advisory = newSynth.make(id: "NEW-\(i)", power: 3)
    t0 = now()
    let impact = engine.apply(newAdvisory: advisory)
    applyTimes.append(now() - t0)
    impactedHosts.append(impact.hosts.count)
    if i % 10 == 0 {
        for host in impact.hosts.prefix(5) + impact.hosts.suffix(5) {
            checkedFindings += check(engine, host: host, release: pools[hostPool[Int(host)]].release, "advisory")
            checked += 1
        }
    }
}
let hwm = statusKB("VmHWM")

// MARK: Report

func row(_ name: String, _ value: String, _ goal: String, _ ratio: Double) {
    let pad = { (s: String, n: Int) in s.padding(toLength: max(n, s.count), withPad: " ", startingAt: 0) }
    print("| \(pad(name, 44)) | \(pad(value, 14)) | \(pad(goal, 9)) | \(String(format: "%.2f", ratio))× |")
}
print(
    "Fleet: \(hostCount) hosts (\(summary.hostPackages) host packages, \(summary.distinctPackages) distinct), "
        + "\(advisories.count) advisories (\(real.count) real), \(affectedEntries) affected entries; "
        + "\(summary.matches) findings on \(summary.affectedHosts) hosts (\(summary.fixableMatches) fixable)"
)
print(
    "Advisory index build: \(String(format: "%.0f", ms(indexTime))) ms; fleet generation (not timed against a goal): "
        + "\(String(format: "%.0f", ms(generateTime))) ms; RSS before correlation \(rssBefore / 1024) MiB"
)
print("| Measure | Result | Goal | Result / goal |")
print("|---|---|---|---|")
row("Full correlation (correlateAll), wall", String(format: "%.0f ms", ms(fullTime)), "5000 ms", ms(fullTime) / 5000)
row(
    "Full correlation incl. index build, wall",
    String(format: "%.0f ms", ms(fullTime + indexTime)),
    "5000 ms",
    ms(fullTime + indexTime) / 5000
)
row(
    "Peak RSS after full correlation (VmHWM)",
    "\(hwmAfterFull / 1024) MiB",
    "2048 MiB",
    Double(hwmAfterFull) / 1024 / 2048
)
row("Peak RSS, whole run (VmHWM)", "\(hwm / 1024) MiB", "2048 MiB", Double(hwm) / 1024 / 2048)
row(
    "Re-correlate one host, median of 1000",
    String(format: "%.3f ms", median(updateTimes)),
    "1 ms",
    median(updateTimes)
)
row(
    "Re-correlate one host, p99",
    String(format: "%.3f ms", percentile(updateTimes, 0.99)),
    "1 ms",
    percentile(updateTimes, 0.99)
)
row(
    "Apply a new advisory, median of 100",
    String(format: "%.3f ms", median(applyTimes)),
    "50 ms",
    median(applyTimes) / 50
)
row(
    "Apply a new advisory, max of 100",
    String(format: "%.3f ms", ms(applyTimes.max()!)),
    "50 ms",
    ms(applyTimes.max()!) / 50
)
let sortedImpact = impactedHosts.sorted()
print(
    "New advisories: hosts changed median \(sortedImpact[50]), max \(sortedImpact[99]); "
        + "re-correlation: \(newVersions) never-seen versions correlated on the fly"
)
print(
    "Naive check: \(checked) hosts, \(checkedFindings) findings compared with per-host FindingBuilder: "
        + (failures.isEmpty ? "identical" : "\(failures.count) MISMATCHES")
)
if !failures.isEmpty {
    for failure in failures.prefix(20) { print("MISMATCH \(failure)") }
    exit(1)
}
