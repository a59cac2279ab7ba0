import FleetModel
import Foundation
import PatchAPI
import PatchPolicy
import PatchStore
import SecurityAdvisories

/// SLA compliance of the fleet's findings under one framework profile of the policy in force.
///
/// Each finding gets the tier of its host (the first policy group that matches the host and names
/// a tier), the profile's deadline for severity × tier, and pauses from active exceptions that cover
/// it. Open findings and findings fixed in the last 90 days are evaluated; open ones count by SLA
/// state (on time, due soon, overdue, excepted), fixed ones as fixed on time or fixed late.
struct ComplianceService: Sendable {
    let storage: any PatchStorage
    let clock: any WallClock
    /// Host placements kept between reports (shared by the copies of this service).
    let placements = HostPlacementCache()
    /// Reports kept while exact (shared by the copies of this service).
    let reports = ComplianceReports()

    /// The report and its parts are PatchAPI's wire types.
    typealias Report = ComplianceReport
    /// One finding's SLA.
    typealias Row = ComplianceReport.Row
    /// Counts per state for one group or tier.
    typealias Bucket = ComplianceReport.Bucket

    /// What the report accumulates while the findings stream past: counts, and the rows with the
    /// earliest due dates (at most twice the limit between prunes; `threshold` is the due date of
    /// the last row kept at the latest prune — a later one cannot make the report).
    struct Tally: Sendable {
        var totals: [String: Int] = [:]
        var byGroup: [String: [String: Int]] = [:]
        var byTier: [String: [String: Int]] = [:]
        var rows: [Row] = []
        var threshold: Date?
        /// The first instant after the evaluation at which one of the findings changes state.
        var nextChange: Date = .distantFuture

        /// Notes when an open finding's state moves next: on time → due soon → overdue.
        mutating func noteTransition(_ status: SLAStatus, dueSoon: TimeInterval) {
            guard status.met == nil, let due = status.dueDate else { return }
            switch status.state {
            case .onTime: nextChange = min(nextChange, due.addingTimeInterval(-dueSoon))
            case .dueSoon: nextChange = min(nextChange, due)
            case .overdue, .excepted, .notCovered: break
            }
        }

        /// Notes the instants at which exceptions start or stop pausing the clock.
        mutating func noteBoundaries(_ pauses: [DateInterval], after now: Date) {
            for pause in pauses {
                if pause.start > now { nextChange = min(nextChange, pause.start) }
                if pause.end > now { nextChange = min(nextChange, pause.end) }
            }
        }

        mutating func count(_ state: SLAState, _ place: Placement, _ n: Int) {
            count(key: state.rawValue, place, n)
        }

        /// Counts under `key`: an SLA state for open findings; `fixedOnTime` or `fixedLate` for
        /// fixed ones, so that only open findings count as overdue.
        mutating func count(key: String, _ place: Placement, _ n: Int) {
            totals[key, default: 0] += n
            for group in place.groupNames { byGroup[group, default: [:]][key, default: 0] += n }
            byTier[place.tier ?? "(no tier)", default: [:]][key, default: 0] += n
        }

        mutating func add(_ row: Row, limit: Int) {
            rows.append(row)
            if rows.count >= 2 * limit {
                rows = ComplianceService.earliest(rows, limit)
                threshold = rows.last?.dueDate ?? .distantFuture
            }
        }
    }

    /// Hosts placed alike: the same groups and tier, and — for a host that an exception names — the
    /// host itself. Findings of one package finding are evaluated once per placement and day of
    /// start, not once per host.
    struct Placement: Hashable, Sendable {
        var groupNames: [String]
        var tier: String?
        var namedHost: String?
    }

    /// The hosts of one package finding with one placement and start day: the earliest and latest
    /// start and which members they are.
    struct StartBucket: Sendable {
        var placement: Int32
        var first: Int64
        var last: Int64
        var members: [Int32]
    }

    /// What a finding counts as: its SLA state while open (`onTime`, `dueSoon`, `overdue`,
    /// `excepted`, `notCovered`); `fixedOnTime` or `fixedLate` once fixed.
    static func stateKey(_ status: SLAStatus) -> String {
        switch status.met {
        case true?: "fixedOnTime"
        case false?: "fixedLate"
        case nil: status.state.rawValue
        }
    }

