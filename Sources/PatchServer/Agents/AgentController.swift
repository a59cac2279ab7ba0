import AgentProtocol
import Crypto
import FleetModel
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import PatchAPI
import PatchStore

/// The agent-facing API: enrollment (enrollment token) and signed check-ins and inventory uploads.
struct AgentController: Sendable {
    let storage: any PatchStorage
    let clock: any WallClock
    let configuration: ServerConfiguration
    let authenticator: AgentAuthenticator
    let vulnerabilities: VulnerabilityService
    let planPublicKey: String
    /// Bounds what unauthenticated enrollment requests may make the server buffer, all together.
    let unauthenticatedBodies: BodyBudget
    /// Called with every newly stored plan report (the rollout scheduler applies it at once).
    var onReport: @Sendable (PlanReport) async -> Void = { _ in }

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.post("enroll", use: enroll)
        group.post("heartbeat", use: heartbeat)
        group.post("inventory", use: inventory)
        group.post("reports", use: report)
        group.post("plan", use: plan)
    }

    @Sendable func enroll(_ request: Request, context: AppRequestContext) async throws -> Response {
        let body = try await JSONBody.collect(request, limit: 64 * 1024, budget: unauthenticatedBodies)
        let enrollment = try APIBody.decode(EnrollmentRequest.self, from: body)
        guard let secret = BearerSecret(parsing: enrollment.token, prefix: "ppe") else {
            throw Problem.unauthorized("enrollment token is malformed")
        }
        guard let rawKey = Base64.decode(enrollment.publicKey),
            (try? Curve25519.Signing.PublicKey(rawRepresentation: rawKey)) != nil
        else { throw Problem.badRequest("field 'publicKey' is not a base64 Ed25519 public key") }
        var facts = enrollment.facts
        let agentID = "agt_" + BearerSecret.randomToken(bytes: 12)
        // A host without /etc/machine-id (some containers) gets an identity of its own agent, so
        // that it neither collides with other such hosts nor is merged with them on re-enrollment.
        if facts.machineID.isEmpty { facts.machineID = "agent:" + agentID }
        try AgentInput.validate(facts, field: "facts", requireMachineID: true)
        let outcome = try await storage.enroll(
            tokenID: secret.id,
            secretHash: secret.secretHash,
            registration: AgentRegistration(
                agentID: agentID,
                newHostID: "hst_" + BearerSecret.randomToken(bytes: 12),
                publicKey: enrollment.publicKey,
                facts: facts
            ),
            now: clock.now()
        )
        switch outcome {
        case .rejected(let reason):
            context.logger.notice("enrollment refused", metadata: ["pp.reason": .string(reason)])
            throw Problem.unauthorized("enrollment token is invalid, expired or used up")
        case .enrolled(let agentID, let hostID), .duplicate(let agentID, let hostID, _):
            if case .duplicate(_, _, let original) = outcome {
                context.logger.warning(
                    "agent enrolled with the machine id of another host without a re-enroll token: flagged as duplicate",
                    metadata: [
                        "pp.agent.id": .string(agentID), "pp.host.id": .string(hostID),
                        "pp.host.duplicate_of": .string(original),
                    ]
                )
            } else {
                context.logger.info(
                    "agent enrolled",
                    metadata: ["pp.agent.id": .string(agentID), "pp.host.id": .string(hostID)]
                )
            }
            let response = EnrollmentResponse(
                agentID: agentID,
                hostID: hostID,
                checkInIntervalSeconds: configuration.checkInIntervalSeconds,
                planPublicKey: planPublicKey
            )
            return try JSONResponse.make(response, status: .created)
        }
    }

    @Sendable func heartbeat(_ request: Request, context: AppRequestContext) async throws -> Response {
        let (verified, body) = try await authenticator.authenticateDeferringNonce(request, limit: 1024 * 1024)
        let beat = try APIBody.decode(HeartbeatRequest.self, from: body)
        // Nonce, facts and last seen in one write transaction.
        let now = clock.now()
        guard
            let record = try await authenticator.accepting(
                verified.agent.id,
                {
                    try await storage.recordHeartbeat(
                        agentID: verified.agent.id,
                        nonce: verified.nonce,
                        hostID: verified.agent.hostID,
                        facts: beat.facts,
                        now: now,
                        forgetNoncesBefore: authenticator.noncesForgottenBefore(now)
                    )
                }
            )
        else { throw Problem.unauthorized("replayed request (nonce already used)") }
        let stored = record.inventoryFingerprint
        return try JSONResponse.make(
            HeartbeatResponse(
                storedFingerprint: stored,
                inventoryWanted: stored != beat.inventoryFingerprint,
                checkInIntervalSeconds: configuration.checkInIntervalSeconds
            )
        )
    }

    @Sendable func inventory(_ request: Request, context: AppRequestContext) async throws -> Response {
        let (agent, body) = try await authenticator.authenticate(request, limit: configuration.maxAgentBodyBytes)
        let upload = try APIBody.decode(InventoryUpload.self, from: body)
        guard let host = try await storage.host(id: agent.hostID) else {
            throw Problem.notFound("no host with id \(agent.hostID)")
        }
        let storedFingerprint = host.inventoryFingerprint
        let packages: [InstalledPackage]
        switch (upload.packages, upload.delta, upload.baseFingerprint) {
        case (let full?, nil, nil):
            packages = full
        case (nil, let delta?, let base?):
            guard base == storedFingerprint else {
                throw Problem.conflict(
                    "field 'baseFingerprint' is \(base) but the server holds \(storedFingerprint ?? "no inventory"); send a full upload"
                )
            }
            // Only a delta needs the stored package list.
            packages = delta.applied(to: try await storage.inventory(hostID: agent.hostID).packages)
        default:
            throw Problem.badRequest("send either 'packages' (full upload) or 'delta' with 'baseFingerprint'")
        }
        if upload.packages == nil { try AgentInput.validate(packages, field: "delta") }
        guard packages.count <= configuration.maxPackagesPerHost else {
            throw Problem.tooLarge(
                "inventory has \(packages.count) packages; the limit is \(configuration.maxPackagesPerHost)"
            )
        }
        let fingerprint = InventoryFingerprint.of(packages)
        guard fingerprint == upload.fingerprint else {
            throw Problem.badRequest(
                "field 'fingerprint' is \(upload.fingerprint) but the packages hash to \(fingerprint)"
            )
        }
        // Package versions never seen in the fleet are correlated first (usually none: hosts share
        // versions), so that storing the inventory can tell which findings persist. A failure here
        // is logged, not the agent's problem: the correlation worker catches up.
        if fingerprint != storedFingerprint {
            do {
                try await vulnerabilities.prepare(packages: packages, os: host.facts.os)
            } catch {
                context.logger.error(
                    "cannot correlate new packages",
                    metadata: ["pp.host.id": .string(agent.hostID), "pp.error": .string("\(error)")]
                )
            }
        }
        do {
            let diff = try await storage.replaceInventory(
                hostID: agent.hostID,
                expectedFingerprint: storedFingerprint,
                packages: packages,
                fingerprint: fingerprint,
                now: clock.now()
            )
            context.logger.debug(
                "inventory stored",
                metadata: [
                    "pp.host.id": .string(agent.hostID), "pp.inventory.added": .stringConvertible(diff.added.count),
                    "pp.inventory.removed": .stringConvertible(diff.removed.count),
                    "pp.inventory.changed": .stringConvertible(diff.changed.count),
                ]
            )
        } catch let error as StoreError where error.code == .conflict {
            throw Problem.conflict(error.message)
        }
        return try JSONResponse.make(InventoryAcknowledgement(fingerprint: fingerprint, packageCount: packages.count))
    }
}

