import AgentProtocol
import Crypto
import Foundation
import PatchStore

/// What a person or the rollout engine asks for; the server adds host, id, sequence, times and signs.
public struct PlanDraft: Sendable, Codable, Hashable {
    /// Package targets (exact versions).
    public var packages: [PlanPackage]
    /// Pre-checks.
    public var preChecks: [PlanCheck]?
    /// Snapshot command.
    public var snapshotCommand: [String]?
    /// Post-checks (default: installed versions match the plan).
    public var postChecks: [PlanCheck]?
    /// Reboot policy (default if-required).
    public var reboot: RebootPolicy?
    /// Time budget in seconds (default 3600).
    public var timeBudgetSeconds: Int?
    /// Rollback recipe (default automatic).
    public var rollback: RollbackRecipe?
    /// How long the agent may start it, in seconds (default one day).
    public var validForSeconds: Int?

    /// Creates a draft.
    public init(packages: [PlanPackage], reboot: RebootPolicy? = nil, validForSeconds: Int? = nil) {
        self.packages = packages
        self.reboot = reboot
        self.validForSeconds = validForSeconds
    }
}

/// Turns drafts into signed plans queued for a host.
public struct PlanQueue: Sendable {
    let storage: any PatchStorage
    let clock: any WallClock
    let key: Curve25519.Signing.PrivateKey

    /// Creates a queue.
    public init(storage: any PatchStorage, clock: any WallClock, key: Curve25519.Signing.PrivateKey) {
        self.storage = storage
        self.clock = clock
        self.key = key
    }

    /// Range checks on every number and count of a draft: the agent runs what the server signs, so
    /// the server refuses what could overflow or exhaust an agent (hours to seconds, ports, sizes).
    static func validateNumbers(_ draft: PlanDraft) throws {
        try InputBounds.check(draft.packages.count, "packages", in: 1...10_000)
        try InputBounds.check(draft.timeBudgetSeconds ?? 3600, "timeBudgetSeconds", in: 60...(7 * 86400))
        try InputBounds.check(draft.snapshotCommand?.count ?? 0, "snapshotCommand", in: 0...256)
        for (name, checks) in [("preChecks", draft.preChecks ?? []), ("postChecks", draft.postChecks ?? [])] {
            try InputBounds.check(checks.count, name, in: 0...100)
            for (index, check) in checks.enumerated() {
                let field = "\(name)[\(index)]"
                switch check {
                case .freeSpace(_, let bytes): try InputBounds.check(bytes, "\(field).minimumBytes", in: 0...(1 << 60))
                case .backupMarker(_, let hours):
                    try InputBounds.check(hours, "\(field).maximumAgeHours", in: 1...(100 * 366 * 24))
                case .command(let arguments, _):
                    try InputBounds.check(arguments.count, "\(field).arguments", in: 1...256)
                case .httpGet(_, let status, _): try InputBounds.check(status, "\(field).expectedStatus", in: 100...599)
                case .tcpConnect(_, let port): try InputBounds.check(port, "\(field).port", in: 1...65535)
                case .packageManagerLockFree, .packagesConsistent, .serviceActive, .installedVersionsMatchPlan: break
                }
            }
        }
    }

    /// Validates, signs and queues a plan for a host.
    public func queue(
        hostID: String,
        draft: PlanDraft,
        actor: String,
        planID: String? = nil
    ) async throws -> UpdatePlan? {
        // A plan id chosen by the caller (a rollout task's attempt) is queued once: a second call is a no-op.
        if let planID, try await storage.planExists(id: planID) { return nil }
        guard try await storage.host(id: hostID) != nil else { throw Problem.notFound("no host with id '\(hostID)'") }
        guard !draft.packages.isEmpty else {
            throw Problem.badRequest("field 'packages' must name at least one package")
        }
        for (index, package) in draft.packages.enumerated() {
            try PackageValidation.check(package.name, "packages[\(index)].name", max: 256)
            try PackageValidation.check(package.version, "packages[\(index)].version", max: 256)
            if let artifact = package.artifact {
                guard artifact.sha256.count == 64, artifact.sha256.allSatisfy(\.isHexDigit) else {
                    throw Problem.badRequest("field 'packages[\(index)].artifact.sha256' must be 64 hex digits")
                }
            }
        }
        try Self.validateNumbers(draft)
        let validity = draft.validForSeconds ?? 86400
        guard (60...30 * 86400).contains(validity) else {
            throw Problem.badRequest("field 'validForSeconds' must be between 60 and 2592000, got \(validity)")
        }
        let now = Int64(clock.now().timeIntervalSince1970)
        for _ in 0..<3 {
            let sequence = try await storage.nextPlanSequence(hostID: hostID)
            let plan = UpdatePlan(
                id: planID ?? "pln_" + BearerSecret.randomToken(bytes: 12),
                hostID: hostID,
                sequence: sequence,
                issuedAt: now,
                expiresAt: now + Int64(validity),
                packages: draft.packages,
                preChecks: draft.preChecks ?? [],
                snapshotCommand: draft.snapshotCommand,
                postChecks: draft.postChecks ?? [.installedVersionsMatchPlan],
                reboot: draft.reboot ?? .ifRequired,
                timeBudgetSeconds: draft.timeBudgetSeconds ?? 3600,
                rollback: draft.rollback ?? RollbackRecipe(automatic: true)
            )
            let signed = try SignedPlan.sign(plan, key: key)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            do {
                try await storage.enqueuePlan(
                    hostID: hostID,
                    sequence: sequence,
                    planID: plan.id,
                    signedPlan: String(decoding: try encoder.encode(signed), as: UTF8.self),
                    actor: actor,
                    now: clock.now()
                )
                return plan
            } catch let error as StoreError where error.code == .conflict {
                continue  // another writer took the sequence; sign again with the next one
            }
        }
        throw Problem.conflict("could not allocate a plan sequence for host \(hostID); try again")
    }
}
