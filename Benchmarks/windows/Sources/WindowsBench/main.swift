// Next maintenance-window fit for N hosts (default 100,000) across 50 windows and 5 freezes in 20
// zones. The windows and freezes are written as one .ics document and parsed by the real parser
// (MaintenanceCalendar.parse); each host has one window and one IANA zone (floating and DATE values
// are read in the host's zone). For every host: the first occurrence of its window, after a fixed
// instant, that overlaps no freeze and fits a 90-minute change before the window's cutoff
// (MaintenanceSchedule.nextFit). Hosts sharing (window, zone) share the answer, so the timed run
// groups hosts by (window, zone name), computes each distinct pair once and fans the answers out.
// Also timed for context: the naive per-host computation on 1,000 hosts. Checks: the fan-out
// equals the per-host computation on those 1,000 hosts, and a brute-force evaluation (plain
// EventOccurrences walks from DTSTART, no MaintenanceSchedule) on 300 hosts; exits 1 on a mismatch.
import Dispatch
import Foundation
import PatchPolicy

let hostCount = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 100_000 : 100_000
let repetitions = CommandLine.arguments.count > 2 ? Int(CommandLine.arguments[2])! : 7
let after = Date(timeIntervalSince1970: 1_796_742_000)  // 2026-12-08T15:00:00Z, a Tuesday (Patch Tuesday)
let job: TimeInterval = 90 * 60

let zoneNames = [
    "America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles", "America/Halifax",
    "America/Sao_Paulo", "America/Santiago", "Europe/London", "Europe/Berlin", "Europe/Helsinki",
    "Europe/Moscow", "Africa/Johannesburg", "Asia/Dubai", "Asia/Kolkata", "Asia/Kathmandu",
    "Asia/Shanghai", "Asia/Tokyo", "Australia/Sydney", "Australia/Adelaide", "Pacific/Auckland",
]

// MARK: - The calendar (.ics text)

func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
func stamp(_ t: LocalDateTime) -> String { t.icalendarString() }
let weekdayCodes = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]

/// The first day ≥ `from` (a day number) with the given weekday (Monday = 0).
func firstWeekday(_ weekday: Int, onOrAfter from: Int) -> Int {
    from + ((weekday - LocalDateTime.weekday(ofDay: from)) % 7 + 7) % 7
}

