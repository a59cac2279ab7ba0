import AgentProtocol
import AsyncHTTPClient
import Crypto
import FleetModel
import Foundation
import NIOCore
import NIOHTTP1

/// Talks to the PatchPilot server: enrollment, then signed check-ins and inventory uploads.
public struct AgentClient: Sendable {
    /// The server's base URL, without a trailing slash.
    public var serverURL: String
    let http: HTTPClient
    let timeout: TimeAmount

    /// Creates a client sharing `http` (one `HTTPClient` can serve many simulated agents).
    public init(serverURL: String, http: HTTPClient = .shared, timeoutSeconds: Int64 = 30) {
        var url = serverURL
        while url.hasSuffix("/") { url.removeLast() }
        self.serverURL = url
        self.http = http
        self.timeout = .seconds(timeoutSeconds)
    }

    /// Enrolls with an enrollment token and the agent's public key.
    public func enroll(
        token: String,
        publicKey: Curve25519.Signing.PublicKey,
        facts: HostFacts
    ) async throws
        -> EnrollmentResponse
    {
        let request = EnrollmentRequest(
            token: token,
            publicKey: Base64.encode(Array(publicKey.rawRepresentation)),
            facts: facts
        )
        return try await send("/api/v1/agent/enroll", body: request, signer: nil)
    }

    /// Sends a signed heartbeat.
    public func heartbeat(_ beat: HeartbeatRequest, signer: RequestSigner) async throws -> HeartbeatResponse {
        try await send("/api/v1/agent/heartbeat", body: beat, signer: signer)
    }

    /// Sends a signed inventory upload.
    public func upload(_ upload: InventoryUpload, signer: RequestSigner) async throws -> InventoryAcknowledgement {
        try await send("/api/v1/agent/inventory", body: upload, signer: signer)
    }

    /// Asks for the next signed plan for this host (nil: nothing to do).
    public func nextPlan(signer: RequestSigner) async throws -> SignedPlan? {
        struct Answer: Decodable { var plan: SignedPlan? }
        struct Empty: Encodable {}
        let answer: Answer = try await send("/api/v1/agent/plan", body: Empty(), signer: signer)
        return answer.plan
    }

    /// Reports how a plan went (the server acknowledges repeats as duplicates).
    public func report(_ report: PlanReport, signer: RequestSigner) async throws -> PlanReportAcknowledgement {
        try await send("/api/v1/agent/reports", body: report, signer: signer)
    }

    /// Downloads an artifact (no signature: artifacts are checked against the plan's SHA-256).
    public func download(_ url: String) async throws -> [UInt8] {
        let response = try await http.execute(HTTPClientRequest(url: url), timeout: .minutes(10))
        guard response.status.code == 200 else {
            throw AgentError(
                code: .serverRejected,
                message: "\(url) answered \(response.status.code)",
                status: Int(response.status.code)
            )
        }
        return Array(try await response.body.collect(upTo: 2 << 30).readableBytesView)
    }

    func send<Body: Encodable, Answer: Decodable>(
        _ path: String,
        body: Body,
        signer: RequestSigner?
    ) async throws
        -> Answer
    {
        let bytes = Array(try JSONEncoder().encode(body))
        var request = HTTPClientRequest(url: serverURL + path)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        if let signer {
            for header in try signer.sign(method: "POST", path: path, body: bytes).headers {
                request.headers.add(name: header.name, value: header.value)
            }
        }
        request.body = .bytes(ByteBuffer(bytes: bytes))
        let response: HTTPClientResponse
        do {
            response = try await http.execute(request, timeout: timeout)
        } catch {
            throw AgentError(code: .transport, message: "cannot reach \(serverURL)\(path): \(error)")
        }
        let answer = try await response.body.collect(upTo: 64 * 1024 * 1024)
        let data = Data(answer.readableBytesView)
        guard (200..<300).contains(response.status.code) else {
            let detail =
                (try? JSONDecoder().decode(ProblemDetail.self, from: data))?.detail
                ?? String(decoding: data.prefix(500), as: UTF8.self)
            throw AgentError(
                code: .serverRejected,
                message: "server answered \(response.status.code) to POST \(path): \(detail)",
                status: Int(response.status.code)
            )
        }
        do {
            return try JSONDecoder().decode(Answer.self, from: data)
        } catch {
            throw AgentError(code: .invalidResponse, message: "cannot decode the answer to POST \(path): \(error)")
        }
    }

    struct ProblemDetail: Decodable {
        var detail: String
    }
}

/// Signs agent requests with the agent's key, a fresh nonce and the current time.
public struct RequestSigner: Sendable {
    /// The agent id.
    public var agentID: String
    let key: Curve25519.Signing.PrivateKey
    let now: @Sendable () -> Date

    /// Creates a signer.
    public init(agentID: String, key: Curve25519.Signing.PrivateKey, now: @escaping @Sendable () -> Date = { Date() }) {
        self.agentID = agentID
        self.key = key
        self.now = now
    }

    /// Signs one request.
    public func sign(method: String, path: String, body: [UInt8]) throws -> RequestSignature {
        var generator = SystemRandomNumberGenerator()
        let nonce = Hex.encode((0..<16).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
        return try RequestSignature.sign(
            method: method,
            path: path,
            body: body,
            agentID: agentID,
            key: key,
            timestamp: Int64(now().timeIntervalSince1970),
            nonce: nonce
        )
    }
}
