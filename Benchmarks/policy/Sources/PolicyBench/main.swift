// SLA state for N findings (default 10,000,000) under the PCI DSS v4.0 profile with a tier
// override, KEV due dates and exceptions pausing 1% of the findings; evaluation instant fixed.
// Findings are generated deterministically into compact columns first (not timed), then each is
// expanded into an SLAItem and evaluated (timed). Prints a table; exits 1 if a spot check of the
// states disagrees with a direct computation.
import Foundation
import PatchPolicy
import SecurityAdvisories

let count = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1])! : 10_000_000
let day: TimeInterval = 86_400
let epoch = Date(timeIntervalSince1970: 1_767_225_600)  // 2026-01-01T00:00:00Z
let now = epoch.addingTimeInterval(200 * day)
let severities: [Severity] = [.critical, .high, .medium, .low, .unknown]
let tiers: [String?] = ["production-databases", "production-services", "staging", "development-workstations", nil]

/// The generated findings, column by column (about 20 bytes per finding).
struct FindingColumns {
    var severity: [UInt8] = []
    var tier: [UInt8] = []
    var published: [Int32] = []
    var detected: [Int32] = []
    var fixed: [Int32] = []
    var kev: [Int32] = []
    var paused: [Bool] = []

    /// Deterministic (SplitMix64) findings.
    init(count: Int) {
        var state: UInt64 = 0x5EED
        func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        severity.reserveCapacity(count)
        tier.reserveCapacity(count)
        published.reserveCapacity(count)
        detected.reserveCapacity(count)
        fixed.reserveCapacity(count)
        kev.reserveCapacity(count)
        paused.reserveCapacity(count)
        for _ in 0..<count {
            let random = next()
            severity.append(UInt8(random % 5))
            tier.append(UInt8((random >> 8) % 5))
            let day = Int32((random >> 16) % 180)
            published.append(day)
            let seen = day + Int32((random >> 24) % 20)
            detected.append(seen)
            fixed.append((random >> 32) % 3 == 0 ? seen + Int32((random >> 36) % 60) : -1)
            kev.append((random >> 44) % 50 == 0 ? day + 21 : -1)
            paused.append((random >> 52) % 100 == 0)
        }
    }

    func item(_ index: Int) -> SLAItem {
        func date(_ days: Int32) -> Date { epoch.addingTimeInterval(TimeInterval(days) * day) }
        return SLAItem(
            severity: severities[Int(severity[index])],
            tier: tiers[Int(tier[index])],
            published: date(published[index]),
            firstDetected: date(detected[index]),
            knownExploited: kev[index] >= 0,
            kevDueDate: kev[index] >= 0 ? date(kev[index]) : nil,
            fixedAt: fixed[index] >= 0 ? date(fixed[index]) : nil
        )
    }

    func pauses(_ index: Int) -> [DateInterval] {
        guard paused[index] else { return [] }
        let start = epoch.addingTimeInterval(TimeInterval(detected[index] + 2) * day)
        return [DateInterval(start: start, duration: 10 * day)]
    }
}

let findings = FindingColumns(count: count)
var profile = SLAProfile.pciDSS4
profile.tierDeadlines = ["production-databases": [.critical: 7, .high: 14]]
profile.useKEVDueDate = true
let clock = SLAClock(profile: profile)

var tally: [SLAState: Int] = [:]
var met = 0
var missed = 0
let clockStart = ContinuousClock.now
var counts = [Int](repeating: 0, count: SLAState.allCases.count)
for index in 0..<count {
    let status = clock.evaluate(findings.item(index), pauses: findings.pauses(index), now: now)
    counts[SLAState.allCases.firstIndex(of: status.state)!] += 1
    if let wasMet = status.met {
        if wasMet { met += 1 } else { missed += 1 }
    }
}
let elapsed = ContinuousClock.now - clockStart
for (offset, state) in SLAState.allCases.enumerated() { tally[state] = counts[offset] }

// Spot check: recompute 1,000 findings without pauses by hand.
var mismatches = 0
for index in stride(from: 0, to: count, by: max(1, count / 1_000)) where !findings.paused[index] {
    let finding = findings.item(index)
    let days = profile.deadlineDays(severity: finding.severity, tier: finding.tier)!
    var due = finding.published!.addingTimeInterval(TimeInterval(days) * day)
    if let kev = finding.kevDueDate { due = min(due, kev) }
    if clock.evaluate(finding, now: now).dueDate != due { mismatches += 1 }
}

let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
print("| Findings | \(count.formatted()) |")
print("| SLA evaluation (single thread) | \(String(format: "%.2f", seconds)) s |")
print("| Findings per second | \(Int(Double(count) / seconds).formatted()) |")
for state in SLAState.allCases { print("| \(state.rawValue) | \(tally[state, default: 0].formatted()) |") }
print("| fixed, SLA met / missed | \(met.formatted()) / \(missed.formatted()) |")
print("| spot-check mismatches | \(mismatches) |")
exit(mismatches == 0 ? 0 : 1)