/// 50 windows and 5 freezes. Anchors rotate: TZID (an IANA zone), floating (host zone) twice, UTC.
func calendarText() -> String {
    var lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//PatchPilot//windows-bench//EN"]
    let afterDay = LocalDateTime(year: 2026, month: 12, day: 8).dayNumber
    for i in 0..<50 {
        let anchorKind = i % 4  // 0 TZID, 1 and 2 floating, 3 UTC
        let tzid = zoneNames[(i * 7 + 3) % zoneNames.count]
        func prop(_ name: String, _ t: LocalDateTime) -> String {
            switch anchorKind {
            case 0: return "\(name);TZID=\(tzid):\(stamp(t))"
            case 3: return "\(name):\(stamp(t))Z"
            default: return "\(name):\(stamp(t))"
            }
        }
        var event = ["BEGIN:VEVENT", "UID:window-\(i)@bench.patchpilot"]
        let startMonth = 1 + i % 12
        switch i % 5 {
        case 0:  // weekly, one or two nights
            let days = i % 10 == 0 ? [5] : [2, 5]  // SA, or WE+SA
            let hour = [22, 23, 21, 20][i / 10 % 4]
            let start = LocalDateTime(year: 2025, month: startMonth, day: 1, hour: hour)
            event += [
                "SUMMARY:Weekly \(days.map { weekdayCodes[$0] }.joined(separator: "+")) \(two(hour)):00 #\(i)",
                prop("DTSTART", start), "DURATION:PT4H",
                "RRULE:FREQ=WEEKLY;BYDAY=\(days.map { weekdayCodes[$0] }.joined(separator: ","))",
                "X-PATCHPILOT-CUTOFF:30",
            ]
            // Skip the next occurrence after the benchmark instant, and one in the past.
            let next = firstWeekday(days.last!, onOrAfter: afterDay + 1)
            let skipped = LocalDateTime(dayNumber: next, secondOfDay: hour * 3600)
            let past = LocalDateTime(dayNumber: firstWeekday(days.last!, onOrAfter: afterDay - 60), secondOfDay: hour * 3600)
            event.append(prop("EXDATE", skipped))
            event.append(prop("EXDATE", past))
        case 1:  // monthly, Patch Tuesday + N days
            let offset = i / 5 % 7
            let hour = [22, 20, 1][i % 3]
            let start = LocalDateTime(year: 2025, month: startMonth, day: 1, hour: hour)
            event += [
                "SUMMARY:Patch Tuesday + \(offset) #\(i)", prop("DTSTART", start), "DURATION:PT4H",
                "RRULE:FREQ=MONTHLY;BYDAY=2TU", "X-PATCHPILOT-OFFSET-DAYS:\(offset)", "X-PATCHPILOT-CUTOFF:45",
            ]
            if i % 3 == 0 {  // December 2026's Patch Tuesday (before the offset) is skipped
                event.append(prop("EXDATE", LocalDateTime(year: 2026, month: 12, day: 8, hour: hour)))
            }
        case 2:  // last Sunday of the month, across the DST nights of March/October
            let hour = [1, 2, 0][i % 3]
            let start = LocalDateTime(year: 2025, month: startMonth, day: 1, hour: hour, minute: 30)
            event += [
                "SUMMARY:Last Sunday \(two(hour)):30 #\(i)", prop("DTSTART", start), "DTEND" + prop("", start.adding(seconds: 4 * 3600)),
                "RRULE:FREQ=MONTHLY;BYDAY=-1SU", "X-PATCHPILOT-CUTOFF:60",
                "EXDATE;VALUE=DATE:20270131",
            ]
        case 3:  // daily, two slots a day (BYHOUR), 2 h each: a 90-minute job fits unless DST shortens it
            let hours = [[1, 13], [2, 14], [3, 23], [0, 12]][i / 5 % 4]
            let start = LocalDateTime(year: 2025, month: startMonth, day: 1, hour: hours[0])
            event += [
                "SUMMARY:Daily \(hours.map { two($0) }.joined(separator: "/")) #\(i)", prop("DTSTART", start), "DURATION:PT2H",
                "RRULE:FREQ=DAILY;BYHOUR=\(hours.map(String.init).joined(separator: ","));BYMINUTE=0",
                "X-PATCHPILOT-CUTOFF:15",
                // The next two days are excluded, plus one slot on the third.
                "EXDATE;VALUE=DATE:\(LocalDateTime(dayNumber: afterDay + 1).icalendarString(dateOnly: true)),\(LocalDateTime(dayNumber: afterDay + 2).icalendarString(dateOnly: true))",
                prop("EXDATE", LocalDateTime(dayNumber: afterDay + 3, secondOfDay: hours[0] * 3600)),
            ]
        default:  // every other Sunday, or the last weekday of the month
            let start = LocalDateTime(year: 2025, month: startMonth, day: 1, hour: 4)
            if i % 10 == 4 {
                event += [
                    "SUMMARY:Fortnightly Sunday #\(i)", prop("DTSTART", start), "DURATION:PT6H",
                    "RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=SU", "X-PATCHPILOT-CUTOFF:60",
                ]
            } else {
                event += [
                    "SUMMARY:Last weekday of the month #\(i)", prop("DTSTART", start), "DURATION:PT3H",
                    "RRULE:FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1", "X-PATCHPILOT-CUTOFF:30",
                    "EXDATE;VALUE=DATE:20261231",
                ]
            }
        }
        event.append("END:VEVENT")
        lines += event
    }
    // Freezes.
    lines += [
        "BEGIN:VEVENT", "UID:freeze-year-end@bench.patchpilot", "SUMMARY:Year-end freeze", "CATEGORIES:FREEZE",
        "DTSTART;VALUE=DATE:20261218", "DTEND;VALUE=DATE:20270104", "END:VEVENT",
        "BEGIN:VEVENT", "UID:freeze-payments@bench.patchpilot", "SUMMARY:Payments release freeze",
        "X-PATCHPILOT-KIND:freeze", "DTSTART:20261210T000000Z", "DTEND:20261212T000000Z", "END:VEVENT",
        "BEGIN:VEVENT", "UID:freeze-month-end@bench.patchpilot", "SUMMARY:Month-end close",
        "CATEGORIES:FINANCE,FREEZE", "DTSTART:20250131T180000", "DURATION:P1DT12H",
        "RRULE:FREQ=MONTHLY;BYMONTHDAY=-1", "END:VEVENT",
        "BEGIN:VEVENT", "UID:freeze-monday@bench.patchpilot", "SUMMARY:Monday trading hours",
        "CATEGORIES:FREEZE", "DTSTART;TZID=Europe/Berlin:20250106T060000", "DURATION:PT10H",
        "RRULE:FREQ=WEEKLY;BYDAY=MO", "END:VEVENT",
        "BEGIN:VEVENT", "UID:freeze-earnings@bench.patchpilot", "SUMMARY:Quarterly earnings",
        "CATEGORIES:FREEZE", "DTSTART;VALUE=DATE:20250120", "DURATION:P3D",
        "RRULE:FREQ=YEARLY;BYMONTH=1,4,7,10;BYMONTHDAY=20", "END:VEVENT",
    ]
    lines.append("END:VCALENDAR")
    return lines.joined(separator: "\r\n") + "\r\n"
}

