import AgentProtocol
import Crypto
import Foundation

/// Reads a plan file for `patchpilot-agent apply`: a ``SignedPlan`` verified against a pinned key,
/// or (for tests, and only when asked for explicitly) a bare ``UpdatePlan``.
///
/// The highest accepted sequence is kept in `<state>/execution/last-sequence`. A plan whose journal
/// already exists is being resumed: it is accepted again although its sequence is no longer new
/// and even if it expired meanwhile (a plan that started must be able to finish or roll back).
public struct PlanFile: Sendable {
    /// The agent state directory.
    public var stateDirectory: String
    /// The current time as Unix seconds.
    public var now: @Sendable () -> Int64

    /// Creates a reader.
    public init(stateDirectory: String, now: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) })
    {
        self.stateDirectory = stateDirectory
        self.now = now
    }

    private var sequencePath: String { Journal.directory(stateDirectory) + "/last-sequence" }

    /// The highest plan sequence accepted so far (0 when none).
    public var lastSequence: Int64 {
        guard let data = FileManager.default.contents(atPath: sequencePath) else { return 0 }
        return Int64(String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
    }

    /// Loads and checks the plan at `path`.
    ///
    /// - Parameters:
    ///   - planKey: Base64 of the server's Ed25519 plan public key; the file must then be a signed plan.
    ///   - allowUnsigned: Without a key, the file must be a bare plan and this must be `true`.
    ///   - hostID: This host's id (a signed plan for another host is refused); `nil` accepts the plan's.
    public func load(
        path: String,
        planKey: String?,
        allowUnsigned: Bool,
        hostID: String?
    ) throws(ExecutionError) -> UpdatePlan {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ExecutionError(code: .planRejected, subject: path, message: "cannot read the plan file")
        }
        guard let planKey else {
            guard allowUnsigned else {
                throw ExecutionError(
                    code: .planRejected,
                    subject: path,
                    message: "no --plan-key given: pass --unsigned to run an unsigned plan"
                )
            }
            do {
                return try JSONDecoder().decode(UpdatePlan.self, from: data)
            } catch {
                throw ExecutionError(code: .planRejected, subject: path, message: "not an update plan: \(error)")
            }
        }
        guard let keyBytes = Base64.decode(planKey),
            let key = try? Curve25519.Signing.PublicKey(rawRepresentation: keyBytes)
        else {
            throw ExecutionError(code: .planRejected, subject: "--plan-key", message: "not a base64 Ed25519 public key")
        }
        let signed: SignedPlan
        do {
            signed = try JSONDecoder().decode(SignedPlan.self, from: data)
        } catch {
            throw ExecutionError(code: .planRejected, subject: path, message: "not a signed plan: \(error)")
        }
        // Peek at the (not yet verified) payload only to find out whether this plan is being resumed.
        let peeked = Base64.decode(signed.payload).flatMap {
            try? JSONDecoder().decode(UpdatePlan.self, from: Data($0))
        }
        let resuming = peeked.map { Journal(stateDirectory: stateDirectory, planID: $0.id).exists } ?? false
        var verifier = PlanVerifier(
            pinnedKey: key,
            hostID: hostID ?? peeked?.hostID ?? "",
            lastSequence: resuming ? Int64.min : lastSequence
        )
        let plan: UpdatePlan
        do {
            plan = try verifier.accept(signed, now: resuming ? Int64.min : now())
        } catch {
            throw ExecutionError(code: .planRejected, subject: path, message: error.description)
        }
        if resuming, let recorded = try Journal(stateDirectory: stateDirectory, planID: plan.id).plan(),
            recorded != plan
        {
            throw ExecutionError(
                code: .planRejected,
                subject: path,
                message: "plan \(plan.id) differs from the journal's"
            )
        }
        if plan.sequence > lastSequence { try saveSequence(plan.sequence) }
        return plan
    }

    private func saveSequence(_ sequence: Int64) throws(ExecutionError) {
        do {
            try FileManager.default.createDirectory(
                atPath: Journal.directory(stateDirectory),
                withIntermediateDirectories: true
            )
            try Data("\(sequence)\n".utf8).write(to: URL(fileURLWithPath: sequencePath), options: .atomic)
        } catch {
            throw ExecutionError(code: .journalUnwritable, subject: sequencePath, message: "\(error)")
        }
    }
}