extension AgentController {
    /// The newest plan for the agent's host that has no final report yet (`{}` when none).
    @Sendable func plan(_ request: Request, context: AppRequestContext) async throws -> Response {
        let (agent, _) = try await authenticator.authenticate(request, limit: 64 * 1024)
        struct Answer: Encodable { var plan: SignedPlan? }
        guard let text = try await storage.pendingPlan(hostID: agent.hostID, now: clock.now()) else {
            return try JSONResponse.make(Answer(plan: nil))
        }
        return try JSONResponse.make(Answer(plan: try JSONDecoder().decode(SignedPlan.self, from: Data(text.utf8))))
    }

    /// Stores a plan report; a retry of the same report is acknowledged again without a second event.
    @Sendable func report(_ request: Request, context: AppRequestContext) async throws -> Response {
        let (agent, body) = try await authenticator.authenticate(request, limit: 4 * 1024 * 1024)
        let report = try APIBody.decode(PlanReport.self, from: body)
        let stored: Bool
        do {
            stored = try await storage.recordPlanReport(
                hostID: agent.hostID,
                agentID: agent.id,
                planID: report.planID,
                digest: RequestSignature.digest(of: body),
                outcome: report.outcome.rawValue,
                report: String(decoding: body, as: UTF8.self),
                now: clock.now()
            )
        } catch let error as StoreError where error.code == .notFound {
            try await storage.appendEvent(
                EventRecord(
                    at: clock.now(),
                    actor: "agent:\(agent.id)",
                    action: "plan.report_refused",
                    target: "plan:\(report.planID)",
                    details: try JSONResponse.text(["host": agent.hostID, "reason": error.message])
                )
            )
            throw Problem.forbidden("plan '\(report.planID)' was not issued to this agent's host")
        }
        if stored { await onReport(report) }
        return try JSONResponse.make(PlanReportAcknowledgement(planID: report.planID, duplicate: !stored))
    }
}

/// JSON responses with the API's encoder settings.
enum JSONResponse {
    static var encoder: JSONEncoder { APIJSON.encoder }

    /// The value as compact JSON text (event details).
    static func text<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static func make<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) throws -> Response {
        let data = try encoder.encode(value)
        return Response(
            status: status,
            headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: data))
        )
    }
}