// MARK: - Helpers

func nowNanos() -> UInt64 { DispatchTime.now().uptimeNanoseconds }
func ms(_ ns: UInt64) -> Double { Double(ns) / 1e6 }
func fmt(_ v: Double, _ digits: Int = 1) -> String { String(format: "%.\(digits)f", v) }
func median(_ xs: [Double]) -> Double { xs.sorted()[xs.count / 2] }
func percentile(_ xs: [Double], _ p: Double) -> Double {
    let s = xs.sorted()
    return s[min(s.count - 1, Int(Double(s.count) * p))]
}

struct SplitMix {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A host as the server knows it: its assigned window and its IANA zone name.
struct Host {
    var window: Int32
    var zone: String
}

struct PairKey: Hashable {
    var window: Int32
    var zone: String
}

// MARK: - Inputs (not timed in the total)

let text = calendarText()
if CommandLine.arguments.contains("--ics") {
    print(text, terminator: "")
    exit(0)
}
let parseStart = nowNanos()
let calendar: MaintenanceCalendar
do { calendar = try MaintenanceCalendar.parse(text, source: "bench.ics") } catch {
    print("parse error: \(error)")
    exit(2)
}
let parseNanos = nowNanos() - parseStart
let allWindows = calendar.events.map(MaintenanceWindow.init(event:))
let windows = allWindows.filter { !$0.isFreeze }
let freezes = allWindows.filter(\.isFreeze)
guard windows.count == 50, freezes.count == 5 else {
    print("expected 50 windows and 5 freezes, got \(windows.count) and \(freezes.count)")
    exit(2)
}

// Hosts: windows skewed (a few big fleets' windows carry most hosts), zones uniform.
let hosts: [Host] = {
    var rng = SplitMix(state: 0x5EED_2026)
    var hosts: [Host] = []
    hosts.reserveCapacity(hostCount)
    for _ in 0..<hostCount {
        let r = Double(rng.next() % 1_000_000) / 1_000_000
        let window = Int32(min(49, Int(50 * r * r)))  // quadratic skew toward low indices
        let zone = zoneNames[Int(rng.next() % UInt64(zoneNames.count))]
        hosts.append(Host(window: window, zone: zone))
    }
    return hosts
}()

// MARK: - The timed computation: group by (window, zone), one search per pair, fan out

/// A host's answer: the window occurrence and the change's start and end (nil: no fit).
struct Answer: Equatable, Sendable {
    var window: Int32
    var start: Date
    var end: Date
    var changeStart: Date
    var changeEnd: Date

    init(window: Int32, start: Date, end: Date, changeStart: Date, changeEnd: Date) {
        (self.window, self.start, self.end, self.changeStart, self.changeEnd) = (window, start, end, changeStart, changeEnd)
    }

    init(window: Int32, _ fit: WindowFit) {
        self.init(window: window, start: fit.slot.start, end: fit.slot.end, changeStart: fit.changeStart, changeEnd: fit.changeEnd)
    }
}

func schedule(_ window: Int, _ zone: TimeZone) -> MaintenanceSchedule {
    MaintenanceSchedule(windows: [windows[window]], freezes: freezes, hostTimeZone: zone)
}

struct RunResult {
    var answers: [Answer?]
    var pairs: Int
    var groupNanos: UInt64
    var computeNanos: UInt64
    var fanOutNanos: UInt64
    var fallbacks = 0
    var total: UInt64 { groupNanos + computeNanos + fanOutNanos }
}

/// Hosts grouped by (window, zone name): the distinct pairs, their TimeZone, and each host's pair.
struct Grouping {
    var pairs: [PairKey] = []
    var pairZones: [TimeZone] = []
    var zoneIndex: [Int] = []  // pair → index into zones
    var zones: [TimeZone] = []
    var hostPair: [Int32] = []