    /// The report under `framework` with the `rowLimit` findings due first — from the cache while
    /// it is exact (see `ComplianceReports`), otherwise computed.
    func report(framework: SLAFramework, rowLimit: Int) async throws -> Report {
        let revision = try await storage.reportRevision()
        let now = clock.now()
        let service = self
        return try await reports.report(
            ComplianceReports.Key(framework: framework, rowLimit: rowLimit),
            revision: revision,
            now: now
        ) {
            let (report, validUntil) = try await service.compute(framework: framework, rowLimit: rowLimit, now: now)
            return ComplianceReports.Entry(revision: revision, validUntil: validUntil, report: report)
        }
    }

    /// Computes the report at `now`, and the first instant after it at which a finding's state
    /// changes (the report is exact until then, unless the data change).
    func compute(framework: SLAFramework, rowLimit: Int, now: Date) async throws -> (Report, Date) {
        let current = try await storage.currentPolicy()
        let document =
            try current.map { try LoadedPolicy.load($0.files).document } ?? PolicyDocument()
        let profile =
            document.slaProfiles.first { $0.framework == framework } ?? SLAProfile.builtIn(framework)
        let sla = SLAClock(profile: profile)
        let dueSoon = TimeInterval(profile.dueSoonDays) * 86_400
        let register = document.register
        // Every host's place, described with only the packages the policy's groups test.
        let tested = document.groups.reduce(into: Set<String>()) { $0.formUnion($1.query.referencedPackages) }
        let installed = try await storage.installedPackageNames(tested)
        var fleet: [FleetHost] = []
        var placed: [Int64: HostPlacementCache.Placed] = [:]
        for attempt in 0..<3 {
            let known = attempt < 2 ? placements.keys() : [:]
            fleet = try await storage.fleetHosts { number, key in known[number] != key }
            let answer = placements.placements(
                fleet: fleet,
                packages: installed,
                document: document,
                policy: current?.version ?? 0
            )
            placed = answer.placed
            if answer.missing.isEmpty { break }
        }
        let named = Set(
            register.exceptions.compactMap { exception -> String? in
                if case .host(let id) = exception.scope.hosts { return id }
                return nil
            }
        )
        var placementIndex: [Placement: Int32] = [:]
        var placementList: [(place: Placement, groups: [HostGroup])] = []
        var hostPlacement: [Int64: Int32] = [:]
        var hostNames: [Int64: (id: String, hostname: String)] = [:]
        hostPlacement.reserveCapacity(fleet.count)
        for host in fleet {
            guard let place = placed[host.number] else { continue }
            let key = Placement(
                groupNames: place.groups.map(\.name),
                tier: place.tier,
                namedHost: named.contains(host.id) ? host.id : nil
            )
            let index: Int32
            if let known = placementIndex[key] {
                index = known
            } else {
                index = Int32(placementList.count)
                placementIndex[key] = index
                placementList.append((key, place.groups))
            }
            hostPlacement[host.number] = index
            hostNames[host.number] = (host.id, host.hostname)
        }
        let places = placementList
        let placeOf = hostPlacement
        let names = hostNames
        let published = try await storage.advisoryPublicationDates()
        let limit = max(0, rowLimit)

        @Sendable func row(
            _ number: Int64,
            _ place: Placement,
            _ finding: Finding,
            _ status: SLAStatus,
            fixedAt: Date?
        ) -> Row {
            Row(
                hostID: names[number]?.id ?? "",
                hostname: names[number]?.hostname ?? "",
                groups: place.groupNames,
                tier: place.tier,
                package: finding.package,
                advisory: finding.advisory,
                severity: finding.severity.rawValue,
                knownExploited: finding.knownExploited,
                clockStarted: status.clockStarted,
                dueDate: status.dueDate,
                state: Self.stateKey(status),
                met: status.met,
                fixedAt: fixedAt
            )
        }

        // Open findings: per package finding, hosts bucketed by placement and day of start. A due
        // date never moves earlier when the clock starts later (without pauses), so a bucket whose
        // earliest and latest start give the same state has that state throughout; others, and
        // those that may hold one of the earliest rows, are evaluated host by host.
        var tally = try await storage.reduceOpenFindingGroups(into: Tally()) { tally, group in
            let finding = group.finding
            var buckets: [Int64: StartBucket] = [:]
            for (member, number) in group.hosts.enumerated() {
                guard let place = placeOf[number] else { continue }
                let start = group.startMillis[member]
                let key = Int64(place) << 32 | (max(0, start) / 86_400_000)
                if buckets[key] == nil {
                    buckets[key] = StartBucket(placement: place, first: start, last: start, members: [Int32(member)])
                } else {
                    buckets[key]!.first = min(buckets[key]!.first, start)
                    buckets[key]!.last = max(buckets[key]!.last, start)
                    buckets[key]!.members.append(Int32(member))
                }
            }
            var pausesOf: [Int32: [DateInterval]] = [:]
            for bucket in buckets.values {
                let place = places[Int(bucket.placement)].place
                let pauses: [DateInterval]
                if let known = pausesOf[bucket.placement] {
                    pauses = known
                } else {
                    pauses = register.pauses(
                        hostID: place.namedHost ?? "",
                        groups: Set(place.groupNames),
                        packages: [finding.package, finding.sourcePackage],
                        advisories: [finding.advisory] + finding.aliases
                    )
                    pausesOf[bucket.placement] = pauses
                    tally.noteBoundaries(pauses, after: now)
                }
                func status(_ start: Int64) -> SLAStatus {
                    let item = SLAItem(
                        finding: finding,
                        tier: place.tier,
                        published: published[finding.advisory],
                        firstDetected: Date(timeIntervalSince1970: TimeInterval(start) / 1000),
                        fixedAt: nil
                    )
                    return sla.evaluate(item, pauses: pauses, now: now)
                }
                let early = status(bucket.first)
                let late = bucket.first == bucket.last ? early : status(bucket.last)
                let uniform = pauses.isEmpty && early.state == late.state
                if uniform {
                    tally.count(early.state, place, bucket.members.count)
                    // The earliest start falls due first.
                    tally.noteTransition(early, dueSoon: dueSoon)
                }
                let rowsWanted =
                    limit > 0
                    && (tally.threshold.map { (early.dueDate ?? .distantFuture) <= $0 } ?? true || !pauses.isEmpty)
                guard !uniform || rowsWanted else { continue }
                for member in bucket.members {
                    let number = group.hosts[Int(member)]
                    let each = status(group.startMillis[Int(member)])
                    if !uniform {
                        tally.count(each.state, place, 1)
                        tally.noteTransition(each, dueSoon: dueSoon)
                    }
                    if rowsWanted { tally.add(row(number, place, finding, each, fixedAt: nil), limit: limit) }
                }
            }
        }
        // Findings fixed in the last 90 days, one by one (their fix dates differ per host).
        let numbers = Dictionary(fleet.map { ($0.id, $0.number) }, uniquingKeysWith: { first, _ in first })
        tally = try await storage.reduceFixedFindings(into: tally, fixedSince: now.addingTimeInterval(-90 * 86400)) {
            tally,
            stored in
            guard let number = numbers[stored.hostID], let index = placeOf[number] else { return }
            let place = places[Int(index)].place
            let item = SLAItem(
                finding: stored.finding,
                tier: place.tier,
                published: published[stored.finding.advisory],
                firstDetected: stored.firstSeen,
                fixedAt: stored.fixedAt
            )
            let pauses = register.pauses(
                hostID: stored.hostID,
                groups: Set(place.groupNames),
                packages: [stored.finding.package, stored.finding.sourcePackage],
                advisories: [stored.finding.advisory] + stored.finding.aliases
            )
            let status = sla.evaluate(item, pauses: pauses, now: now)
            tally.count(key: Self.stateKey(status), place, 1)
            // It leaves the report when its fix is 90 days old.
            if let fixedAt = stored.fixedAt {
                tally.nextChange = min(tally.nextChange, fixedAt.addingTimeInterval(90 * 86400))
            }
            if limit > 0 {
                tally.add(row(number, place, stored.finding, status, fixedAt: stored.fixedAt), limit: limit)
            }
        }
        tally.rows = Self.earliest(tally.rows, limit)
        func buckets(_ values: [String: [String: Int]]) -> [Bucket] {
            values.map { Bucket(name: $0.key, counts: $0.value) }.sorted { $0.name < $1.name }
        }
        let report = Report(
            framework: framework.rawValue,
            profile: profile.name,
            policyVersion: current?.version,
            totals: tally.totals,
            byGroup: buckets(tally.byGroup),
            byTier: buckets(tally.byTier),
            rows: tally.rows
        )
        return (report, tally.nextChange)
    }

    /// The `limit` rows due first (undated last), in due order; ties keep a stable order by host,
    /// package and advisory so that a report does not depend on the order findings were read in.
    static func earliest(_ rows: [Row], _ limit: Int) -> [Row] {
        let sorted = rows.sorted {
            let left = $0.dueDate ?? .distantFuture
            let right = $1.dueDate ?? .distantFuture
            if left != right { return left < right }
            return ($0.hostID, $0.package, $0.advisory, $0.fixedAt == nil ? 0 : 1)
                < ($1.hostID, $1.package, $1.advisory, $1.fixedAt == nil ? 0 : 1)
        }
        return Array(sorted.prefix(limit))
    }
}
