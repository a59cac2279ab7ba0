import ChangeControl
import FleetModel
import Foundation
import Hummingbird
import PatchAPI
import PatchPolicy
import PatchStore
import SecurityAdvisories
import Synchronization

/// A host's candidate updates (its fixable findings) with the approval baseline's decision for each.
struct UpdatesController: Sendable {
    let storage: any PatchStorage
    let clock: any WallClock

    /// One candidate update. The change and rollout services read these rows; the route answers
    /// them as PatchAPI's ``HostUpdates``.
    struct Row: Sendable {
        var package: String
        var installedVersion: String
        var fixedVersion: String
        var advisory: String
        var classification: String
        var severity: String
        var knownExploited: Bool
        var decision: String
        var decidedAt: Date?
        var rule: String
    }

    struct Answer: Sendable {
        var hostID: String
        var baseline: String?
        var tier: String?
        var environment: String?
        var updates: [Row]
    }

    func addRoutes(to group: RouterGroup<AppRequestContext>, table: SecuredRoutes) {
        let prefix = "/api/v1"
        table.add(.get, "hosts/{id}/updates", on: group, prefix: prefix, permission: .fleetRead) { _, context, _ in
            let id = try context.parameters.requireDecoded("id")
            guard let host = try await storage.host(id: id) else { throw Problem.notFound("no host with id '\(id)'") }
            return try JSONResponse.make(HostUpdates(try await updates(for: host)))
        }
    }

    /// What the answer for many hosts shares: the policy and the known-exploited list, loaded once,
    /// and each advisory's candidate updates, derived once (a change over thousands of hosts reads
    /// the same few advisories for every host).
    struct Context: Sendable {
        var policy: PolicyDocument
        var knownExploited: Set<String>
        let candidates = CandidateCache()
    }

    /// Candidate updates per advisory id (none for an advisory that is gone).
    final class CandidateCache: Sendable {
        private let entries = Mutex<[String: [CandidateUpdate]]>([:])

        func candidates(
            _ advisory: String,
            load: () async throws -> [CandidateUpdate]
        ) async rethrows -> [CandidateUpdate] {
            if let cached = entries.withLock({ $0[advisory] }) { return cached }
            let loaded = try await load()
            entries.withLock { $0[advisory] = loaded }
            return loaded
        }
    }

    /// Loads the shared context.
    func context() async throws -> Context {
        Context(
            policy: try await storage.currentPolicy().map { try LoadedPolicy.load($0.files).document }
                ?? PolicyDocument(),
            knownExploited: Set(try await storage.knownExploited().map(\.cveID))
        )
    }

    /// The host's candidate updates; `installed` saves reading the inventory again when the caller
    /// has it, `shared` the policy, KEV and advisory reads when answering for many hosts.
    func updates(
        for host: HostRecord,
        installed: [InstalledPackage]? = nil,
        context shared: Context? = nil
    ) async throws -> Answer {
        let now = clock.now()
        let loaded: Context
        if let shared { loaded = shared } else { loaded = try await context() }
        let packages: [InstalledPackage]
        if let installed {
            packages = installed
        } else {
            packages = try await storage.inventory(hostID: host.id).packages
        }
        var query = FindingQuery()
        query.hostID = host.id
        query.fixable = true
        query.limit = 5000
        let findings = try await storage.findings(query).findings.map(\.finding)
        return try await answer(
            for: host,
            packageNames: Set(packages.map(\.name)),
            findings: findings,
            context: loaded,
            now: now
        )
    }

    /// The host's candidate updates from its open fixable `findings`, placed in the policy's groups
    /// by `packageNames` (what the groups test of its inventory is enough): for callers that read
    /// the findings of many hosts at once.
    func answer(
        for host: HostRecord,
        packageNames: Set<String>,
        findings: [Finding],
        context loaded: Context,
        now: Date
    ) async throws -> Answer {
        let policy = loaded.policy
        let description = HostDescription(
            id: host.id,
            facts: host.facts,
            labels: host.labels,
            tags: Set(host.tags),
            packages: packageNames
        )
        let groups = policy.groups(of: description)
        let tier = groups.compactMap(\.tier).first
        let environment = groups.compactMap(\.environment).first
        let release = EcosystemRelease(osRelease: host.facts.os)
        let baseline = release.flatMap { policy.baseline(for: $0.distribution, environment: environment, tier: tier) }
        let kev = loaded.knownExploited
        var rows: [Row] = []
        for finding in findings {
            guard let fixed = finding.fixedVersion else { continue }
            let candidate = try await loaded.candidates.candidates(finding.advisory) {
                try await storage.advisory(id: finding.advisory).map {
                    CandidateUpdate.candidates(from: $0, knownExploited: kev)
                } ?? []
            }
            .first {
                $0.release == release && ($0.package == finding.sourcePackage || $0.package == finding.package)
            }
            var row = Row(
                package: finding.package,
                installedVersion: finding.installedVersion,
                fixedVersion: fixed,
                advisory: finding.advisory,
                classification: candidate.map { "\($0.classification)" } ?? "security",
                severity: finding.severity.rawValue,
                knownExploited: finding.knownExploited,
                decision: "pending",
                decidedAt: nil,
                rule: "no baseline applies: needs a change request"
            )
            if let baseline, var candidate {
                // The host's binary package is what gets installed.
                candidate.package = finding.package
                let decision = baseline.decide(candidate, now: now)
                row.rule = "\(baseline.name): \(decision.rule)"
                switch decision.outcome {
                case .approved(let since):
                    row.decision = "approved"
                    row.decidedAt = since
                case .pending(let until):
                    row.decision = "pending"
                    row.decidedAt = until
                case .rejected:
                    row.decision = "rejected"
                }
            }
            rows.append(row)
        }
        return Answer(hostID: host.id, baseline: baseline?.name, tier: tier, environment: environment, updates: rows)
    }
}

extension HostUpdates {
    init(_ answer: UpdatesController.Answer) {
        self.init(
            hostID: answer.hostID,
            baseline: answer.baseline,
            tier: answer.tier,
            environment: answer.environment,
            updates: answer.updates.map {
                Update(
                    package: $0.package,
                    installedVersion: $0.installedVersion,
                    fixedVersion: $0.fixedVersion,
                    advisory: $0.advisory,
                    classification: $0.classification,
                    severity: $0.severity,
                    knownExploited: $0.knownExploited,
                    decision: $0.decision,
                    decidedAt: $0.decidedAt,
                    rule: $0.rule
                )
            }
        )
    }
}