    init(_ hosts: [Host]) {
        var pairIDs: [PairKey: Int32] = [:]
        hostPair = [Int32](repeating: 0, count: hosts.count)
        for (h, host) in hosts.enumerated() {
            let key = PairKey(window: host.window, zone: host.zone)
            if let id = pairIDs[key] {
                hostPair[h] = id
            } else {
                let id = Int32(pairs.count)
                pairIDs[key] = id
                pairs.append(key)
                hostPair[h] = id
            }
        }
        var zoneIDs: [String: Int] = [:]
        for key in pairs {
            if let z = zoneIDs[key.zone] {
                zoneIndex.append(z)
            } else {
                zoneIDs[key.zone] = zones.count
                zoneIndex.append(zones.count)
                zones.append(TimeZone(identifier: key.zone)!)
            }
            pairZones.append(zones[zoneIndex.last!])
        }
    }
}

/// Runs `body(i)` for i in 0..<count on `threads` threads (strided).
func parallel(_ count: Int, threads: Int, _ body: @Sendable (Int) -> Void) {
    if threads == 1 {
        for i in 0..<count { body(i) }
        return
    }
    DispatchQueue.concurrentPerform(iterations: threads) { worker in
        var i = worker
        while i < count {
            body(i)
            i += threads
        }
    }
}

/// A: MaintenanceSchedule.nextFit once per distinct (window, zone) pair.
func run(threads: Int) -> RunResult {
    let t0 = nowNanos()
    let grouping = Grouping(hosts)
    let t1 = nowNanos()
    let pairCount = grouping.pairs.count
    let results = UnsafeMutableBufferPointer<Answer?>.allocate(capacity: pairCount)
    results.initialize(repeating: nil)
    nonisolated(unsafe) let out = results
    let (ws, fs, at, duration) = (windows, freezes, after, job)
    parallel(pairCount, threads: threads) { p in
        let window = Int(grouping.pairs[p].window)
        let schedule = MaintenanceSchedule(windows: [ws[window]], freezes: fs, hostTimeZone: grouping.pairZones[p])
        out[p] = try! schedule.nextFit(after: at, duration: duration).map { Answer(window: Int32(window), $0) }
    }
    let t2 = nowNanos()
    let answers = grouping.hostPair.map { results[Int($0)] }
    let t3 = nowNanos()
    results.deallocate()
    return RunResult(answers: answers, pairs: pairCount, groupNanos: t1 - t0, computeNanos: t2 - t1, fanOutNanos: t3 - t2)
}

/// Whether an event's occurrences (as instants) do not depend on the host's zone.
func zoneIndependent(_ event: CalendarEvent) -> Bool {
    switch event.start.anchor {
    case .zone, .utc: return event.end == nil || event.end!.anchor == event.start.anchor
    case .floating, .date: return false
    }
}

/// B: the same search, written in the benchmark on EventOccurrences, sharing what MaintenanceSchedule
/// recomputes per call: each zone's freeze occurrences (5 freezes × 20 zones instead of × 1,000
/// pairs) and the occurrences of zone-anchored windows (once per window instead of once per pair).
/// Covers `coverDays` after `after`; a pair with no fit inside that span falls back to nextFit.
let coverDays = 400.0

func runShared(threads: Int) -> RunResult {
    let t0 = nowNanos()
    let grouping = Grouping(hosts)
    let t1 = nowNanos()
    let (ws, fs, at, duration) = (windows, freezes, after, job)
    let coverEnd = at.addingTimeInterval(coverDays * 86_400)
    // Wall-clock bounds in UTC widened by 3 days: no zone is more than 14 h from UTC.
    let utc = WallClockResolver(timeZone: TimeZone(identifier: "UTC")!)
    let notBefore = utc.wallTime(of: at).adding(days: -3)
    let wallHorizon = utc.wallTime(of: coverEnd).adding(days: 3)
    @Sendable func occurrences(_ event: CalendarEvent, _ zone: TimeZone) -> EventOccurrences {
        try! EventOccurrences(event: event, hostTimeZone: zone, notBefore: notBefore, horizon: wallHorizon)
    }
    // Freeze occurrences per zone, sorted by start.
    let zoneCount = grouping.zones.count
    let freezeBuffer = UnsafeMutableBufferPointer<[WindowOccurrence]>.allocate(capacity: zoneCount)
    freezeBuffer.initialize(repeating: [])
    nonisolated(unsafe) let freezeOut = freezeBuffer
    parallel(zoneCount, threads: threads) { z in
        var list: [WindowOccurrence] = []
        for freeze in fs {
            for occurrence in occurrences(freeze.event, grouping.zones[z]) {
                if occurrence.start > coverEnd { break }
                list.append(occurrence)
            }
        }
        list.sort { $0.start < $1.start }
        freezeOut[z] = list
    }
    // Occurrences of zone-anchored windows, once each (any zone will do).
    let shared = (0..<ws.count).filter { zoneIndependent(ws[$0].event) }
    let sharedBuffer = UnsafeMutableBufferPointer<[WindowOccurrence]?>.allocate(capacity: ws.count)
    sharedBuffer.initialize(repeating: nil)
    nonisolated(unsafe) let sharedOut = sharedBuffer
    parallel(shared.count, threads: threads) { k in
        var list: [WindowOccurrence] = []
        for occurrence in occurrences(ws[shared[k]].event, utc.timeZone) {
            if occurrence.start > coverEnd { break }
            list.append(occurrence)
        }
        sharedOut[shared[k]] = list
    }
    // One search per pair.
    let pairCount = grouping.pairs.count
    let results = UnsafeMutableBufferPointer<Answer?>.allocate(capacity: pairCount)
    results.initialize(repeating: nil)
    let fellBack = UnsafeMutableBufferPointer<Bool>.allocate(capacity: pairCount)
    fellBack.initialize(repeating: false)
    nonisolated(unsafe) let out = results
    nonisolated(unsafe) let fallbackOut = fellBack
    parallel(pairCount, threads: threads) { p in
        let window = Int(grouping.pairs[p].window)
        let zone = grouping.pairZones[p]
        let frozen = freezeOut[grouping.zoneIndex[p]]
        let cutoff = TimeInterval(ws[window].cutoffMinutes * 60)
        // Returns true when decided.
        func consider(_ occurrence: WindowOccurrence) -> Bool {
            guard occurrence.start >= at || occurrence.end > at else { return false }
            for freeze in frozen {
                if freeze.start >= occurrence.end { break }
                if freeze.end > occurrence.start { return false }
            }
            let changeStart = max(occurrence.start, at)
            guard changeStart.addingTimeInterval(duration) <= occurrence.end.addingTimeInterval(-cutoff) else { return false }
            out[p] = Answer(
                window: Int32(window), start: occurrence.start, end: occurrence.end,
                changeStart: changeStart, changeEnd: changeStart.addingTimeInterval(duration))
            return true
        }
        var decided = false
        if let list = sharedOut[window] {
            for occurrence in list where consider(occurrence) {
                decided = true
                break
            }
        } else {
            for occurrence in occurrences(ws[window].event, zone) {
                if occurrence.start > coverEnd { break }
                if consider(occurrence) {
                    decided = true
                    break
                }
            }
        }
        if !decided {
            // Nothing within the covered span (or the rule ended): ask the library.
            let schedule = MaintenanceSchedule(windows: [ws[window]], freezes: fs, hostTimeZone: zone)
            out[p] = try! schedule.nextFit(after: at, duration: duration).map { Answer(window: Int32(window), $0) }
            fallbackOut[p] = true
        }
    }
    let t2 = nowNanos()
    let answers = grouping.hostPair.map { results[Int($0)] }
    let t3 = nowNanos()
    let fallbacks = fellBack.reduce(0) { $0 + ($1 ? 1 : 0) }
    results.deallocate()
    fellBack.deallocate()
    freezeBuffer.deinitialize()
    freezeBuffer.deallocate()
    sharedBuffer.deinitialize()
    sharedBuffer.deallocate()
    return RunResult(
        answers: answers, pairs: pairCount, groupNanos: t1 - t0, computeNanos: t2 - t1, fanOutNanos: t3 - t2,
        fallbacks: fallbacks)
}

// Warm-up (first use of each zone in Foundation, page faults), then timed repetitions, alternating.
_ = run(threads: 1)
_ = runShared(threads: 1)
var resultsA1: [RunResult] = [], resultsA2: [RunResult] = [], resultsB1: [RunResult] = [], resultsB2: [RunResult] = []
for _ in 0..<repetitions {
    resultsB2.append(runShared(threads: 2))
    resultsB1.append(runShared(threads: 1))
    resultsA2.append(run(threads: 2))
    resultsA1.append(run(threads: 1))
}
let answers = resultsB2.last!.answers
let answersA = resultsA1.last!.answers
let pairCount = resultsB2.last!.pairs
var failures = 0
for h in hosts.indices where answers[h] != answersA[h] {
    failures += 1
    if failures <= 5 { print("MISMATCH host \(h) (B vs A): \(String(describing: answers[h])) vs \(String(describing: answersA[h]))") }
}
for r in resultsA1 + resultsA2 + resultsB1 where r.answers != answersA {
    failures += 1
    print("MISMATCH between runs")
}

// Per-pair nextFit times (one thread, each pair timed on its own).
var pairKeys: [PairKey] = []
do {
    var seen = Set<PairKey>()
    for host in hosts where seen.insert(PairKey(window: host.window, zone: host.zone)).inserted {
        pairKeys.append(PairKey(window: host.window, zone: host.zone))
    }
}
var perPair: [Double] = []
var perKind: [Int: [Double]] = [:]
for key in pairKeys {
    let zone = TimeZone(identifier: key.zone)!
    let s = nowNanos()
    _ = try! schedule(Int(key.window), zone).nextFit(after: after, duration: job)
    let us = Double(nowNanos() - s) / 1e3
    perPair.append(us)
    perKind[Int(key.window) % 5, default: []].append(us)
}

// MARK: - Naive per-host computation on 1,000 hosts (context) and check

let naiveCount = min(1000, hosts.count)
let naiveStride = max(1, hosts.count / naiveCount)
let naiveHosts = (0..<naiveCount).map { $0 * naiveStride + 3 < hosts.count ? $0 * naiveStride + 3 : $0 * naiveStride }
var naiveAnswers: [Answer?] = []
naiveAnswers.reserveCapacity(naiveCount)
let naiveStart = nowNanos()
for h in naiveHosts {
    let host = hosts[h]
    let zone = TimeZone(identifier: host.zone)!
    naiveAnswers.append(try! schedule(Int(host.window), zone).nextFit(after: after, duration: job).map { Answer(window: host.window, $0) })
}
let naiveNanos = nowNanos() - naiveStart
for (i, h) in naiveHosts.enumerated() where naiveAnswers[i] != answers[h] {
    failures += 1
    if failures <= 5 { print("MISMATCH host \(h) (per-host nextFit): \(String(describing: naiveAnswers[i])) vs \(String(describing: answers[h]))") }
}

// MARK: - Brute force on 300 hosts: walk EventOccurrences from DTSTART, no MaintenanceSchedule

func bruteForce(_ host: Host) -> Answer? {
    let zone = TimeZone(identifier: host.zone)!
    let window = windows[Int(host.window)]
    let limit = after.addingTimeInterval(3660 * 86_400)
    var freezeIntervals: [WindowOccurrence] = []
    for freeze in freezes {
        for occurrence in try! EventOccurrences(event: freeze.event, hostTimeZone: zone) {
            if occurrence.start > limit { break }
            freezeIntervals.append(occurrence)
        }
    }
    for occurrence in try! EventOccurrences(event: window.event, hostTimeZone: zone) {
        if occurrence.start > limit { return nil }
        guard occurrence.end > after else { continue }
        if freezeIntervals.contains(where: { $0.start < occurrence.end && $0.end > occurrence.start }) { continue }
        let changeStart = max(occurrence.start, after)
        let usableEnd = occurrence.end.addingTimeInterval(-TimeInterval(window.cutoffMinutes * 60))
        guard changeStart.addingTimeInterval(job) <= usableEnd else { continue }
        return Answer(window: host.window, start: occurrence.start, end: occurrence.end, changeStart: changeStart, changeEnd: changeStart.addingTimeInterval(job))
    }
    return nil
}
let bruteCount = min(300, hosts.count)
let bruteStride = max(1, hosts.count / bruteCount)
for k in 0..<bruteCount {
    let h = k * bruteStride + 7 < hosts.count ? k * bruteStride + 7 : k * bruteStride
    let expected = bruteForce(hosts[h])
    if expected != answers[h] {
        failures += 1
        if failures <= 10 { print("MISMATCH host \(h) (brute force): \(String(describing: expected)) vs \(String(describing: answers[h]))") }
    }
}

// MARK: - Report

let fits = answers.compactMap { $0 }
let waitDays = fits.map { $0.changeStart.timeIntervalSince(after) / 86_400 }.sorted()
let windowZones = Set(calendar.events.compactMap { event -> String? in
    if case .zone(let z) = event.start.anchor { return z }
    return nil
})
func row(_ label: String, _ value: String, _ goal: String = "", _ ratio: String = "") {
    print("| \(label) | \(value) | \(goal) | \(ratio) |")
}
func totals(_ rs: [RunResult]) -> [Double] { rs.map { ms($0.total) } }
func headline(_ label: String, _ rs: [RunResult]) {
    let t = totals(rs)
    let m = median(t)
    row("\(label), median (range \(fmt(t.min()!))–\(fmt(t.max()!)) ms)", "\(fmt(m)) ms", "≤ 200 ms", "**\(fmt(m / 200, 2))**")
}
func parts(_ rs: [RunResult]) {
    row("… of which grouping hosts by (window, zone name), median", "\(fmt(median(rs.map { ms($0.groupNanos) }), 2)) ms")
    row("… of which the \(pairCount) pair answers, median", "\(fmt(median(rs.map { ms($0.computeNanos) }))) ms")
    row("… of which fan-out to \(hosts.count) answers, median", "\(fmt(median(rs.map { ms($0.fanOutNanos) }), 2)) ms")
}
let sharedZoned = windows.filter { zoneIndependent($0.event) }.count
print("Inputs: \(hosts.count) hosts, \(windows.count) windows (\(sharedZoned) anchored to a TZID or UTC, \(windows.count - sharedZoned) floating) + \(freezes.count) freezes; \(text.utf8.count) bytes of .ics parsed in \(fmt(ms(parseNanos), 2)) ms; \(zoneNames.count) host zones; \(pairCount) distinct (window, zone) pairs; after = 2026-12-08T15:00:00Z, job 90 min; \(repetitions) timed runs of each variant")
print("")
print("| Measure | Result | Goal | Result / goal |")
print("|---|---|---|---|")
headline("B: shared expansions + per-pair search, 2 threads", resultsB2)
headline("B: one thread", resultsB1)
parts(resultsB1)
row("… pairs with no fit within \(Int(coverDays)) days, answered by nextFit", "\(resultsB2.last!.fallbacks)")
headline("A: MaintenanceSchedule.nextFit per pair, 2 threads", resultsA2)
headline("A: one thread", resultsA1)
parts(resultsA1)
row("A: one nextFit (window + 5 freezes, one zone), median / p99 / max", "\(fmt(median(perPair), 0)) / \(fmt(percentile(perPair, 0.99), 0)) / \(fmt(perPair.max()!, 0)) µs")
for (kind, label) in [(0, "weekly"), (1, "monthly 2TU+N"), (2, "last Sunday"), (3, "daily BYHOUR"), (4, "fortnightly / last weekday")] {
    if let xs = perKind[kind] { row("… \(label) windows, median", "\(fmt(median(xs), 0)) µs") }
}
let naivePerHost = Double(naiveNanos) / Double(naiveCount) / 1e3
row("Naive: TimeZone + schedule + nextFit per host, \(naiveCount) hosts, one thread", "\(fmt(ms(naiveNanos))) ms (\(fmt(naivePerHost, 0)) µs/host)")
row("… extrapolated to \(hosts.count) hosts", "\(fmt(naivePerHost * Double(hosts.count) / 1e6, 1)) s", "≤ 200 ms", "\(fmt(naivePerHost * Double(hosts.count) / 1e3 / 200, 1))")
print("")
print("Answers: \(fits.count) hosts with a fit, \(answers.count - fits.count) without; wait until the change starts: median \(fmt(waitDays.isEmpty ? 0 : median(waitDays))) days, max \(fmt(waitDays.last ?? 0)) days.")
print("Check: B = A on all \(hosts.count) hosts; \(naiveCount) hosts against per-host nextFit, \(bruteCount) against a brute-force EventOccurrences walk: \(failures == 0 ? "all equal" : "\(failures) MISMATCHES")")
if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
    let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM") })
{
    print("Peak RSS: \(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().joined(separator: " "))")
}
exit(failures == 0 ? 0 : 1)
